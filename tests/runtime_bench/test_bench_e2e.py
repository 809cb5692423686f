"""A tiny end-to-end benchmark on tiny artifacts built by the real exporter.

Uses the session's `tiny_artifacts` (conftest: tiny random SqueezeBERT and BERT-base, built
once by `export.build`) and runs `python -m runtime_bench` over their NER artifacts through
eager PyTorch, onnxruntime and ExecuTorch. Asserts structure and invariants only, never
absolute times.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchfakes import FIXTURES, REPO

from runtime_bench.results import validate

pytestmark = pytest.mark.slow


def default_sigint() -> None:
    """In the child, before exec: SIGINT as at a terminal. A suite started in the background
    (`nohup ... &`, a shell without job control) hands its children an ignored SIGINT, and
    Python then never raises KeyboardInterrupt, so the signal the test sends would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def bench(artifacts: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "runtime_bench",
        "--artifacts",
        str(artifacts),
        "--out",
        str(out),
        "--no-progress",
        "--matmul-sizes",
        "64,128",
        "--sessions",  # one load per artifact unless a test asks for more (argparse: last wins)
        "1",
        *extra,
    ]


def test_tiny_benchmark_writes_results_report_and_plots(
    tiny_artifacts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = bench(
        tiny_artifacts,
        out,
        "--tasks",
        "ner",
        "--seq-lens",
        "8,32",
        "--runs",
        "5",
        "--warmup",
        "1",
        "--sessions",
        "2",
        "--eval-limit",
        "8",
        "--no-memory",  # covered below on fewer artifacts: each probe is a fresh interpreter
    )
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert validate(doc) == [] and doc["status"] == "complete"

    combos = {(r["backend"], r["precision"]) for r in doc["records"]}
    assert combos == {
        ("eager", "fp32"),
        ("onnx", "fp32"),
        ("onnx", "int8"),
        ("executorch", "fp32"),
        ("executorch", "int8"),
    }
    assert {r["model"] for r in doc["records"]} == {"squeezebert", "bert-base"}
    assert len(doc["records"]) == 2 * 5 * 2
    threads = doc["threads"]
    assert threads["torch_intra_op_threads"] == 1 and threads["executorch_threadpool"] == 1
    for record in doc["records"]:
        m = record["metrics"]
        assert m["num_iter"] == 5 and len(record["samples_ms"]) == 5
        # the 5 rounds were split over two fresh loads (3 + 2), each with its own median
        assert record["sessions"] == 2 and len(record["session_medians_ms"]) == 2
        assert record["interleave"] == f"L{record['seq_len']}"
        # measured and recorded; the report flags it above 1.15 (test_bench_report). Not
        # bounded here: on a busy 2-core host the ratio of a few short calls is not deterministic
        assert m["cpu_wall_ratio"] > 0, record["id"]
        assert m["min_inference_latency(ms)"] <= m["median_inference_latency(ms)"]
        assert m["median_inference_latency(ms)"] <= m["max_inference_latency(ms)"]
        assert m["floor_latency(ms)"] > 0 and m["x_floor"] > 0
        assert record["size_bytes"] > 0
    # longer inputs cost more FLOPs
    flops = {f["seq_len"]: f["total_flops"] for f in doc["flops"]}
    assert flops[32] > flops[8]

    assert len(doc["evaluations"]) == 2 * 5 and doc["memory"] == []
    for evaluation in doc["evaluations"]:
        assert evaluation["examples"] == 8 and "entity_f1" in evaluation["metrics"]
        assert evaluation["cpu_wall_ratio"] > 0
        # real traffic: the runtime call is timed inside the whole per-example path
        assert evaluation["timing"] == "per-example, interleaved"
        assert evaluation["feed"] == "own length"
        assert 0 < evaluation["seconds"] <= evaluation["e2e_seconds"]
        call, e2e = evaluation["per_example_ms"]["call"], evaluation["per_example_ms"]["e2e"]
        assert call["p50"] <= call["p90"] and call["p50"] <= e2e["p50"]
        # one pass, every example's call time kept for the paired headline ratios
        assert evaluation["rounds"] == 1 and len(evaluation["call_ms"]) == 8
        assert abs(sum(evaluation["call_ms"]) / 1e3 - evaluation["seconds"]) < 1e-3
    lengths = {x["model_tag"]: x for x in doc["lengths"]}
    assert set(lengths) == {"squeezebert-random-tiny", "bert-base-random-tiny"}
    assert all(sum(x["histogram"].values()) == x["examples"] == 8 for x in lengths.values())
    assert {r["kind"] for r in doc["ratios"]} == {"model", "precision", "backend", "best"}
    model_ratios = [r for r in doc["ratios"] if r["kind"] == "model"]
    assert all(r["numerator"].startswith("squeezebert-") for r in model_ratios)
    assert all(r["rounds"] == 5 and r["p10"] <= r["median"] <= r["p90"] for r in model_ratios)

    report = (out / "report.md").read_text()
    for section in ("## Single-thread check", "## Task metric and CPU time", "## Latency",
                    "## Ratios", "## Real traffic: every artifact"):  # fmt: skip
        assert section in report
    first_screen = "\n".join(report.splitlines()[:80])
    assert "## Which artifact to ship on this host" in first_screen
    assert "| ner | squeezebert | int8 |" in first_screen
    assert "## Headline ratios (real traffic, runtime call, paired example by example)" in report
    assert "median of 8 per-example ratios" in first_screen
    for png in ("latency_ner.png", "speedup_model_ner.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG")


def test_peak_rss_is_probed_in_a_fresh_process_per_artifact(
    tiny_artifacts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = bench(
        tiny_artifacts,
        out,
        "--models",
        "squeezebert",
        "--tasks",
        "ner",
        "--backends",
        "onnx,executorch",
        "--precisions",
        "int8",
        "--seq-lens",
        "8,64",
        "--runs",
        "2",
        "--no-eval",
    )
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert [m["backend"] for m in doc["memory"]] == ["onnx", "executorch"]
    for memory in doc["memory"]:
        assert memory["method"] == "clear_refs"
        peaks = memory["peak_increase_mb"]
        assert 0 < memory["load_peak_increase_mb"] <= peaks["8"] <= peaks["64"]
    for record in doc["records"]:
        assert record["metrics"]["peak_rss_increase(mb)"] > 0
    assert "| RSS (MB) |" in (out / "report.md").read_text()


def test_interrupt_keeps_completed_records(tiny_artifacts: Path, tmp_path: Path) -> None:
    """SIGINT while later lengths are certainly pending, on a host of any speed: the test's own
    launcher (fixtures/bench/pause_after_first_save.py) pauses the real run once results.json
    first holds a record, the test sees that record in the file and sends the signal."""
    out = tmp_path / "out"
    results = out / "results.json"
    cmd = bench(
        tiny_artifacts,
        out,
        "--models",
        "bert-base",
        "--tasks",
        "ner",
        "--backends",
        "eager",
        "--seq-lens",
        "8,16,24",
        "--runs",
        "3",
        "--warmup",
        "0",
        "--no-eval",
        "--no-memory",
    )
    cmd[1:3] = [str(FIXTURES / "bench" / "pause_after_first_save.py")]  # for `-m runtime_bench`
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=default_sigint,
    )
    hang_guard = time.monotonic() + 900  # only against a hung test; the run waits for us
    try:
        while not (results.exists() and json.loads(results.read_text())["records"]):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < hang_guard, "no record within 900 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted: kept 1 completed records" in stderr
    doc = json.loads(results.read_text())
    assert doc["status"] == "interrupted"
    assert [r["seq_len"] for r in doc["records"]] == [8]
    assert validate(doc) == []
    assert "Run status: interrupted" in (out / "report.md").read_text()


def test_mlm_is_in_every_table_and_plot(tiny_artifacts: Path, tmp_path: Path) -> None:
    """Masked-LM artifacts take mask_positions; latency, CPU time, memory, size, ratios, plots."""
    out = tmp_path / "out"
    cmd = bench(
        tiny_artifacts,
        out,
        "--tasks",
        "mlm",
        "--models",
        "squeezebert",
        "--backends",
        "eager,executorch",
        "--seq-lens",
        "8,32",
        "--runs",
        "3",
        "--warmup",
        "1",
        "--eval-limit",
        "4",
        "--traffic-rounds",
        "2",
    )
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert validate(doc) == [] and doc["status"] == "complete"
    combos = {(r["task"], r["backend"], r["precision"], r["seq_len"]) for r in doc["records"]}
    assert combos == {
        ("mlm", b, p, L)
        for b, p in (("eager", "fp32"), ("executorch", "fp32"), ("executorch", "int8"))
        for L in (8, 32)
    }
    assert all(r["size_bytes"] > 0 for r in doc["records"])
    assert {e["task"] for e in doc["evaluations"]} == {"mlm"} and len(doc["evaluations"]) == 3
    assert all("masked_accuracy" in e["metrics"] for e in doc["evaluations"])
    # two passes over the 4 examples: scored once, each example's median call time kept
    assert all(
        e["rounds"] == 2 and len(e["call_ms"]) == e["examples"] == 4 for e in doc["evaluations"]
    )
    assert "(2 passes, median per example)" in (out / "report.md").read_text()
    assert {m["task"] for m in doc["memory"]} == {"mlm"} and len(doc["memory"]) == 3
    assert {r["kind"] for r in doc["ratios"] if r["task"] == "mlm"} >= {"precision", "backend"}
    # the decoder runs on M = max(1, round(L/10)) rows: FLOPs grow with L
    flops = {f["seq_len"]: f["total_flops"] for f in doc["flops"]}
    assert flops[32] > flops[8]
    report = (out / "report.md").read_text()
    assert report.count("### mlm") >= 2  # task metric and CPU time; latency
    for png in ("latency_mlm.png", "speedup_backend_mlm.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG")


def test_a_benchmark_prints_no_third_party_noise(tiny_artifacts: Path, tmp_path: Path) -> None:
    """News re-scoring reloads its CSV (datasets' "Casting to class labels" bars) and imports
    torchao (torch's register_constant warning): neither is the user's business."""
    cmd = bench(tiny_artifacts, tmp_path / "out", "--tasks", "news", "--models", "squeezebert",
                "--backends", "onnx", "--precisions", "int8", "--seq-lens", "8", "--runs", "1",
                "--warmup", "1", "--sessions", "1", "--eval-limit", "2", "--no-memory")  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert "Casting to class labels" not in output, output[-2000:]
    assert "register_constant" not in output, output[-2000:]
