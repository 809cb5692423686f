"""`python -m runtime_bench` refuses bad input with one line and a non-zero exit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "bench"))
from benchfakes import make_fake_artifacts

from runtime_bench.cli import main


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def test_missing_artifacts_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, ["--artifacts", str(tmp_path / "nope")])
    assert "does not exist" in err and "export.build" in err


def test_empty_artifacts_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, ["--artifacts", str(tmp_path)])
    assert "holds no manifest.json" in err


def test_sha256_mismatch_is_caught_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_dir = make_fake_artifacts(tmp_path)
    (task_dir / "squeezebert_tiny_xnnpack_q8.pte").write_bytes(b"tampered")
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), "--out", str(tmp_path / "o")])
    assert "sha256" in err and "--force" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        (
            "--backends",
            "onnx,tflite",
            "unknown backend tflite; choose from eager, onnx, executorch",
        ),
        ("--precisions", "fp16", "unknown precision fp16; choose from fp32, int8"),
        ("--seq-lens", "32,abc", "--seq-lens must be comma-separated integers"),
        ("--runs", "0", "--runs must be >= 1"),
    ],
)
def test_unknown_names_and_bad_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, expected: str
) -> None:
    make_fake_artifacts(tmp_path)
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), option, value])
    assert expected in err


def test_sequence_length_above_the_artifacts_maximum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_fake_artifacts(tmp_path, max_seq_len=64)
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), "--seq-lens", "32,128"])
    assert "sequence length 128 exceeds" in err and "maximum 64" in err


def test_filters_that_match_nothing_list_what_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_fake_artifacts(tmp_path)
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), "--models", "bert-base"])
    assert "no artifact" in err and "squeezebert" in err


def test_device_options_need_adb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_fake_artifacts(tmp_path)
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), "--serial", "X"])
    assert "need --adb" in err


def test_a_task_dir_without_manifest_is_skipped_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_fake_artifacts(tmp_path)
    unfinished = tmp_path / "bert-base-random" / "ner"
    unfinished.mkdir(parents=True)
    (unfinished / "model_fp32.onnx").write_bytes(b"half written")
    code = main(["--artifacts", str(tmp_path), "--models", "bert-base"])
    warning, error = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert warning.startswith("warning: skipping") and str(unfinished) in warning
    assert error.startswith("error: no artifact")
