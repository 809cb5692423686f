"""Wall-clock and process-CPU accounting for each measurement.

Single-threaded execution is proven, not assumed: for one thread the process CPU time of a
call can be at most its wall time (plus a little for the interpreter's own housekeeping), so
CPU/wall near 1.0 shows that no hidden worker thread ran. A ratio well above 1.0 means some
runtime spun up extra threads; well below 1.0 means the process waited (I/O or a busy machine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Above this CPU/wall ratio a measurement is flagged as not single-threaded.
MAX_SINGLE_THREAD_RATIO = 1.15
#: Below this CPU/wall ratio the process waited for a core (a starved run): flagged as loudly.
MIN_BUSY_RATIO = 0.9


@dataclass(frozen=True)
class Timing:
    """One measurement: wall and process-CPU milliseconds."""

    wall_ms: float
    cpu_ms: float

    @property
    def cpu_wall_ratio(self) -> float:
        return self.cpu_ms / self.wall_ms if self.wall_ms > 0 else 0.0


def timed(fn: Callable[[], T]) -> tuple[T, Timing]:
    """Call `fn` once and measure it with perf_counter (wall) and process_time (all threads)."""
    cpu0 = time.process_time_ns()
    wall0 = time.perf_counter_ns()
    value = fn()
    wall1 = time.perf_counter_ns()
    cpu1 = time.process_time_ns()
    return value, Timing(wall_ms=(wall1 - wall0) / 1e6, cpu_ms=(cpu1 - cpu0) / 1e6)


def cpu_wall_summary(timings: list[Timing]) -> dict[str, float]:
    """Aggregate CPU/wall ratio of a series: total CPU over total wall, and the worst single one."""
    wall = sum(t.wall_ms for t in timings)
    cpu = sum(t.cpu_ms for t in timings)
    return {
        "cpu_wall_ratio": cpu / wall if wall > 0 else 0.0,
        "max_cpu_wall_ratio": max((t.cpu_wall_ratio for t in timings), default=0.0),
        "cpu_ms_total": cpu,
        "wall_ms_total": wall,
    }
