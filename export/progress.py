"""What a build prints while it works: each stage and artifact as it starts, with artifact k of
N, the elapsed time and an ETA from the artifacts already finished, and a heartbeat line while
one backend export runs (LiteRT conversions can take many minutes: no silent minute).

Everything goes to stderr; `--quiet` silences all of it (errors are printed by the CLI).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: seconds between two heartbeat lines while one backend export runs
HEARTBEAT_SECONDS = 30.0

_state = {"quiet": False}


def set_quiet(quiet: bool) -> None:
    """--quiet: no progress lines and no progress bars (tqdm reads TQDM_DISABLE)."""
    _state["quiet"] = quiet
    if quiet:
        os.environ["TQDM_DISABLE"] = "1"


@contextmanager
def quieted(quiet: bool = True) -> Iterator[None]:
    """`set_quiet(quiet)` for one block, then as it was (the Python API's `quiet=`)."""
    before, env = _state["quiet"], os.environ.get("TQDM_DISABLE")
    set_quiet(quiet or before)
    try:
        yield
    finally:
        _state["quiet"] = before
        if env is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = env


def is_quiet() -> bool:
    """Whether --quiet (or the API's quiet=True) is on: the project's own bars check it."""
    return _state["quiet"]


def log(message: str) -> None:
    """One progress line on stderr, unless --quiet."""
    if not _state["quiet"]:
        print(message, file=sys.stderr, flush=True)


def format_seconds(seconds: float) -> str:
    """12s, 3m05s, 1h02m: short enough for a progress line."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Heartbeat:
    """Calls `emit(elapsed seconds)` every `interval` seconds until stopped, on a daemon thread:
    a long call in the main thread (a backend export) cannot print by itself."""

    def __init__(
        self,
        interval: float,
        emit: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.emit = emit
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def _beat(self) -> None:
        start = self.clock()
        while not self._stop.wait(self.interval):
            self.emit(self.clock() - start)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class BuildProgress:
    """Artifact k of N, elapsed and ETA for one build; `total` artifacts are planned up front
    (tasks x formats x precisions). The ETA is the mean time of the finished artifacts times
    the ones left: none is shown before the first one finishes."""

    def __init__(
        self,
        total: int,
        heartbeat_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        #: None: HEARTBEAT_SECONDS as it is when the build starts (tests shorten it)
        self.heartbeat_seconds = heartbeat_seconds or HEARTBEAT_SECONDS
        self.clock = clock
        self.started = clock()
        self.done: list[float] = []  # seconds each finished artifact took

    def elapsed(self) -> str:
        return format_seconds(self.clock() - self.started)

    def eta(self) -> str:
        if not self.done:
            return "ETA after the first artifact"
        left = self.total - len(self.done)
        return f"ETA {format_seconds(sum(self.done) / len(self.done) * left)}"

    def stage(self, message: str) -> None:
        """A stage of the build (a task, fine-tuning, eager evaluation) as it starts."""
        log(f"[{self.elapsed()}] {message}")

    @contextmanager
    def artifact(self, name: str) -> Iterator[None]:
        """One artifact, from its start line to its finish (counted for the ETA)."""
        k = min(len(self.done) + 1, self.total)
        log(f"[{self.elapsed()}] artifact {k}/{self.total}: {name} ({self.eta()})")
        start = self.clock()
        try:
            yield
        finally:
            self.done.append(self.clock() - start)

    @contextmanager
    def exporting(self, name: str) -> Iterator[None]:
        """A heartbeat line every `heartbeat_seconds` while `name`'s backend export runs."""

        def beat(seconds: float) -> None:
            log(f"   {name}: still exporting ({format_seconds(seconds)} so far)")

        with Heartbeat(self.heartbeat_seconds, beat, self.clock):
            yield
