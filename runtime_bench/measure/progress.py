"""The benchmark's one progress bar, with the whole run's ETA."""

from __future__ import annotations

#: tqdm's layout with the remaining time spelled out as the whole run's ETA
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} calls [{elapsed} elapsed, ETA {remaining}]"


class Progress:
    """A tqdm bar over every timed call of the run (no monitor thread: it would add CPU time).

    The total covers every phase: latency rounds, loads and memory probes are known at start;
    each task's real-traffic calls are added (`grow`) as soon as its split size is known, so
    the ETA is for the whole run, not for the current phase.
    """

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0
        self.bar = tqdm(
            total=total, unit="call", disable=not enabled, dynamic_ncols=True, bar_format=BAR_FORMAT
        )

    def grow(self, calls: int) -> None:
        """Add `calls` to the total (a phase whose size is known only once it starts)."""
        self.bar.total += calls
        self.bar.refresh()

    def step(self, desc: str | None = None, n: int = 1) -> None:
        if desc is not None:
            self.bar.set_description(desc, refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()
