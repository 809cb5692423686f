"""Real traffic through LiteRT: the stock route at 128, both Python APIs, and the input files
for LiteRT's C++ `benchmark_model` (the session's tiny_litert_artifacts; needs [litert])."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pytest

from export.tflite_inputs import (
    benchmark_command,
    read_value_file,
    signature_feeds,
    write_value_files,
)
from runtime_bench.artifacts import discover
from runtime_bench.measure.progress import Progress
from runtime_bench.measure.traffic import FEED_BUCKET, FEED_STOCK, PaddedTo, run_task

pytestmark = pytest.mark.slow


def _ner_specs(root: Path, backends: list[str], precisions: list[str]) -> list:
    return discover(root, ["squeezebert"], ["ner"], backends, precisions)


def test_benchmark_model_value_files_load_back_as_the_tool_reads_them_and_run(
    tiny_litert_artifacts: Path, tmp_path: Path
) -> None:
    from ai_edge_litert.interpreter import Interpreter

    (spec,) = _ner_specs(tiny_litert_artifacts, ["litert"], ["int8"])
    signatures = write_value_files(spec.path, spec.task_dir, tmp_path)
    interpreter = Interpreter(model_path=str(spec.path), num_threads=1)
    assert {s["signature"] for s in signatures} == set(interpreter.get_signature_list())
    for sig in signatures:
        length = int(sig["signature"].removeprefix("seq_"))
        expected = signature_feeds(spec.task_dir, length, None)
        feeds = {}
        for item in sig["inputs"]:
            # raw int32, exactly the tensor's bytes: what --input_layer_value_files copies in
            assert Path(item["file"]).stat().st_size == 4 * int(np.prod(item["shape"]))
            feeds[item["name"]] = read_value_file(Path(item["file"]), item["shape"])
            np.testing.assert_array_equal(feeds[item["name"]], expected[item["name"]])
        ids = feeds["input_ids"][0]
        assert 0 < ids.max() < 30522 and ids.min() >= 0  # real token ids, not random ones
        assert feeds["attention_mask"][0, 0] == 1
        (logits,) = interpreter.get_signature_runner(sig["signature"])(**feeds).values()
        assert np.isfinite(logits).all()
        words = shlex.split(benchmark_command(spec.path, sig))
        assert f"--signature_to_run_for={sig['signature']}" in words
        assert "--input_layer=input_ids,attention_mask" in words
        assert f"--input_layer_shape=1,{length}:1,{length}" in words


def test_stock_route_pads_to_128_and_keeps_the_real_tokens_logits(
    tiny_litert_artifacts: Path,
) -> None:
    from export.backends import get_backend
    from runtime_bench.measure.inputs import BenchInputs

    (spec,) = _ner_specs(tiny_litert_artifacts, ["litert-stock"], ["fp32"])
    runner = get_backend("litert-stock").load(spec.path, num_threads=1)
    ids, mask = BenchInputs(spec.task_dir, 20)[0]
    own = runner(ids, mask)  # the smallest signature that fits (32)
    padded = PaddedTo(runner, 128)(ids, mask)
    assert padded.shape == own.shape == (1, 20, own.shape[-1])
    np.testing.assert_allclose(padded, own, atol=1e-4)  # padding is masked out


def test_real_traffic_runs_every_artifact_interleaved_through_both_litert_apis(
    tiny_litert_artifacts: Path,
) -> None:
    specs = _ner_specs(
        tiny_litert_artifacts, ["executorch", "litert", "litert-stock"], ["fp32", "int8"]
    )
    bar = Progress(0, enabled=False)
    records, lengths = run_task(specs, 6, bar)
    assert bar.bar.total == 6 * len(specs)  # the bar's total (its ETA) covers every call
    feeds = {(r["backend"], r["precision"]): r["feed"] for r in records}
    assert (
        feeds[("litert", "int8")] == FEED_BUCKET and feeds[("litert-stock", "fp32")] == FEED_STOCK
    )
    by_key = {(r["backend"], r["precision"]): r for r in records}
    for r in records:
        assert r["examples"] == 6 and r["seconds"] <= r["e2e_seconds"]
        if r["backend"].startswith("litert"):
            assert r["api"] == "CompiledModel"
            other = r["interpreter"]
            assert other["api"] == "Interpreter" and other["seconds"] > 0
            # the same file, signature and padding: the two APIs agree on the logits
            assert other["max_abs_logit_diff_vs_compiled_model"] < 1e-3, r["id"]
        else:
            assert "interpreter" not in r
    # fp32 files score alike whatever the padding: the stock route changes speed, not output
    assert by_key[("litert-stock", "fp32")]["metrics"] == pytest.approx(
        by_key[("executorch", "fp32")]["metrics"], abs=1e-6
    )
    (summary,) = lengths
    assert summary["examples"] == 6 and sum(summary["histogram"].values()) == 6
