"""One writer per output folder: an advisory lock (fcntl.flock) on the folder itself.

export.build holds an exclusive lock on each task folder while it builds that task (so builds
of different models or tasks share one --out, and two builds of the same task take turns);
runtime_bench holds a shared lock on every task folder it reads, so no build rewrites an
artifact under a running benchmark, and an exclusive lock on its --out while it writes there.

The lock is taken on the folder's own file descriptor, so no lock file is ever left in a
folder. A second run says once that it waits (naming the holder's pid, from /proc/locks), and
after LOCK_WAIT_SECONDS refuses in one line. The kernel drops a flock when its process dies,
so a killed run's lock is never stale: the next run simply takes it.
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

#: how long a second run waits for the holder before refusing (env override for tests)
LOCK_WAIT_SECONDS = float(os.environ.get("SQUEEZEBERT_LOCK_WAIT_SECONDS", "900"))
POLL_SECONDS = 0.1


class FolderLockedError(BuildError):
    """Another live process holds the folder's lock past the wait."""


def holder(folder: Path) -> str:
    """'pid N (its command line)' of a process holding a flock on `folder`, from /proc/locks
    (Linux); 'another process' where that cannot be read."""
    try:
        st = os.stat(folder)
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return "another process"
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        fields = line.split()
        if "->" in fields or "FLOCK" not in fields or device not in fields:
            continue  # a waiter, another kind of lock, or another file
        pid = fields[fields.index(device) - 1]
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            raw = ""
        command = " ".join(raw.replace("\0", " ").split())[:120]  # one line, whatever it ran
        return f"pid {pid}" + (f" ({command})" if command else "")
    return "another process"


@contextlib.contextmanager
def folder_lock(
    folder: Path, purpose: str, shared: bool = False, wait: float | None = None
) -> Iterator[Path]:
    """Hold `folder`'s lock (exclusive, or `shared` among readers) for the block; an
    exclusive lock creates the folder."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    if not shared:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise BuildError(f"cannot open the folder {folder} ({exc.strerror}): check it") from None
    try:
        _acquire(fd, folder, purpose, shared, wait)
        yield folder
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, folder: Path, purpose: str, shared: bool, wait: float) -> None:
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise FolderLockedError(
                f"{folder} is in use by {holder(folder)}: wait for it to finish, or pass "
                "another --out"
            )
        if not told:
            print(
                f"waiting for {holder(folder)} to finish with {folder} ({purpose}; "
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
