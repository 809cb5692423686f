"""The latency phase of the host benchmark: every artifact of one length, round-robin, over
fresh loads.

A group (one task at one length) measures its artifacts round-robin (runtime_bench.measure.schedule).
The measured rounds are split over `sessions` fresh loads of every artifact, each with its own
warm-up, the load order rotated so no artifact is always loaded first: identical sessions of
one file differ by up to 25% on a 2-core VM (docs/performance.md, "Session-to-session
spread"). A length's tasks take turns load by load (load 1 of every task, then load 2 ...), so
two tasks' round i are at most one load apart: close enough to pair them (the "task" ratios,
masked-LM over NER) without holding every task's artifacts in memory at once.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.quiet import native_teardown
from runtime_bench.artifacts import ArtifactSpec
from runtime_bench.measure.inputs import BenchInputs
from runtime_bench.measure.progress import Progress
from runtime_bench.measure.runners import load_checked, pin_single_thread
from runtime_bench.measure.schedule import run_round_robin
from runtime_bench.measure.timing import Timing, timed


@dataclass
class Measured:
    """One artifact's latency at one length.

    Attributes:
        load, first: its first load's load time and first inference (the cold numbers).
        timings: every measured round, load after load.
        session_medians: each load's median wall time (ms).
    """

    load: Timing
    first: Timing
    timings: list[Timing] = field(default_factory=list)
    session_medians: list[float] = field(default_factory=list)


def measure_length(
    groups: dict[str, list[ArtifactSpec]],
    seq_len: int,
    runs: int,
    warmup: int,
    sessions: int,
    bar: Progress,
) -> dict[str, Measured]:
    """Measure every group (task -> its artifacts) at `seq_len`: `runs` rounds split evenly
    over `sessions` loads, the tasks taking turns load by load. Keyed by ArtifactSpec.key."""
    inputs = {s.task_dir: BenchInputs(s.task_dir, seq_len) for g in groups.values() for s in g}
    shares = [runs // sessions + (i < runs % sessions) for i in range(sessions)]
    measured: dict[str, Measured] = {}
    offset = 0
    for session, rounds in enumerate(shares):
        for task, items in groups.items():
            shift = session % len(items)
            label = f"{task}/L{seq_len} (load {session + 1}/{sessions})"
            order = items[shift:] + items[:shift]
            block, starts = _measure_session(order, inputs, offset, rounds, warmup, label, bar)
            for key, timings in block.items():
                entry = measured.setdefault(key, Measured(*starts[key]))
                entry.timings.extend(timings)
                entry.session_medians.append(statistics.median(t.wall_ms for t in timings))
        offset += rounds
    return measured


def _measure_session(
    items: list[ArtifactSpec],
    inputs: dict[Path, BenchInputs],
    offset: int,
    rounds: int,
    warmup: int,
    label: str,
    bar: Progress,
) -> tuple[dict[str, list[Timing]], dict[str, tuple[Timing, Timing]]]:
    """Load every item (timing the load and first inference), warm up, and measure `rounds`
    rounds on the examples from `offset` on; every runner is freed after."""
    runners: dict[str, Any] = {}
    starts: dict[str, tuple[Timing, Timing]] = {}
    try:
        for spec in items:
            pin_single_thread()
            runners[spec.key], load = timed(lambda s=spec: load_checked(s))
            bar.step(f"{label} load {spec.backend}/{spec.precision}")
            example = inputs[spec.task_dir][offset]
            _, first = timed(lambda r=runners[spec.key], x=example: r(*x))
            bar.step()
            starts[spec.key] = (load, first)

        def call(spec: ArtifactSpec) -> Callable[[int], Timing]:
            runner, data = runners[spec.key], inputs[spec.task_dir]
            return lambda rnd: timed(lambda: runner(*data[offset + rnd]))[1]

        measured = run_round_robin(
            {s.key: call(s) for s in items},
            rounds=rounds,
            warmup=warmup,
            on_slot=lambda slot: bar.step(f"{label} {'warm-up' if slot.warmup else 'run'}"),
        )
    finally:
        with native_teardown():  # LiteRT logs every environment it frees
            runners.clear()
    return measured, starts
