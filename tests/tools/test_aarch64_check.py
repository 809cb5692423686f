"""The aarch64 check: bounds of runtime_bench.parity.crosscheck, and the real emulated run (marked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from runtime_bench.artifacts import discover
from runtime_bench.parity import crosscheck, outputs

REPO = Path(__file__).resolve().parents[2]


def _record(out: Path, arrays: dict[str, np.ndarray], task_dir: Path, precision: str) -> None:
    """A recording in runtime_bench.parity.outputs' layout, from given logits."""
    out.mkdir(parents=True)
    entries = {}
    for key, logits in arrays.items():
        name = key.replace("/", "__") + ".npy"
        np.save(out / name, logits)
        entries[key] = {
            "file": name,
            "precision": precision,
            "task_dir": str(task_dir),
            "artifact": "model_int8.onnx",
            "seconds": 0.5,
        }
    (out / outputs.OUTPUTS_JSON).write_text(json.dumps({"artifacts": entries}))


@pytest.fixture
def task_dir(tmp_path: Path) -> Path:
    task = tmp_path / "task"
    task.mkdir()
    entry = {"sha256": "0" * 64, "parity": {"max_abs_diff": 0.01}}
    manifest = {"artifacts": {"model_int8.onnx": entry}}
    (task / "manifest.json").write_text(json.dumps(manifest))
    return task


def _logits(rows: int = 200, classes: int = 9) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, classes)).astype(np.float32)


def _verdict(tmp_path: Path, task_dir: Path, host, guest, precision: str):
    _record(tmp_path / "host", {"m/ner/onnx/" + precision: host}, task_dir, precision)
    _record(tmp_path / "guest", {"m/ner/onnx/" + precision: guest}, task_dir, precision)
    (comparison,) = crosscheck.compare(tmp_path / "host", tmp_path / "guest")
    return comparison


def test_fp32_passes_within_1e5_and_fails_beyond(tmp_path: Path, task_dir: Path) -> None:
    host = _logits()
    assert _verdict(tmp_path / "a", task_dir, host, host + 5e-6, "fp32").passed
    failed = _verdict(tmp_path / "b", task_dir, host, host + 2e-5, "fp32")
    assert not failed.passed and "2e-05" in failed.problem


def test_int8_is_bounded_by_the_artifacts_recorded_parity(tmp_path: Path, task_dir: Path) -> None:
    host = _logits()
    assert _verdict(tmp_path / "a", task_dir, host, host + 0.005, "int8").passed
    assert not _verdict(tmp_path / "b", task_dir, host, host + 0.02, "int8").passed


def test_argmax_must_agree_on_99_percent_of_real_tokens(tmp_path: Path, task_dir: Path) -> None:
    host = np.zeros((200, 3), dtype=np.float32)
    host[:, 0] = 0.001  # every row's argmax is class 0, by a margin inside the int8 bound
    guest = host.copy()
    guest[:2, 1] = 0.002  # 2 of 200 rows flip: 99% agree, allowed
    assert _verdict(tmp_path / "a", task_dir, host, guest, "int8").passed
    guest[:3, 1] = 0.002  # 3 of 200 flip: 98.5%
    failed = _verdict(tmp_path / "b", task_dir, host, guest, "int8")
    assert not failed.passed and "197/200" in failed.problem


def test_an_artifact_missing_on_the_emulated_core_fails(tmp_path: Path, task_dir: Path) -> None:
    _record(tmp_path / "host", {"m/ner/onnx/fp32": _logits()}, task_dir, "fp32")
    _record(tmp_path / "guest", {}, task_dir, "fp32")
    (comparison,) = crosscheck.compare(tmp_path / "host", tmp_path / "guest")
    assert not comparison.passed and "not recorded" in comparison.problem


def test_unknown_cpu_model_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools/aarch64-check"),
            "--artifacts",
            str(tmp_path),
            "--cpus",
            "pentium",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "unknown CPU model pentium" in proc.stderr


@pytest.mark.aarch64
def test_onnx_artifacts_match_the_host_on_an_emulated_neoverse_n1(
    tiny_artifacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CI check: every tiny ONNX artifact under qemu-user -cpu neoverse-n1 (no torch)."""
    if shutil.which("apt-get") is None:
        pytest.skip("the aarch64 check sets itself up with apt (Debian hosts)")
    out = tmp_path / "report"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools/aarch64-check"),
            "--artifacts",
            str(tiny_artifacts),
            "--onnx-only",
            "--cpus",
            "neoverse-n1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    comparisons = report["cpus"]["neoverse-n1"]["comparisons"]
    onnx_artifacts = discover(tiny_artifacts, backends=["onnx"])
    assert report["passed"] and len(comparisons) == len(onnx_artifacts) > 0
    with capsys.disabled():  # CI's log says that the emulated check ran, and what it found
        print("\n" + (out / "report.md").read_text(encoding="utf-8"))
