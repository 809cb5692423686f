"""tools/pte_op_profile.py on a real tiny `.pte`: ETDump's events booked per category."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "pte_op_profile.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, str(TOOL), *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.slow
def test_the_op_profile_books_linears_to_xnnpack_and_layernorm_outside_it(
    tiny_artifacts: Path, tmp_path: Path
) -> None:
    task_dir = tiny_artifacts / "squeezebert-random-tiny" / "ner"
    pte = next(task_dir.glob("*_xnnpack_q8.pte"))
    proc = _run(str(pte), "--lengths", "16,40", "--rounds", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / "op_profile.json").read_text())
    layers = json.loads((task_dir / "config.json").read_text())["num_hidden_layers"]
    for length in ("16", "40"):
        counts, categories = doc["lengths"][length]["op_counts"], doc["lengths"][length]
        # every projection and FFN Linear runs as an int8 XNNPACK GEMM, per group after rewrite
        assert counts["Fully Connected (NC, QDU8, F32, QC8W) GEMM"] > 6 * layers
        # LayerNorm stays a native kernel: the embeddings' one plus two per layer
        assert counts["native_call_native_layer_norm.out"] == 2 * layers + 1
        # two attention products per head group per layer, in XNNPACK's fp32 batch matmul
        assert counts["Batch Matrix Multiply (NC, F32) GEMM"] >= 2 * layers
        booked = categories["categories_ms"]  # a tiny model's ops can round to 0 ms: no bound
        assert booked["total"] > 0 and "int8 Linear GEMMs (XNNPACK)" in booked
    markdown = (tmp_path / "op_profile.md").read_text()
    assert "| int8 Linear GEMMs (XNNPACK) |" in markdown and "L=40" in markdown


def test_the_op_profile_refuses_a_file_that_is_not_a_pte_in_one_line(tmp_path: Path) -> None:
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"not a pte")
    proc = _run(str(onnx))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {onnx} is not a .pte file: pass one from a build"
    ]
