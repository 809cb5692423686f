"""Hide third-party messages known to be harmless; everything else still reaches the user.

Each filter names the exact message it drops, so a new or real warning is never swallowed.
Nothing is filtered until `enable()` runs (the CLI calls it unless -v/--verbose).
"""

from __future__ import annotations

import contextlib
import gc
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
    # torchao ships CUDA-only kernel libraries (mxfp8, CUTLASS sm90a) and says at every import
    # on a CPU machine that it could not load them; its CPU kernels are unaffected.
    "torchao": re.compile(
        r"^Failed to load \S*torchao/_C_\w*[.\w-]*\.so: Could not load this library"
    ),
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
    # LiteRT (ai-edge-litert 2.3) logs at INFO each time a CompiledModel's environment is made
    # or freed: the accelerators it registers, and the GPU/NPU/vendor plugins this CPU-only
    # install lacks (about 16 lines per file loaded, 1,600 in a four-model benchmark). The
    # library exports no call to raise its log level.
    r"|^INFO: \[accelerator_registry\.cc:\d+\] (Register|Destroy)Accelerator: ptr=0x[0-9a-f]+, "
    r"name=(CpuAccelerator|GPU WebGPU|NpuAccelerator)$"
    r"|^INFO: \[(environment\.cc:\d+\] Creating LiteRT environment with options"
    r"|cpu_registry\.cc:\d+\] XNNPACK CPU accelerator registered\."
    r"|npu_registry\.cc:\d+\] NPU accelerator registered\."
    r"|compiled_model\.cc:\d+\] Flatbuffer model initialized directly from incoming litert model\."
    r"|gpu_registry\.cc:\d+\] (Attempting to load|Dynamically loaded) GPU accelerator\("
    r"\S*libLiteRt(Web)?GpuAccelerator\.so\)(\.| registered\.)"
    r"|compiler_plugin\.cc:\d+\] (Attempting to load plugin|Loading plugin) at: "
    r"\S*ai_edge_litert/vendors/\S+)$"
    r"|^WARNING: \[compiler_plugin\.cc:\d+\] Failed to load plugin at: \S*ai_edge_litert/vendors/"
    r"\S+ with error: ERROR: \[\S+compiler_plugin\.cc:\d+\]$"
    r"|^\u2514 Could not load shared library \S*ai_edge_litert/vendors/\S+: \S+: cannot open "
    r"shared object file: No such file or directory\.$"
    r"|^WARNING: \[npu_registry\.cc:\d+\] NPU accelerator could not be loaded and registered: "
    r"kLiteRtStatusErrorNotFound\.$"
    r"|^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.$"
    # ai-edge-litert's TensorFlow Lite wrappers, once per process at import
    r"|^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$"
    r"|^I0000 00:00:\d+\.\d+ +\d+ port\.cc:\d+\] oneDNN custom operations are on\. "
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


@contextlib.contextmanager
def native_teardown() -> Iterator[None]:
    """Free runtimes (`del`, `gc.collect()`) inside this block: LiteRT logs each environment it
    frees on fd 2, at whatever moment the last reference goes."""
    with native_stderr_filtered():
        yield
        gc.collect()


def _is_noise(line: str) -> bool:
    return bool(NATIVE_NOISE.search(line.rstrip("\n")))
