"""Faults around a real benchmark run: real tiny artifacts (the session's `tiny_artifacts`),
real runtimes, `python -m runtime_bench` in a subprocess. Structure only, never timings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime_bench.results import validate

pytestmark = pytest.mark.slow


def bench(artifacts: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "runtime_bench", "--artifacts", str(artifacts),
           "--out", str(out), "--no-progress", "--matmul-sizes", "64", "--seq-lens", "8",
           "--runs", "2", "--warmup", "0", "--sessions", "1", "--no-eval", "--no-memory", *extra]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture
def ner_copy(tiny_artifacts: Path, tmp_path: Path) -> Path:
    """A private copy of tiny SqueezeBERT's NER folder, free to corrupt."""
    src = next(tiny_artifacts.glob("squeezebert*/ner"))
    root = tmp_path / "art"
    shutil.copytree(src, root / src.parent.name / "ner")
    return root


def test_a_corrupt_pte_does_not_stop_an_onnx_only_run(ner_copy: Path, tmp_path: Path) -> None:
    for pte in ner_copy.rglob("*.pte"):
        pte.write_bytes(b"corrupt")
    out = tmp_path / "out"
    proc = bench(ner_copy, out, "--backends", "onnx")
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert validate(doc) == [] and doc["status"] == "complete"
    assert {(r["backend"], r["precision"]) for r in doc["records"]} == {
        ("onnx", "fp32"),
        ("onnx", "int8"),
    }
    refused = bench(ner_copy, tmp_path / "out2", "--backends", "executorch")
    assert refused.returncode == 8 and "Traceback" not in refused.stderr  # integrity
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and ".pte does not match the sha256" in last


def test_a_narrower_rerun_keeps_the_published_results_and_goes_beside_them(
    ner_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    full = bench(ner_copy, out, "--backends", "onnx")
    assert full.returncode == 0, full.stderr[-3000:]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    narrow = bench(ner_copy, out, "--backends", "onnx", "--precisions", "fp32")
    assert narrow.returncode == 0, narrow.stderr[-3000:]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    [own] = (out / "runs").glob("*/results.json")
    assert len(json.loads(own.read_text())["records"]) == 1
    assert (own.parent / "report.md").is_file()
    assert f"warning: kept {out / 'results.json'}" in narrow.stderr
