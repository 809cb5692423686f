"""Hide third-party messages known to be harmless; everything else still reaches the user.

Each filter names the exact message it drops, so a new or real warning is never swallowed.
Nothing is filtered until `enable()` runs (the CLI calls it unless -v/--verbose).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

# Python-logging records: logger name -> message pattern.
LOG_NOISE = {
    # torchao registers Enum constants the deprecated way; torch says so at every import.
    "torch.utils._pytree": re.compile(r"Calling register_constant\(\) on Enum subclasses"),
    # The ONNX exporter looks for torchvision's operators, which these models never use.
    "torch.onnx._internal.exporter._registration": re.compile(r"torchvision is not installed"),
}

# Python warnings: (category, message pattern). Deprecation notices address the developers of
# the libraries we call, not our users; the UserWarning is the ONNX exporter noting that the
# batch and sequence axes we name are the same ones torch.export already tracks.
WARNING_NOISE = (
    (DeprecationWarning, ""),
    (FutureWarning, ""),
    (UserWarning, r"# The axis name: \w+ will not be used, since it shares the same shape"),
)

# Lines ExecuTorch's C++ runtime prints to file descriptor 2 when it starts: it probes ARM CPU
# registers that x86 machines and containers do not have, and reports resizing its threadpool
# to the thread count we asked for.
NATIVE_NOISE = re.compile(
    r"^\[cpuinfo_utils\.cpp:\d+\] (Reading file |Failed to open midr file |"
    r"CPU info and manual query on # of cpus dont match)"
    r"|^\[threadpool\.cpp:\d+\] Resetting threadpool to \d+ threads\.$"
)

_enabled = False


class _DropMatching(logging.Filter):
    def __init__(self, pattern: re.Pattern[str]) -> None:
        super().__init__()
        self.pattern = pattern

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.search(record.getMessage())


def enable() -> None:
    """Install the filters (once); -v/--verbose simply never calls this."""
    global _enabled
    if _enabled:
        return
    _enabled = True
    for name, pattern in LOG_NOISE.items():
        logging.getLogger(name).addFilter(_DropMatching(pattern))
    for category, message in WARNING_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)


@contextlib.contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Capture fd 2 while native code runs, then replay every line but the known noise.

    For short blocks only (loading a runtime): output is held until the block ends.
    """
    if not _enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            kept = [line for line in text.splitlines(keepends=True) if not _is_noise(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


@contextlib.contextmanager
def rich_console_silenced(console: Any) -> Iterator[None]:
    """Silence a library's rich console for one block. litert-torch prints a [START]/[DONE]
    line per conversion step on one (dozens per signature, on stdout, even under --quiet);
    the build's own heartbeat already says a conversion is running. Not under -v."""
    if not _enabled:
        yield
        return
    before, console.quiet = console.quiet, True
    try:
        yield
    finally:
        console.quiet = before


def _is_noise(line: str) -> bool:
    return bool(NATIVE_NOISE.search(line.rstrip("\n")))
