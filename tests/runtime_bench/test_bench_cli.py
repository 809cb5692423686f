"""`python -m runtime_bench` refuses bad input with one line and a non-zero exit."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from benchfakes import make_fake_artifacts, synthetic_results

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
            "unknown backend 'tflite': choose from eager, onnx, executorch",
        ),
        ("--precisions", "fp16", "unknown precision 'fp16': choose from fp32, int8"),
        ("--seq-lens", "32,abc", "--seq-lens '32,abc': give comma-separated integers"),
        ("--runs", "0", "--runs must be >= 1"),
        ("--sessions", "0", "--sessions must be between 1 and --runs (50)"),
        ("--sessions", "51", "--sessions must be between 1 and --runs (50)"),
        ("--matmul-sizes", "0", "--matmul-sizes '0': give values of at least 1"),
        ("--adb-timeout", "0", "--adb-timeout and --run-timeout must be > 0"),
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


def test_sessions_is_refused_for_the_phone_benchmark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_fake_artifacts(tmp_path)
    err = one_line_error(capsys, ["--artifacts", str(tmp_path), "--adb", "--sessions", "2"])
    assert "--sessions is for the host benchmark" in err


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


def test_warnings_still_print_after_an_in_process_build_raised_the_root_loggers_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """export.build sets the root logger to ERROR (third-party noise); a benchmark run later in
    the same process (the Python API, a test session) must still print its warnings."""
    make_fake_artifacts(tmp_path)
    unfinished = tmp_path / "bert-base-random" / "ner"
    unfinished.mkdir(parents=True)
    (unfinished / "model_fp32.onnx").write_bytes(b"half written")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        main(["--artifacts", str(tmp_path), "--models", "bert-base"])
    finally:
        root.setLevel(level)
    assert capsys.readouterr().err.startswith("warning: skipping")


def earlier_results(out: Path) -> dict[str, bytes]:
    """A complete earlier run in `out` (results.json + report.md); returns every file's bytes."""
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps(synthetic_results()))
    (out / "report.md").write_text("# runtime_bench report\n")
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_bad_bench_inputs_are_refused_before_earlier_results_are_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_dir = make_fake_artifacts(tmp_path / "art")
    (task_dir / "bench_inputs.json").write_text('{"examples": [{"input_ids": "oops"')
    out = tmp_path / "out"
    before = earlier_results(out)
    err = one_line_error(
        capsys, ["--artifacts", str(tmp_path / "art"), "--out", str(out), "--seq-lens", "32"]
    )
    assert "bench_inputs.json is malformed" in err and "--force" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_pte_that_matches_its_sha256_but_cannot_load_is_a_one_line_error(
    tmp_path: Path,
) -> None:
    # The fake artifacts' .pte files are placeholder bytes with correct sha256s: the real
    # ExecuTorch runtime refuses them. A subprocess, so the runtimes stay out of this process.
    make_fake_artifacts(tmp_path / "art")
    out = tmp_path / "out"
    before = earlier_results(out)
    cmd = [sys.executable, "-m", "runtime_bench", "--artifacts", str(tmp_path / "art"),
           "--backends", "executorch", "--seq-lens", "32", "--out", str(out), "--no-progress"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("error: ") and "squeezebert_tiny_xnnpack_fp32.pte cannot be loaded" in last
    )
    assert "0x:12" in last and "--force" in last
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
