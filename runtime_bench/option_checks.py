"""runtime_bench's numeric options, checked before anything is read or written: one line
each, naming the option and the value it got (NaN and infinity included)."""

from __future__ import annotations

import argparse
import math

from runtime_bench.errors import BenchError
from runtime_bench.measure.schedule import DEFAULT_SESSIONS


def check_numbers(args: argparse.Namespace) -> None:
    """Rounds, sessions, limits and seconds (the default --sessions, `default_sessions`, is
    always in range)."""
    check_durations(args)
    if not (math.isfinite(args.cool_wait) and args.cool_wait >= 0):
        raise BenchError(
            f"--cool-wait must be a finite number of seconds >= 0, got {args.cool_wait}"
        )
    if args.runs < 1 or args.warmup < 0:
        raise BenchError("--runs must be >= 1 and --warmup >= 0")
    if args.adb and args.sessions is not None:
        raise BenchError("--sessions is for the host benchmark; drop it with --adb")
    if args.sessions is not None and not 1 <= args.sessions <= args.runs:
        raise BenchError(
            f"--sessions must be between 1 and --runs ({args.runs}): each load measures at "
            "least one round"
        )
    if args.eval_limit is not None and args.eval_limit < 1:
        raise BenchError("--eval-limit must be >= 1")
    if args.traffic_rounds < 1:
        raise BenchError("--traffic-rounds must be >= 1 (1 = one pass over each test split)")


def default_sessions(runs: int) -> int:
    """--sessions when it is not given: DEFAULT_SESSIONS loads, but never more than --runs."""
    return min(DEFAULT_SESSIONS, runs)


def check_durations(args: argparse.Namespace) -> None:
    """Seconds options: finite numbers (NaN compares false with everything, inf never ends)."""
    for option, value, positive in (
        ("--adb-timeout", args.adb_timeout, True),
        ("--run-timeout", args.run_timeout, True),
        ("--poll-interval", args.poll_interval, False),
    ):
        if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
            raise BenchError(
                "--adb-timeout and --run-timeout must be > 0 and --poll-interval >= 0, as "
                f"finite numbers of seconds (got {option} {value})"
            )
