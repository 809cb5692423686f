"""Bad input: one line naming the problem and the fix, a non-zero exit, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from export.build import main

BASE = ["--init", "random", "--tiny", "--epochs", "1", "--train-limit", "8", "--eval-limit", "4"]


def run_cli(capsys, tmp_path, *argv: str) -> tuple[int, str]:
    code = main([*argv, "--out", str(tmp_path / "out")])
    return code, capsys.readouterr().err


def build_on(capsys, tmp_path, data: Path, task: str = "ner") -> tuple[int, str]:
    args = [*BASE, "--model", "bert-base", "--tasks", task, "--data-dir", str(data)]
    return run_cli(capsys, tmp_path, *args)


def assert_one_line_error(code: int, err: str, pattern: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code != 0 and len(lines) == 1, err
    assert pattern in lines[0]


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["--model", "nonsense"], "unknown model 'nonsense'"),
        (["--model", "bert-base", "--tasks", "pos"], "unknown task 'pos'"),
        (["--model", "bert-base", "--formats", "tflite"], "unknown format 'tflite'"),
        (["--model", "bert-base", "--precisions", "int4"], "unknown precision 'int4'"),
        (
            ["--model", "bert-base", "--train-limit", "0", "--tasks", "ner"],
            "--train-limit must be at least 1",
        ),
        (["--model", "bert-base", "--data-dir", "/no/such/dir"], "does not exist"),
    ],
)
def test_bad_arguments_fail_in_one_line_and_write_nothing(
    capsys, tmp_path, data_dir, argv, pattern
):
    args = [*BASE, "--data-dir", str(data_dir), *argv]
    if argv[-2:] == ["--data-dir", "/no/such/dir"]:
        args = [*BASE, *argv]
    code, err = run_cli(capsys, tmp_path, *args)
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "out").exists()


def test_a_directory_that_is_not_a_model_is_rejected(capsys, tmp_path, data_dir):
    (tmp_path / "empty").mkdir()
    code, err = run_cli(
        capsys, tmp_path, "--model", str(tmp_path / "empty"), "--data-dir", str(data_dir)
    )
    assert_one_line_error(code, err, "not a model")


def test_a_missing_split_file_is_named(capsys, tmp_path, data_copy):
    (data_copy / "conll2003" / "test.txt").unlink()
    code, err = build_on(capsys, tmp_path, data_copy)
    assert_one_line_error(code, err, "missing data file")
    assert "test.txt" in err and not (tmp_path / "out").exists()


def test_a_malformed_conll_line_is_named_with_file_and_line(capsys, tmp_path, data_copy):
    path = data_copy / "conll2003" / "valid.txt"
    path.write_text(path.read_text().replace("\n\n", "\nonly two\n\n", 2))
    code, err = build_on(capsys, tmp_path, data_copy)
    assert_one_line_error(code, err, "valid.txt:")
    assert "malformed CoNLL line" in err


def test_an_empty_dataset_after_filtering_is_an_error(capsys, tmp_path, data_copy):
    (data_copy / "dailydialog" / "test.txt").write_text("\n   \n\n")
    code, err = build_on(capsys, tmp_path, data_copy, task="mlm")
    assert_one_line_error(code, err, "test split is empty")
    assert "dailydialog/test.txt" in err  # the file to check is named


def test_without_data_dir_offline_the_hub_error_names_the_fix(capsys, tmp_path):
    code, err = run_cli(capsys, tmp_path, *BASE, "--model", "bert-base", "--tasks", "ner")
    assert_one_line_error(code, err, "--data-dir")


def test_the_real_cli_exits_non_zero_with_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "export.build", "--model", "nonsense", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("error: unknown model")


def test_help_lists_every_option():
    proc = subprocess.run(
        [sys.executable, "-m", "export.build", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    for option in (
        "--model",
        "--tasks",
        "--data-dir",
        "--out",
        "--init",
        "--tiny",
        "--epochs",
        "--max-steps",
        "--train-limit",
        "--seed",
        "--force",
        "--formats",
        "--static-lengths",
        "--precisions",
        "--eval-limit",
        "--device",
        "--eval-batch-size",
        "--save-steps",
        "--verbose",
    ):
        assert option in proc.stdout


def test_help_names_every_builtin_model_and_imports_no_torch():
    from export.build import build_parser

    help_text = " ".join(build_parser().format_help().split())
    for name in ("squeezebert", "bert-base", "mobilebert", "distilbert", "minilm"):
        assert name in help_text
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from export.build import parse_args; print('torch' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.strip() == "False"
