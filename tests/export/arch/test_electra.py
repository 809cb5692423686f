"""ELECTRA-small, the sixth built-in (export/arch/electra.py): its released architecture, its
masked-LM head, and every task x backend x precision built on the tiny random config, each
artifact verified against eager PyTorch under the plan the family's tables decide."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from tinybuilds import build
from transformers import AutoModelForMaskedLM

from export.arch import arch_for, builtin_models
from export.backends import load_backend
from export.exportable import FullDecodeMaskedLm, MaskedLmExportable
from export.manifest import read_manifest
from export.models import build_task_model, load_config, resolve

TAG = "electra-small-random-tiny"
FILE_TAG = TAG.replace("-", "_")
SUFFIX = {"onnx": ".onnx", "xnnpack": ".pte", "litert": ".tflite", "litert-stock": ".tflite"}
HAS_LITERT = importlib.util.find_spec("litert_torch") is not None
#: the fixture NER test split's longest example is 53 tokens: two static signatures cover it
NER_LITERT = ("--formats", "onnx,executorch,litert,litert-stock", "--static-lengths", "32,64")


def file_names(runtimes: tuple[str, ...]) -> set[str]:
    return {f"{FILE_TAG}_{r}_{q}{SUFFIX[r]}" for r in runtimes for q in ("fp32", "q8")}


@pytest.fixture(scope="module")
def electra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny build for the module: masked-LM and news on ONNX and ExecuTorch, NER on every
    backend (LiteRT where the [litert] extra is installed)."""
    out = tmp_path_factory.mktemp("electra")
    assert build(out, "electra-small", "mlm,news", "--threads", "1") == 0
    assert (
        build(out, "electra-small", "ner", "--threads", "1", *NER_LITERT[: 4 if HAS_LITERT else 0])
        == 0
    )
    return out / TAG


def test_electra_small_is_the_released_discriminator_on_bert_base_uncased_vocabulary():
    spec = resolve("electra-small", "random")
    assert spec.source == "google/electra-small-discriminator"
    config = load_config(spec)
    assert (config.model_type, config.vocab_size, config.embedding_size) == ("electra", 30522, 128)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (
        256,
        12,
        4,
    )
    assert config.intermediate_size == 1024
    from transformers import ElectraModel

    weights = sum(p.numel() for p in ElectraModel(config).parameters())
    assert 13e6 < weights < 14e6  # 13.48 M: "about 14 M"
    assert list(builtin_models())[-2:] == ["minilm", "electra-small"]  # reports: after MiniLM
    from runtime_bench.analysis.study import MODEL_ORDER

    assert MODEL_ORDER[-2:] == ("minilm", "electra-small")  # read from the registry


def test_tiny_electra_keeps_its_embedding_projection():
    config = load_config(resolve("electra-small", "random", tiny=True))
    assert (config.embedding_size, config.hidden_size, config.num_hidden_layers) == (32, 64, 2)
    model = build_task_model(
        resolve("electra-small", "random", tiny=True), AutoModelForMaskedLM, [], 0
    )
    assert hasattr(model.electra, "embeddings_project")
    assert arch_for(config).name == "electra"


def test_masked_only_decode_equals_the_generator_heads_full_decode():
    """The family's head adapter (generator_predictions, then generator_lm_head tied to the
    table) and BERT's masked-rows path give the Hugging Face model's logits at the masks."""
    spec = resolve("electra-small", "random", tiny=True)
    model = build_task_model(spec, AutoModelForMaskedLM, [], 0).eval()
    masked = MaskedLmExportable(model)
    assert masked.decoder.table is model.electra.embeddings.word_embeddings.weight
    assert masked.rows is not None and masked.rows.__name__ == "bert_rows"
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 2000, (2, 12), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0  # padded keys are masked in the rows path as in the full layer
    positions = torch.tensor([[1, 5, 7], [0, 3, 8]])
    with torch.no_grad():
        want = FullDecodeMaskedLm(model).eval()(ids, mask, positions)
        got = masked(ids, mask, positions)
    assert got.shape == (2, 3, 30522)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def check_artifacts(task_dir: Path, runtimes: tuple[str, ...]) -> dict:
    """The runtimes' fp32 and int8 artifacts: hashed, verified on the test split, and
    recorded with the plan (no rewrite rules, the backend's default quantization)."""
    manifest = read_manifest(task_dir, verify=True)  # sha256 of every file
    built = {n: e for n, e in manifest["artifacts"].items() if n in file_names(runtimes)}
    assert set(built) == file_names(runtimes)
    for name, entry in built.items():
        plan = entry["plan"]
        assert plan["architecture"] == "electra" and plan["file"] == name
        assert plan["rewrite_rules"] == [] and entry["rewrite"]["rules"] == {}
        assert entry["fingerprint"]["plan"] == plan
        assert entry["parity"]["examples"] > 0 and not entry["flagged"]
        if entry["precision"] == "fp32":
            assert entry["parity"]["max_abs_diff"] <= 1e-3 and plan["quant"] is None
        else:
            defaults = asdict(load_backend(entry["format"]).quant_defaults)
            assert plan["quant"] == json.loads(json.dumps(defaults))  # tuples as lists
    assert manifest["model"]["config"]["model_type"] == "electra"
    assert manifest["model"]["config"]["embedding_size"] == 32
    return built


@pytest.mark.slow
@pytest.mark.parametrize("task", ["mlm", "news", "ner"])
def test_every_task_builds_and_verifies_on_onnx_and_executorch(electra: Path, task: str):
    built = check_artifacts(electra / task, ("onnx", "xnnpack"))
    for entry in built.values():
        names = [i["name"] for i in entry["inputs"]]
        assert names[-1] == "mask_positions" if task == "mlm" else "mask_positions" not in names
        if entry["format"] == "executorch":
            assert entry["delegation"]["delegated_nodes"] > 0
    contract = json.loads((electra / task / "task.json").read_text())
    assert contract["artifacts"]["int8"] == f"{FILE_TAG}_xnnpack_q8.pte"


@pytest.mark.slow
@pytest.mark.skipif(not HAS_LITERT, reason="the LiteRT tests need pip install -e '.[litert]'")
def test_ner_builds_and_verifies_on_litert_and_the_stock_route(electra: Path):
    built = check_artifacts(electra / "ner", ("litert", "litert-stock"))
    for entry in built.values():
        assert entry["plan"]["static_lengths"] == [32, 64]
        assert entry["op_census"]["operators"] > 0
