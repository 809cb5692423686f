"""Export plans (export.plan): each artifact decided once, and the rewrite walk doing exactly
what the plan says, for every built-in architecture on every backend."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from transformers import AutoModelForMaskedLM, AutoModelForTokenClassification

import export.arch
from export.arch import arch_for, architectures, builtin_models
from export.backends import CATALOG, load_backend
from export.lengths import fewest_padding_lengths
from export.models import build_task_model, load_config, resolve
from export.plan import plan_for
from export.rewrite import rewrite_for_export
from export.tasks import get_task

BACKENDS = ("onnx", "executorch", "litert", "litert-stock")
_FOLDS = ("mobilebert_no_norm_fold", "mobilebert_trigram_embeddings")
_SQUEEZE = ("squeezebert_channels_last",)
#: the rules each built-in's artifacts got before the plan existed (the catalog's opt-ins, the
#: LiteRT policy switch and the registry's always-on rules, combined): the tables must keep them
EXPECTED_RULES = {
    "squeezebert": {"onnx": _SQUEEZE, "executorch": _SQUEEZE, "litert": _SQUEEZE},
    "bert-base": {"executorch": ("bert_bmm_attention",), "litert": ("bert_bmm_attention",)},
    "minilm": {"executorch": ("bert_bmm_attention",), "litert": ("bert_bmm_attention",)},
    "mobilebert": {"onnx": _FOLDS, "executorch": (*_FOLDS, "mobilebert_bmm_attention")},
    "distilbert": {"executorch": ("distilbert_bmm_attention",)},
    "electra-small": {},  # none measured yet (export/arch/electra.py)
}
HEADS = {"ner": AutoModelForTokenClassification, "mlm": AutoModelForMaskedLM}


def plan(model: str, backend: str, precision: str = "int8", task: str = "ner", **context):
    config = load_config(resolve(model, "random", tiny=True))
    context = {"file_tag": model.replace("-", "_"), "max_seq_len": 512} | context
    return plan_for(arch_for(config), load_backend(backend), precision, get_task(task), **context)


@pytest.fixture(scope="module")
def tiny_models() -> dict[tuple[str, str], object]:
    """Every built-in on the tiny random config, with the NER and the masked-LM head."""
    return {
        (name, task): build_task_model(
            resolve(name, "random", tiny=True), head, ["O", "B", "I"] if task == "ner" else [], 0
        ).eval()
        for name in builtin_models()
        for task, head in HEADS.items()
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("model", list(builtin_models()))
def test_the_plans_rewrite_rules_are_the_ones_the_walk_applies(tiny_models, model, backend):
    for task in HEADS:
        rules = plan(model, backend, task=task).rewrite_rules
        report = rewrite_for_export(tiny_models[model, task], rules=rules).report
        assert sorted({r.rule for r in report.records}) == sorted(rules), (model, task)
        assert rules == EXPECTED_RULES[model].get(backend, ()), (model, backend, task)
        assert report.applied == bool(rules)


def test_a_table_listing_a_rule_its_model_lacks_fails_the_walk(tiny_models):
    """What the old catalog/policy split allowed silently (BERT's policy said no rewrite while
    its .pte was rewritten) is an error between a plan and the walk."""
    from export.errors import ExportError

    with pytest.raises(ExportError, match="no module of this BertForTokenClassification"):
        rewrite_for_export(tiny_models["bert-base", "ner"], rules=("mobilebert_bmm_attention",))


def test_quantization_decoder_and_lengths_are_decided_per_backend_task_and_precision():
    from export.arch.mobilebert import FFNS

    assert plan("mobilebert", "executorch", task="mlm").quant.int4_linears == FFNS
    assert plan("mobilebert", "executorch", task="ner").quant.int4_linears == ""
    assert plan("mobilebert", "executorch", "fp32", task="mlm").quant is None
    assert plan("squeezebert", "onnx").quant == load_backend("onnx").quant_defaults
    assert plan("bert-base", "litert").quant.recipe == "dynamic_wi8_afp32"
    assert plan("bert-base", "executorch", "fp32", task="mlm").decoder_layout == "table_mm"
    assert plan("bert-base", "executorch", task="mlm").decoder_layout == "linear"
    assert plan("bert-base", "executorch", task="ner").decoder_layout is None
    assert plan("bert-base", "litert", task="ner").static_lengths[-1] == 100  # the cap, no 128
    chosen = plan("bert-base", "litert", task="ner", length_sample=[9, 12, 14, 14, 20, 38])
    assert chosen.static_lengths == tuple(fewest_padding_lengths([9, 12, 14, 14, 20, 38], 100))
    assert plan("bert-base", "litert-stock", task="ner").static_lengths == (128,)
    assert plan("bert-base", "litert", static_lengths=(64, 32)).static_lengths == (32, 64)
    assert plan("bert-base", "onnx").static_lengths is None
    assert plan("bert-base", "onnx").to_manifest()["dynamic_axes"]["sequence"] == [2, 512]


def test_the_masked_rows_path_is_planned_except_under_4_bit_linears():
    """MobileBERT's masked-LM .pte has 4-bit FFNs; their M-row form leaves XNNPACK and the
    export fails to lower, so that one artifact keeps the full last layer."""
    assert plan("mobilebert", "executorch", task="mlm").masked_rows is False
    assert plan("mobilebert", "executorch", "fp32", task="mlm").masked_rows is True
    assert plan("mobilebert", "onnx", task="mlm").masked_rows is True
    assert plan("bert-base", "executorch", task="mlm").masked_rows is True
    assert plan("bert-base", "executorch", task="ner").masked_rows is None


def test_every_artifact_is_named_tag_runtime_scheme():
    names = {(b, p): plan("squeezebert", b, p).file for b in BACKENDS for p in ("fp32", "int8")}
    assert names == {
        ("onnx", "fp32"): "squeezebert_onnx_fp32.onnx",
        ("onnx", "int8"): "squeezebert_onnx_q8.onnx",
        ("executorch", "fp32"): "squeezebert_xnnpack_fp32.pte",
        ("executorch", "int8"): "squeezebert_xnnpack_q8.pte",
        ("litert", "fp32"): "squeezebert_litert_fp32.tflite",
        ("litert", "int8"): "squeezebert_litert_q8.tflite",
        ("litert-stock", "fp32"): "squeezebert_litert-stock_fp32.tflite",
        ("litert-stock", "int8"): "squeezebert_litert-stock_q8.tflite",
    }


def test_the_manifest_form_of_a_plan_reads_back_equal():
    manifest = plan("mobilebert", "executorch", task="mlm").to_manifest()
    assert json.loads(json.dumps(manifest)) == manifest
    assert manifest["rewrite_rules"] == [*_FOLDS, "mobilebert_bmm_attention"]
    assert manifest["architecture"] == "mobilebert" and manifest["quant"]["int4_linears"]


def test_an_unknown_model_type_gets_the_default_family():
    default = arch_for("roberta")
    assert default.name == "default" and default.rules_for("executorch") == ()
    assert default.quant_overrides("executorch", "mlm") == {}


def test_every_family_module_registers_itself():
    """Adding a family is adding one module under export/arch (export.arch imports them all)."""
    found = {
        info.name
        for info in pkgutil.iter_modules(export.arch.__path__)
        if info.name != "base" and not info.name.startswith("_")
    }
    registered = {
        importlib.import_module(f"export.arch.{name}").ARCH.name
        for name in found  # each family module's record, as it registered it
    }
    assert registered == {a.name for a in architectures()}
    assert list(builtin_models()) == [
        "squeezebert",
        "bert-base",
        "mobilebert",
        "distilbert",
        "minilm",
        "electra-small",
    ]


def test_a_built_manifest_states_the_rules_that_ran(tiny_artifacts: Path):
    """Every artifact of a real tiny build: the plan it records names the rules the walk
    applied, and is the plan its fingerprint was taken over."""
    checked = 0
    for manifest_path in sorted(tiny_artifacts.rglob("manifest.json")):
        for name, entry in json.loads(manifest_path.read_text())["artifacts"].items():
            assert entry["plan"]["file"] == name and entry["plan"]["backend"] == entry["format"]
            assert sorted(entry["rewrite"]["rules"]) == sorted(entry["plan"]["rewrite_rules"])
            assert entry["fingerprint"]["plan"] == entry["plan"]
            checked += 1
    bert_pte = tiny_artifacts / "bert-base-random-tiny" / "ner" / "manifest.json"
    entry = json.loads(bert_pte.read_text())["artifacts"]["bert_base_random_tiny_xnnpack_q8.pte"]
    assert entry["plan"]["rewrite_rules"] == ["bert_bmm_attention"]
    assert checked >= 4 * 4 and set(CATALOG) >= {"onnx", "executorch"}
