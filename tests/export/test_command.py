"""`squeezebert-mobile`: one command for build and bench, with the options, help, version and
exit codes of `python -m export.build` and `python -m runtime_bench`, answering --help without
importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from export.version import package_version

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "export.command", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_pyproject_installs_the_command():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '\n[project.scripts]\nsqueezebert-mobile = "export.command:main"\n' in pyproject
    assert 'description = "Fine-tune, export (ONNX, ExecuTorch, LiteRT)' in pyproject


@pytest.mark.parametrize("argv", [["--version"], ["build", "--version"], ["bench", "--version"]])
def test_version_prints_the_package_version(argv):
    proc = run(*argv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(f" {package_version()}") and package_version()[0].isdigit()


@pytest.mark.parametrize(
    ("command", "module"), [("build", "export.build"), ("bench", "runtime_bench")]
)
def test_a_subcommand_takes_exactly_the_module_options(command, module):
    ours = run(command, "--help")
    theirs = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert ours.returncode == theirs.returncode == 0
    prog = f"python -m {module}"
    # the same text but for the name (argparse wraps the usage lines to the name's length)
    words = ours.stdout.replace(f"squeezebert-mobile {command}", prog).split()
    assert words == theirs.stdout.split()


def test_build_help_is_grouped_with_examples_and_exit_codes():
    out = run("build", "--help").stdout
    for heading in ("model and data:", "training:", "export:", "verification", "output:"):
        assert f"\n{heading}" in out, heading
    assert "examples:\n  squeezebert-mobile build --model" in out
    assert "exit codes:" in out and "--json FILE" in out and "--quiet" in out


def test_bench_help_names_both_phone_file_types():
    out = run("bench", "--help").stdout
    assert "phone benchmark (.pte and .tflite over adb)" in out
    assert "examples:\n  squeezebert-mobile bench" in out and "exit codes:" in out


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["bench", "--help"]])
def test_help_imports_no_torch(argv):
    code = (
        "import sys\nfrom export.command import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print('heavy:', sorted(m for m in ('torch', 'transformers', 'onnxruntime', 'numpy') "
        "if m in sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip().splitlines()[-1] == "heavy: []", proc.stderr[-2000:]


def test_an_unknown_subcommand_is_a_usage_error():
    proc = run("export")
    assert proc.returncode == 2 and "invalid choice: 'export'" in proc.stderr
