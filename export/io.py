"""Atomic file writes and hashing: a failed step never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from export.errors import BuildError

#: Our temporary names, so that a run killed by SIGKILL is cleaned up by the next one:
#: atomic writes ".<name>.pid<pid>.*.tmp", checkpoint staging ".checkpoint-<pid>-*", and a
#: build's scratch folder ".tmp-build-<pid>-*" (where every library's tempfile use goes while
#: exporting). Each carries its writer's pid: a sweep never touches a live process's files.
TMP_SUFFIX = ".tmp"
CHECKPOINT_STAGING = ".checkpoint-"
SCRATCH_PREFIX = ".tmp-build-"
PID_MARK = "pid"
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{final.name}.{PID_MARK}{os.getpid()}.", suffix=TMP_SUFFIX, dir=final.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:  # on disk before it replaces anything
            os.fsync(handle.fileno())
        tmp_path.chmod(default_file_mode())  # mkstemp's 0600, as a plain open() would not leave
        os.replace(tmp_path, final)
    except Exception as exc:
        if is_disk_full(exc):
            raise disk_full(final, exc) from exc
        raise
    finally:
        tmp_path.unlink(missing_ok=True)


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT, also from libraries written in other languages (safetensors' Rust
    raises its own type, with the OS message in the text)."""
    if isinstance(exc, OSError):
        return exc.errno in _DISK_FULL
    return "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc)


class DiskFullError(BuildError):
    """The disk filled up while writing `path`; `cause` is the library's own error. A caller
    with its own words for it (runtime_bench) catches this and re-raises `cause`."""

    def __init__(self, path: Path, cause: BaseException | None = None) -> None:
        super().__init__(
            f"no space left on the device while writing {path}: free some space (or pass --out "
            "on another disk) and run again; completed files are kept"
        )
        self.path = path
        self.cause = cause


def disk_full(path: Path, cause: BaseException | None = None) -> DiskFullError:
    return DiskFullError(path, cause)


def default_file_mode() -> int:
    """0666 less the process umask: the mode a plain open(path, "w") gives a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_json(path: str | Path, data: Any) -> None:
    """Strict JSON: NaN or Infinity (which JSON has no words for) is refused, never written."""
    try:
        text = json.dumps(data, indent=2, sort_keys=False, default=_jsonable, allow_nan=False)
    except ValueError as exc:
        raise BuildError(
            f"refusing to write {path}: {_non_finite(data) or exc} is NaN or infinite, which "
            "JSON cannot hold (a diverged run? lower --lr and run again)"
        ) from exc
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n")


def as_json(data: Any) -> Any:
    """`data` as it reads back from a JSON file (tuples become lists, numpy scalars numbers):
    what a freshly computed record must look like to compare equal with a stored one."""
    return json.loads(json.dumps(data, default=_jsonable))


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def _non_finite(data: Any, where: str = "") -> str | None:
    """The key path of the first NaN/Infinity in `data`, for the error message."""
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        value = data.item() if getattr(data, "ndim", None) == 0 else data
        finite = not isinstance(value, float) or math.isfinite(value)
        return None if finite else (where or "a value")
    for key, value in items:
        found = _non_finite(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy / torch scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def remove_stale_temporaries(directory: Path) -> list[str]:
    """Delete what a killed run left in `directory` under our own temporary names; returns them.

    Anything whose name carries the pid of a process that still runs (another than this one)
    is left alone; names without a pid are an older version's, swept under the folder's lock.
    """
    removed = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        name = path.name
        ours = path.is_file() and name.startswith(".") and name.endswith(TMP_SUFFIX)
        ours = ours or (path.is_dir() and name.startswith((CHECKPOINT_STAGING, SCRATCH_PREFIX)))
        if not ours or _alive(writer_pid(name)):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(name)
    return removed


def writer_pid(name: str) -> int | None:
    """The pid in one of our temporary names (None for names without one)."""
    if name.endswith(TMP_SUFFIX):  # .<final>.pid<pid>.<random>.tmp
        head = name.removesuffix(TMP_SUFFIX).rpartition(".")[0]
        pid = head.rpartition("." + PID_MARK)[2] if "." + PID_MARK in head else ""
    else:  # .checkpoint-<pid>-<random> or .tmp-build-<pid>-<random>
        rest = name.removeprefix(CHECKPOINT_STAGING).removeprefix(SCRATCH_PREFIX)
        pid = rest.split("-")[0]
    return int(pid) if pid.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


@contextlib.contextmanager
def scratch_tempdir(parent: Path) -> Iterator[Path]:
    """Point Python's tempfile (torch, onnxruntime, ExecuTorch use it) at a scratch folder in
    `parent` for the block: nothing lands in /tmp, and a killed run's scratch is recognisable."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent))
    previous = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        yield scratch
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(scratch, ignore_errors=True)
