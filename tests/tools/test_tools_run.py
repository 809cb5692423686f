"""Every script in tools/ still starts: the export API moves under them (issue 27 broke
masked_rows_probe.py's imports unnoticed), so each answers --help in a fresh process, and the
masked-rows probe runs end to end on the tiny config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"


def tool_scripts() -> list[Path]:
    """tools/*.py, and the extension-less Python scripts (a `python` shebang, aarch64-check)."""
    scripts = []
    for path in sorted(TOOLS.iterdir()):
        if not path.is_file():
            continue
        with open(path, "rb") as handle:
            first = handle.readline()
        if path.suffix == ".py" or (first.startswith(b"#!") and b"python" in first):
            scripts.append(path)
    return scripts


def run_tool(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python tools/X ARGS` as a user runs it: PYTHONPATH at the repo root, from elsewhere."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_tool_list_holds_every_script_in_tools() -> None:
    names = {path.name for path in tool_scripts()}
    assert {"masked_rows_probe.py", "sve_gemm_repro.py", "aarch64-check"} <= names


@pytest.mark.parametrize("script", tool_scripts(), ids=lambda path: path.name)
def test_every_tool_answers_help(script: Path, tmp_path: Path) -> None:
    proc = run_tool(script, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("usage:"), proc.stdout[:500]
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_masked_rows_probe_runs_the_six_tiny_artifacts_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "probe"
    proc = run_tool(
        TOOLS / "masked_rows_probe.py", str(out), "--tiny", "--rounds", "10", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    files = sorted(path.name for path in out.iterdir())
    kinds = ("mlm_full", "mlm_rows", "ner")
    # the plan's file names (export.plan), one int8 artifact per backend and kind, no temp left
    assert files == sorted(
        [f"{kind}-bert-tiny_onnx_q8.onnx" for kind in kinds]
        + [f"{kind}-bert-tiny_xnnpack_q8.pte" for kind in kinds]
    )
    for backend in ("onnx", "executorch"):
        # the rows path is exact: both masked-LM artifacts pick the same tokens
        agree = re.search(
            rf"^{backend}: full vs rows .* argmax agree ([0-9.]+)$", proc.stdout, re.M
        )
        assert agree is not None, proc.stdout
        assert float(agree.group(1)) >= 0.8
        for kind in ("mlm_full", "mlm_rows"):
            assert re.search(
                rf"^{backend} {kind}: .* paired ratio median [0-9.]+", proc.stdout, re.M
            )
        assert re.search(rf"^{backend} rows/full paired median [0-9.]+$", proc.stdout, re.M)
    assert "tiny BERT (--tiny) int8: L=128 M=" in proc.stdout
