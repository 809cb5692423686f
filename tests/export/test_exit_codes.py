"""Exit codes by class: CI tells a usage error from bad data, a failed verification or a
corrupt file by the code alone; each code is documented in --help and the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from export import errors, verify
from export.build import main
from runtime_bench.errors import BenchError, DeviceError

ROOT = Path(__file__).resolve().parents[2]
CLASSES = {
    errors.ConfigError: 2,
    DeviceError: 3,
    errors.DataError: 4,
    errors.ModelLoadError: 5,
    errors.ExportError: 6,
    errors.ValidationError: 7,
    verify.ParityError: 7,
    errors.ArtifactIntegrityError: 8,
    BenchError: 2,
}
TINY = ["--init", "random", "--tiny", "--epochs", "1", "--train-limit", "8", "--eval-limit", "4"]


def test_every_error_class_has_its_own_documented_code():
    for cls, code in CLASSES.items():
        assert cls.exit_code == code and code in errors.EXIT_CODES, cls
    own = [c for c in CLASSES if c not in (verify.ParityError, BenchError)]
    assert len({c.exit_code for c in own}) == len(own)
    assert errors.INTERRUPTED == 130 and 130 in errors.EXIT_CODES


@pytest.mark.parametrize("prog", [["-m", "export.build"], ["-m", "export.command", "build"]])
def test_help_documents_every_exit_code(prog):
    out = subprocess.run([sys.executable, *prog, "--help"], capture_output=True, text=True).stdout
    for code, meaning in errors.EXIT_CODES.items():
        assert f"  {code:<3} {meaning}" in out


def test_the_readme_documents_every_exit_code():
    readme = (ROOT / "README.md").read_text()
    for code, meaning in errors.EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in readme


def test_a_typo_exits_with_the_usage_code(tmp_path):
    cmd = [sys.executable, "-m", "export.command", "build", "--model", "squeezebert"]
    cmd += ["--tasks", "nerr", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == proc.stderr.strip().splitlines()[0]  # one line


def test_missing_data_exits_with_the_data_code(tmp_path, capsys, data_copy):
    (data_copy / "news" / "bbc_news.csv").unlink()
    argv = [*TINY, "--model", "squeezebert", "--tasks", "news", "--data-dir", str(data_copy)]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 4
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("error: ")


def test_a_forced_parity_failure_exits_with_the_verification_code(
    tmp_path, capsys, monkeypatch, data_dir
):
    monkeypatch.setattr(verify, "FP32_MAX_ABS_DIFF", -1.0)  # no artifact can pass
    argv = [*TINY, "--model", "squeezebert", "--tasks", "news", "--data-dir", str(data_dir)]
    argv += ["--formats", "onnx", "--precisions", "fp32", "--out", str(tmp_path / "out")]
    assert main(argv) == 7
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: ") and "squeezebert_random_tiny_onnx_fp32.onnx" in error
    assert not (
        tmp_path
        / "out"
        / "squeezebert-random-tiny"
        / "news"
        / "squeezebert_random_tiny_onnx_fp32.onnx"
    ).exists()
