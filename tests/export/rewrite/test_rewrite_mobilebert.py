"""MobileBERT's NoNorm folded into the Linear before it (export.rewrite.mobilebert)."""

from __future__ import annotations

import pytest
import torch
from transformers import MobileBertForMaskedLM, MobileBertForTokenClassification

from export.arch import arch_for
from export.exportable import ExportableModel
from export.models import load_config, resolve
from export.rewrite import rewrite_for_export


def _tiny(model_class: type, **overrides: object) -> torch.nn.Module:
    """A tiny MobileBERT whose NoNorms scale and shift (random init leaves them 1 and 0, which
    a broken fold would pass)."""
    torch.manual_seed(0)
    config = load_config(resolve("mobilebert", "random", tiny=True))
    for key, value in overrides.items():
        setattr(config, key, value)
    model = model_class(config).eval()
    with torch.no_grad():
        for module in model.modules():
            if type(module).__name__ == "NoNorm":
                module.weight.uniform_(-1.5, 1.5)
                module.bias.normal_(0, 0.5)
    return model


def _no_norms(model: torch.nn.Module) -> list[str]:
    return [n for n, m in model.named_modules() if type(m).__name__ == "NoNorm"]


@pytest.mark.parametrize("model_class", [MobileBertForTokenClassification, MobileBertForMaskedLM])
def test_no_norm_folds_into_the_linear_before_it_and_keeps_the_output(model_class: type) -> None:
    model = _tiny(model_class)
    result = rewrite_for_export(model, rules=arch_for(model.config).rules_for("onnx"))
    # only the embeddings' NoNorm is left: positions and token types are added before it
    assert _no_norms(result.model) == ["mobilebert.embeddings.LayerNorm"]
    assert result.report.counts["no_norm_folded"] == len(_no_norms(model)) - 1
    ids = torch.randint(1000, 3000, (2, 11))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    with torch.no_grad():
        want = ExportableModel(model)(ids, mask)
        got = ExportableModel(result.model)(ids, mask)
    assert (got - want).abs().max().item() <= 1e-5 * max(1.0, want.abs().max().item())


def test_no_norm_fold_keeps_the_names_the_4bit_ffn_rule_addresses() -> None:
    model = _tiny(MobileBertForMaskedLM)
    before = {n for n, m in model.named_modules() if n.endswith("output.dense")}
    after = {
        n
        for n, m in rewrite_for_export(
            model, rules=arch_for(model.config).rules_for("executorch")
        ).model.named_modules()
        if isinstance(m, torch.nn.Linear)
    }
    assert before <= after


def test_a_real_layer_norm_is_not_folded() -> None:
    model = _tiny(MobileBertForTokenClassification, normalization_type="layer_norm")
    counts = rewrite_for_export(model, rules=arch_for(model.config).rules_for("onnx")).report.counts
    assert "no_norm_folded" not in counts and counts["trigram_embeddings"] == 1
