"""Issue 26, lengths checked before any work and recorded as run (cases 1, 5, 9, 10): a real
tiny LiteRT build with one static length, then what a re-build and runtime_bench make of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tinybuilds import DATA

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
#: NER's first 8 fixture test examples are at most 53 tokens; the 34th has 100
BUILD = ["--model", "squeezebert", "--init", "random", "--tiny", "--tasks", "ner",
         "--train-limit", "32", "--max-steps", "2", "--eval-limit", "8", "--precisions", "fp32",
         "--static-lengths", "64", "--data-dir", str(DATA)]  # fmt: skip
BENCH = ["--runs", "2", "--warmup", "1", "--sessions", "1", "--no-memory", "--no-progress",
         "--matmul-sizes", "64", "--backends", "litert"]  # fmt: skip
TFLITE = "squeezebert_random_tiny_litert_fp32.tflite"


def run(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", module, *argv]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1200)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def litert_64(tmp_path_factory) -> Path:
    """artifacts/ with tiny SqueezeBERT NER as ONNX and as a .tflite with only seq_64."""
    pytest.importorskip("litert_torch", reason="needs pip install -e '.[litert]'")
    out = tmp_path_factory.mktemp("litert64") / "art"
    proc = run("export.build", *BUILD, "--formats", "onnx,litert", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (out.parent / "build-output.txt").write_text(proc.stdout + proc.stderr)
    return out


def test_a_litert_build_prints_none_of_litert_torchs_step_lines(litert_64):
    output = (litert_64.parent / "build-output.txt").read_text()
    assert "LiteRT-Torch Convert" not in output and "[START]" not in output, output[-2000:]
    assert "artifact 2/2: ner/squeezebert_random_tiny_litert_fp32.tflite" in output


def test_case1_a_narrower_rebuild_with_static_lengths_keeps_the_tflite(litert_64, tmp_path):
    import shutil

    art = tmp_path / "art"
    shutil.copytree(litert_64, art)  # the module's folder stays as built for the other tests
    task_dir = art / "squeezebert-random-tiny" / "ner"
    before = (task_dir / TFLITE).read_bytes()
    proc = run("export.build", *BUILD, "--formats", "onnx", "--out", str(art))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{TFLITE}: not rebuilt this time, still valid, kept" in proc.stderr
    assert (task_dir / TFLITE).read_bytes() == before
    assert TFLITE in json.loads((task_dir / "manifest.json").read_text())["artifacts"]


def test_case5_a_length_without_any_signature_is_refused_not_timed_at_another(litert_64, tmp_path):
    proc = run("runtime_bench", "--artifacts", str(litert_64), "--out", str(tmp_path / "r"),
               *BENCH, "--seq-lens", "32", "--no-eval")  # fmt: skip
    line = one_line_error(proc)
    assert "no selected artifact has a signature for length 32 (they hold 64)" in line
    assert "--static-lengths including 32" in line
    assert not (tmp_path / "r" / "results.json").exists()


def test_case5_a_static_artifact_skips_the_lengths_it_lacks_and_others_run_there(
    litert_64, tmp_path
):
    bench = [*BENCH[:-1], "onnx,litert"]  # BENCH ends with --backends litert
    proc = run("runtime_bench", "--artifacts", str(litert_64), "--out", str(tmp_path / "r"),
               *bench, "--seq-lens", "32,64", "--no-eval")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "litert/fp32 has signatures for lengths 64 only: not timed at 32" in proc.stderr
    records = json.loads((tmp_path / "r" / "results.json").read_text())["records"]
    timed = {(r["backend"], r["seq_len"]) for r in records}
    assert timed == {("onnx", 32), ("onnx", 64), ("litert", 64)}


def test_case9_a_test_example_longer_than_every_signature_is_refused_before_timing(
    litert_64, tmp_path
):
    proc = run("runtime_bench", "--artifacts", str(litert_64), "--out", str(tmp_path / "r"),
               *BENCH, "--seq-lens", "64")  # fmt: skip
    line = one_line_error(proc)
    assert "longest signature is 64 but test example 34 has 100 tokens" in line
    assert "--eval-limit 33 or lower" in line
    assert not (tmp_path / "r" / "results.json").exists()  # nothing left saying "running"


def test_case9_within_the_signatures_the_litert_record_is_the_length_that_ran(litert_64, tmp_path):
    proc = run("runtime_bench", "--artifacts", str(litert_64), "--out", str(tmp_path / "r"),
               *BENCH, "--seq-lens", "64", "--eval-limit", "33")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    assert doc["status"] == "complete"
    (record,) = [r for r in doc["records"] if r["backend"] == "litert"]
    assert record["seq_len"] == 64
    (flops,) = [f for f in doc["flops"] if f["seq_len"] == 64]
    assert record["metrics"]["flops"] == flops["total_flops"]
    assert [e["examples"] for e in doc["evaluations"] if e["backend"] == "litert"] == [33]


def test_case10_static_lengths_beyond_the_model_are_refused_before_any_work(tmp_path):
    out = tmp_path / "art"
    proc = run("export.build", *BUILD[:-4], "--data-dir", str(DATA), "--static-lengths",
               "100000", "--formats", "onnx,litert", "--out", str(out))  # fmt: skip
    line = one_line_error(proc)
    assert not out.exists()  # refused before any work: no .onnx left without a manifest
    assert "--static-lengths 100000 is longer than" in line


@pytest.mark.parametrize("name", ["task.json", "bench_inputs.json"])
def test_case8_an_edited_contract_file_is_refused_by_runtime_bench(litert_64, tmp_path, name):
    import shutil

    art = tmp_path / "art"
    shutil.copytree(litert_64, art)
    path = art / "squeezebert-random-tiny" / "ner" / name
    doc = json.loads(path.read_text())
    doc["edited"] = True  # still valid JSON: only the hash can tell
    path.write_text(json.dumps(doc))
    proc = run("runtime_bench", "--artifacts", str(art), "--out", str(tmp_path / "r"), *BENCH,
               "--seq-lens", "64", "--no-eval")  # fmt: skip
    assert f"{name} does not match the sha256 in its manifest" in one_line_error(proc)


def test_case9_a_failure_after_timing_leaves_results_failed_not_running(litert_64, tmp_path):
    """The evaluation phase meets data that changed since the build (a DataError from the
    export side): one line, and the timed records are kept under status 'failed'."""
    import shutil

    art, data = tmp_path / "art", tmp_path / "data"
    shutil.copytree(litert_64, art)
    shutil.copytree(DATA, data)
    test_txt = data / "conll2003" / "test.txt"
    test_txt.write_text(test_txt.read_text() + "\n")
    manifest_path = art / "squeezebert-random-tiny" / "ner" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["data"]["root"] = str(data)
    manifest_path.write_text(json.dumps(manifest))
    out = tmp_path / "r"
    proc = run("runtime_bench", "--artifacts", str(art), "--out", str(out), *BENCH[:-2],
               "--backends", "onnx", "--seq-lens", "64", "--eval-limit", "4")  # fmt: skip
    line = one_line_error(proc)
    assert "test.txt is missing or differs from the data" in line
    doc = json.loads((out / "results.json").read_text())
    assert doc["status"] == "failed" and doc["records"]
