"""The benchmark's one progress bar."""

from __future__ import annotations


class Progress:
    """A tqdm bar over every timed call (no monitor thread: it would add CPU time)."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0
        self.bar = tqdm(total=total, unit="call", disable=not enabled, dynamic_ncols=True)

    def step(self, desc: str | None = None, n: int = 1) -> None:
        if desc is not None:
            self.bar.set_description(desc, refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()
