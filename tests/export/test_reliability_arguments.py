"""Bad arguments on the export side (issue 14): numbers that would train nothing, --out or
--model/--data-dir naming a file, static lengths too short: checked up front, nothing written.
"""

from __future__ import annotations

import pytest
from test_build_cli import BASE, assert_one_line_error, run_cli

from export.build import main


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--lr", "-1"], "--lr must be greater than 0"),
        (["--lr", "nan"], "--lr must be greater than 0"),
        (["--tasks", "mlm", "--seed", "-1"], "--seed must be at least 0"),
        (["--epochs", "-1"], "--epochs must be greater than 0"),
        (["--max-steps", "0"], "--max-steps must be at least 1"),
        (["--formats", ","], "--formats is empty"),
    ],
)
def test_numbers_that_would_train_nothing_or_crash_fail_up_front(
    capsys, tmp_path, data_dir, extra, pattern
):
    code, err = run_cli(
        capsys, tmp_path, *BASE, "--model", "bert-base", "--data-dir", str(data_dir), *extra
    )
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "out").exists()


def test_out_pointing_to_a_file_is_refused_before_training(capsys, tmp_path, data_dir):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    code = main([*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_dir),
                 "--out", str(target)])  # fmt: skip
    err = capsys.readouterr().err
    assert_one_line_error(code, err, "is a file, not a folder")
    assert "fine-tune" not in err and target.read_text() == "keep me"


def test_a_file_passed_as_model_or_data_dir_is_called_a_file(capsys, tmp_path, data_dir):
    afile = tmp_path / "weights.bin"
    afile.write_bytes(b"x")
    code, err = run_cli(capsys, tmp_path, *BASE, "--model", str(afile), "--data-dir", str(data_dir))
    assert_one_line_error(code, err, "is a file, not a model directory")
    code, err = run_cli(capsys, tmp_path, *BASE, "--model", "bert-base", "--data-dir", str(afile))
    assert_one_line_error(code, err, f"--data-dir {afile} is a file, not a folder")


def test_static_lengths_shorter_than_a_test_example_are_refused_before_fine_tuning(
    capsys, tmp_path, data_dir
):
    argv = [*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *argv, "--formats", "litert", "--static-lengths", "8")
    assert_one_line_error(code, err, "--static-lengths stops at 8: add a length of at least")
    written = {p.name for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert not written & {"model.safetensors", "training.json"}
    assert not any(name.endswith(".tflite") for name in written)
