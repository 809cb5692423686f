"""One writer per output folder: an advisory lock (fcntl.flock) on a `.lock` file inside it.

export.build holds an exclusive lock on each task folder while it builds that task (so two
builds of different models or tasks share one --out, and two builds of the same task take
turns); runtime_bench holds an exclusive lock on its --out and a shared one on every task
folder it reads, so a build never rewrites an artifact under a running benchmark.

A second run that finds a folder locked says so once and waits up to LOCK_WAIT_SECONDS, then
refuses in one line naming the holder's pid. The kernel drops a flock when its process dies,
so a lock left by a killed run is never stale: the next run simply takes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from export.errors import BuildError

LOCK_FILE = ".lock"
#: how long a second run waits for the holder before refusing (env override for tests)
LOCK_WAIT_SECONDS = float(os.environ.get("SQUEEZEBERT_LOCK_WAIT_SECONDS", "900"))
POLL_SECONDS = 0.1


class FolderLockedError(BuildError):
    """Another live process holds the folder's lock past the wait."""


def holder(lock_path: Path) -> str:
    """What the holder wrote into the lock file: 'pid N (command)', or 'another process'."""
    try:
        text = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextlib.contextmanager
def folder_lock(
    folder: Path, purpose: str, shared: bool = False, wait: float | None = None
) -> Iterator[Path]:
    """Hold `folder`'s lock (exclusive, or `shared` among readers) for the block."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        if shared:  # a read-only folder (committed artifacts): no writer can come either
            yield path
            return
        raise BuildError(
            f"cannot create the lock file {path} ({exc.strerror}): pass a folder you can write"
        ) from None
    try:
        _acquire(handle, path, purpose, shared, wait)
        handle.seek(0)
        handle.truncate()  # the latest holder's name (a shared lock's readers take turns here)
        handle.write(f"pid {os.getpid()} ({purpose})\n")
        handle.flush()
        yield path
    finally:
        handle.close()  # releases the lock


def _acquire(handle, path: Path, purpose: str, shared: bool, wait: float) -> None:
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise FolderLockedError(
                f"{path.parent} is in use by {holder(path)}: wait for it to finish, or pass "
                "another --out"
            )
        if not told:
            print(
                f"waiting for {holder(path)} to finish with {path.parent} ({purpose}; "
                f"up to {wait:g} s)",
                file=sys.stderr,
                flush=True,
            )
            told = True
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def folder_locks(folders: list[Path], purpose: str, shared: bool = False) -> Iterator[None]:
    """Several folders' locks, always taken in sorted order so two runs cannot deadlock."""
    with contextlib.ExitStack() as stack:
        for folder in sorted(dict.fromkeys(Path(f).resolve() for f in folders)):
            stack.enter_context(folder_lock(folder, purpose, shared))
        yield
