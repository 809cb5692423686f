"""runtime_bench.options: the command line is checked once and frozen, the Namespace untouched."""

from __future__ import annotations

import dataclasses

import pytest

from runtime_bench.cli import build_parser
from runtime_bench.errors import BenchError
from runtime_bench.measure.schedule import DEFAULT_SESSIONS
from runtime_bench.options import BenchOptions


def test_options_fill_the_default_sessions_without_touching_the_parsed_namespace() -> None:
    args = build_parser().parse_args(["--runs", "2"])
    options = BenchOptions.from_args(args)
    assert options.sessions == min(DEFAULT_SESSIONS, 2) == 2
    assert args.sessions is None  # the old check_numbers wrote the default into args
    assert BenchOptions.from_args(build_parser().parse_args([])).sessions == DEFAULT_SESSIONS


def test_options_are_frozen_so_nothing_below_the_cli_changes_them() -> None:
    options = BenchOptions.from_args(build_parser().parse_args(["--seq-lens", "32,128"]))
    assert options.seq_lens == (32, 128) and options.models is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.sessions = 1  # type: ignore[misc]


def test_adb_options_keep_only_the_backends_a_phone_runs() -> None:
    parsed = build_parser().parse_args(["--adb", "--backends", "onnx,executorch", "--tasks", "ner"])
    options = BenchOptions.from_args(parsed)
    assert options.backends == ("executorch",) and options.tasks == ("ner",)
    every = BenchOptions.from_args(build_parser().parse_args(["--adb"])).backends
    assert every == ("executorch", "litert", "litert-stock")
    with pytest.raises(BenchError, match="--adb runs executorch, litert, litert-stock files only"):
        BenchOptions.from_args(build_parser().parse_args(["--adb", "--backends", "onnx"]))


def test_bad_options_are_one_line_errors_before_any_default_is_filled() -> None:
    for argv, message in (
        (["--sessions", "4", "--runs", "3"], "--sessions must be between 1 and --runs"),
        (["--serial", "X"], "need --adb"),
        (["--seq-lens", "32,x"], "--seq-lens"),
        (["--export", "v9"], "unknown export 'v9'"),
        (["--traffic-rounds", "0"], "--traffic-rounds must be >= 1"),
    ):
        with pytest.raises(BenchError, match=message):
            BenchOptions.from_args(build_parser().parse_args(argv))
