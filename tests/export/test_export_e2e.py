"""End to end on tiny random configs: every task x every artifact, verified and recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from export.backends import get_backend
from export.errors import ArtifactIntegrityError
from export.io import sha256_file
from export.manifest import read_manifest
from export.tasks import get_task

MODELS = {"squeezebert": "squeezebert-random-tiny", "bert-base": "bert-base-random-tiny"}
TASKS = ("mlm", "news", "ner")


def artifact_names(tag: str) -> list[str]:
    file_tag = tag.replace("-", "_")
    return [
        f"{file_tag}_onnx_fp32.onnx",
        f"{file_tag}_onnx_q8.onnx",
        f"{file_tag}_xnnpack_fp32.pte",
        f"{file_tag}_xnnpack_q8.pte",
    ]


BUILT = [(MODELS["squeezebert"], task) for task in TASKS] + [(MODELS["bert-base"], "ner")]


@pytest.mark.parametrize(("tag", "task"), BUILT)
def test_every_artifact_is_built_verified_and_recorded(tiny_artifacts, tag, task):
    check_built_task(tiny_artifacts / tag / task, tag, task)


#: issue 16: the encoders a mobile engineer would pick instead (conftest.tiny_mobile_artifacts)
MOBILE = [
    (f"{model}-random-tiny", task) for model in ("mobilebert", "distilbert") for task in TASKS
]
ANDROID_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "android"


def built_root(request: pytest.FixtureRequest, tag: str) -> Path:
    """The session build that holds `tag` (tiny_mobile_artifacts for issue 16's models)."""
    mobile = tag in {t for t, _ in MOBILE}
    return request.getfixturevalue("tiny_mobile_artifacts" if mobile else "tiny_artifacts")


@pytest.mark.parametrize(("tag", "task"), MOBILE)
def test_mobilebert_and_distilbert_build_verify_and_record_every_artifact(
    tiny_mobile_artifacts, tag, task
):
    task_dir = tiny_mobile_artifacts / tag / task
    manifest = check_built_task(task_dir, tag, task)
    primary = get_task(task).primary_metric
    for entry in manifest["artifacts"].values():
        # the int8 deltas are reported, and flagged above 1 point by the build
        assert primary in entry["metric_deltas_points"] and "flagged" in entry
        if tag.startswith("mobilebert"):
            assert entry["rewrite"]["counts"]["trigram_embeddings"] == 1
    contract = json.loads((task_dir / "task.json").read_text())
    assert contract["artifacts"]["int8"] == f"{tag.replace('-', '_')}_xnnpack_q8.pte"
    # the JVM test's fixtures (OtherEncodersTaskJsonTest) are what a build writes today
    fixture = ANDROID_FIXTURES / f"task_{tag.split('-')[0]}_{task}.json"
    if fixture.is_file():
        assert json.loads(fixture.read_text()) == contract, f"regenerate {fixture.name}"


def check_built_task(task_dir: Path, tag: str, task: str) -> dict:
    """Every artifact of a built task directory: present, hashed, verified and recorded."""
    manifest = read_manifest(task_dir, verify=True)
    assert sorted(manifest["artifacts"]) == sorted(artifact_names(tag))
    for name, entry in manifest["artifacts"].items():
        path = task_dir / name
        assert entry["sha256"] == sha256_file(path)
        assert entry["size_bytes"] == path.stat().st_size
        names = ["input_ids", "attention_mask"] + (["mask_positions"] if task == "mlm" else [])
        assert [i["name"] for i in entry["inputs"]] == names
        assert {i["dtype"] for i in entry["inputs"]} == {"int64"}
        # --eval-limit 24 caps the 64 parity examples (news' excerpt has only 12 test articles)
        assert entry["parity"]["examples"] == min(24, manifest["eval"]["examples"]) > 0
        if entry["precision"] == "fp32":
            assert entry["parity"]["max_abs_diff"] <= 1e-3
            assert all(abs(d) <= 0.1 for d in entry["metric_deltas_points"].values())
        else:
            assert "quantization" in entry
        if entry["format"] == "executorch":
            delegation = entry["delegation"]
            assert delegation["delegated_nodes"] > 0 and delegation["delegated_subgraphs"] >= 1
            assert entry["inputs"][0]["shape"] == [1, "sequence"]
    assert manifest["seed"] == 123
    assert manifest["versions"]["torch"].startswith("2.13.0")
    assert manifest["model"]["config"]["model_type"] == tag.split("-")[0]
    assert all(len(f["sha256"]) == 64 for f in manifest["data"]["files"])
    assert (
        manifest["eager_metrics"] == json.loads((task_dir / "metrics.json").read_text())["metrics"]
    )
    return manifest


def _pte_operators(path: Path) -> set[str]:
    """The operators of a .pte's execution plan (those outside the XNNPACK delegate)."""
    from executorch.exir._serialize._program import deserialize_pte_binary

    program = deserialize_pte_binary(path.read_bytes())
    program = getattr(program, "program", program)
    return {f"{op.name}.{op.overload}" for op in program.execution_plan[0].operators}


@pytest.mark.parametrize(("tag", "task"), BUILT + MOBILE)
def test_int8_artifacts_hold_int8_computation_and_are_smaller(request, tag, task):
    import onnx

    task_dir = built_root(request, tag) / tag / task
    file_tag = tag.replace("-", "_")
    onnx_ops = {n.op_type for n in onnx.load(str(task_dir / f"{file_tag}_onnx_q8.onnx")).graph.node}
    assert onnx_ops & {"MatMulInteger", "DynamicQuantizeLinear"}, sorted(onnx_ops)
    assert not {"MatMulInteger", "DynamicQuantizeLinear"} & {
        n.op_type for n in onnx.load(str(task_dir / f"{file_tag}_onnx_fp32.onnx")).graph.node
    }
    q8, fp32 = (task_dir / f"{file_tag}_xnnpack_{p}.pte" for p in ("q8", "fp32"))
    # int8 embeddings run outside XNNPACK as embedding_byte; the Linears inside it on int8
    # weights (the delegate's census, recorded at export, holds the quantize/dequantize ops).
    assert "quantized_decomposed::embedding_byte.out" in _pte_operators(q8)
    assert "quantized_decomposed::embedding_byte.out" not in _pte_operators(fp32)
    entry = read_manifest(task_dir, verify=False)["artifacts"][q8.name]
    assert (
        "quantized_decomposed_dequantize_per_channel_default" in entry["delegation"]["by_operator"]
    )
    if task == "mlm":  # the tied table in 4 bits: the word lookup and the delegated decoder
        assert "quantized_decomposed::embedding_4bit.dtype_out" in _pte_operators(q8)
        assert entry["quantization"]["tied_table"] == "int4"
    # 4-bit weights run inside XNNPACK behind torchao's per-token activation quantization, one
    # per Linear: the masked-LM decoder, and MobileBERT masked-LM's stacked FFNs (2 layers x 2
    # FFNs x 2 Linears in the tiny config; export.arch.mobilebert)
    four_bit = 8 if (tag.startswith("mobilebert") and task == "mlm") else 0
    assert entry["quantization"]["int4_linear_layers"] == four_bit
    census = entry["delegation"]["by_operator"].get("torchao_choose_qparams_affine_default", {})
    assert census.get("delegated", 0) == four_bit + (task == "mlm")
    assert census.get("not_delegated", 0) == 0
    # nothing of torchao's is left for the runtime: the app's ExecuTorch needs no extra kernels
    assert not [op for op in _pte_operators(q8) if op.startswith("torchao::")]
    # int8 weights are a quarter of fp32 ones; a tiny masked-LM's tied table (two copies, one
    # per side of the delegate) leaves its files at just over half the fp32 size.
    for int8, full in (
        (task_dir / f"{file_tag}_onnx_q8.onnx", task_dir / f"{file_tag}_onnx_fp32.onnx"),
        (q8, fp32),
    ):
        assert int8.stat().st_size < 0.6 * full.stat().st_size, (int8.name, full.name)


@pytest.mark.parametrize("task", TASKS)
def test_task_json_is_the_contract_the_app_reads(tiny_artifacts, task, tokenizer):
    task_dir = tiny_artifacts / "squeezebert-random-tiny" / task
    contract = json.loads((task_dir / "task.json").read_text())
    assert contract["task"] == task and contract["max_seq_len"] == 512
    extra = ["mask_positions"] if task == "mlm" else []
    assert contract["input_names"] == ["input_ids", "attention_mask", *extra]
    assert contract["mask_token_id"] == tokenizer.mask_token_id == 103
    assert contract["labels"] == json.loads((task_dir / "labels.json").read_text())
    assert contract["artifacts"] == {
        "fp32": "squeezebert_random_tiny_xnnpack_fp32.pte",
        "int8": "squeezebert_random_tiny_xnnpack_q8.pte",
    }
    # every on-device file, named for the app's benchmark as the export named it
    assert contract["files"]["squeezebert_random_tiny_xnnpack_q8.pte"] == {
        "name": "squeezebert_random_tiny",
        "backend": "xnnpack",
        "quantization": "q8",
    }
    assert not any(name.endswith(".onnx") for name in contract["files"])
    vocab = (task_dir / contract["vocab_file"]).read_text().splitlines()
    assert len(vocab) == 30522 and vocab[103] == "[MASK]"
    bench = json.loads((task_dir / "bench_inputs.json").read_text())
    assert 0 < len(bench["examples"]) <= 32 and bench["examples"][0]["input_ids"][0] == 101


def test_a_rebuild_skips_unchanged_artifacts(tiny_artifacts, capsys):
    from tinybuilds import build

    task_dir = tiny_artifacts / "bert-base-random-tiny" / "ner"
    before = {
        p.name: p.stat().st_mtime_ns for p in task_dir.glob("*.*") if p.suffix in (".onnx", ".pte")
    }
    assert build(tiny_artifacts, "bert-base", "ner") == 0
    err = capsys.readouterr().err
    assert "reusing the fine-tuned checkpoint" in err and err.count("up to date, skipped") == 4
    after = {
        p.name: p.stat().st_mtime_ns for p in task_dir.glob("*.*") if p.suffix in (".onnx", ".pte")
    }
    assert before == after


def test_a_corrupt_artifact_is_detected_before_use(tiny_artifacts, tmp_path):
    source = tiny_artifacts / "bert-base-random-tiny" / "ner"
    copy = tmp_path / "ner"
    shutil.copytree(source, copy)
    pte = copy / "bert_base_random_tiny_xnnpack_q8.pte"
    data = bytearray(pte.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pte.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match="does not match the sha256"):
        read_manifest(copy, verify=True)


def test_artifacts_run_with_dynamic_sequence_lengths(tiny_artifacts):
    task_dir = tiny_artifacts / "squeezebert-random-tiny" / "ner"
    for name in artifact_names("squeezebert-random-tiny"):
        backend = get_backend("onnx" if name.endswith(".onnx") else "executorch")
        runner = backend.load(task_dir / name)
        for length in (5, 37, 128):
            ids = np.full((1, length), 1000, dtype=np.int64)
            ids[0, 0], ids[0, -1] = 101, 102
            logits = runner(ids, np.ones_like(ids))
            assert logits.shape[:2] == (1, length)


def test_an_artifact_of_another_model_fails_parity_with_the_numbers(tiny_artifacts, tmp_path):
    """Verification must catch a wrong artifact: squeezebert's .onnx against bert's eager."""
    from export.evaluate import eager_runner
    from export.exportable import load_exportable
    from export.rescore import load_test_split
    from export.verify import ParityError, max_logit_diff, verify

    ours = tiny_artifacts / "bert-base-random-tiny" / "ner"
    theirs = (
        tiny_artifacts
        / "squeezebert-random-tiny"
        / "ner"
        / "squeezebert_random_tiny_onnx_fp32.onnx"
    )
    split = load_test_split(ours, limit=8)
    eager = eager_runner(load_exportable(ours))
    backend = get_backend("onnx")
    runner = backend.load(theirs)
    from export.evaluate import evaluate

    reference = evaluate(eager, split.task, split.features, split.ctx, split.pad_id)
    diff = max_logit_diff(runner, eager, split.task, split.features, split.pad_id, 4)
    assert diff > 1e-3
    with pytest.raises(
        ParityError,
        match=r"squeezebert_random_tiny_onnx_fp32\.onnx: max \|logit - eager\| = .* exceeds",
    ):
        verify(
            "squeezebert_random_tiny_onnx_fp32.onnx",
            "fp32",
            runner,
            eager,
            split.task,
            split.features,
            split.ctx,
            split.pad_id,
            reference,
        )


def test_eval_of_a_built_task_reproduces_the_recorded_metrics(tiny_artifacts):
    from export.rescore import evaluate_runner

    task_dir = tiny_artifacts / "bert-base-random-tiny" / "ner"
    manifest = read_manifest(task_dir)
    entry = manifest["artifacts"]["bert_base_random_tiny_onnx_q8.onnx"]
    runner = get_backend("onnx").load(Path(task_dir) / "bert_base_random_tiny_onnx_q8.onnx")
    result = evaluate_runner(runner, task_dir, limit=24)
    assert result.examples == 24
    assert result.metrics == pytest.approx(entry["metrics"])


def test_mlm_artifacts_decode_only_the_masked_positions_at_any_m(tiny_artifacts):
    """[B, M, V] for the given positions, equal to the full decode's rows there, M from 1 up."""
    from export.exportable import FullDecodeMaskedLm, load_exportable

    task_dir = tiny_artifacts / "squeezebert-random-tiny" / "mlm"
    reference = FullDecodeMaskedLm(load_exportable(task_dir).model).eval()
    ids = np.full((1, 37), 1000, dtype=np.int64)
    ids[0, 0], ids[0, 5], ids[0, -1] = 101, 103, 102
    for name in artifact_names("squeezebert-random-tiny"):
        runner = get_backend("onnx" if name.endswith(".onnx") else "executorch").load(
            task_dir / name
        )
        for positions in ([5], [5, 1, 30], list(range(1, 36))):
            pos = np.asarray([positions], dtype=np.int64)
            got = runner(ids, np.ones_like(ids), pos)
            want = reference(*(torch.from_numpy(a) for a in (ids, np.ones_like(ids), pos)))
            assert got.shape == (1, len(positions), 30522)
            tolerance = 1e-4 if "fp32" in name else 0.1
            assert np.abs(got - want.detach().numpy()).max() < tolerance, name


def test_the_fp32_pte_stores_the_tied_mlm_matrix_once(tiny_artifacts):
    """Done-when: every fp32 MLM .pte is at most 5% larger than the fp32 ONNX of the model."""
    task_dir = tiny_artifacts / "squeezebert-random-tiny" / "mlm"
    onnx = (task_dir / "squeezebert_random_tiny_onnx_fp32.onnx").stat().st_size
    pte = (task_dir / "squeezebert_random_tiny_xnnpack_fp32.pte").stat().st_size
    table = 30522 * 64 * 4
    assert pte <= 1.05 * onnx and onnx < 2 * table
