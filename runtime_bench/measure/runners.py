"""Load any artifact (or the eager reference) as a single-threaded runner.

Thread counts are pinned at every layer that could start workers: torch intra-op (and
inter-op, once per process), ExecuTorch's shared threadpool (which defaults to the core count
and is not controlled by torch), and onnxruntime (intra = inter = 1 in the backend's session).
The CPU/wall ratio of every measurement then proves the result.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from export.errors import first_line
from runtime_bench.artifacts import EAGER, ArtifactSpec
from runtime_bench.errors import BenchError

_pinned = False


def pin_single_thread() -> dict[str, Any]:
    """Force one thread in torch and ExecuTorch; return what each runtime now reports."""
    global _pinned
    import torch

    from export.backends.executorch import threadpool_threads

    torch.set_num_threads(1)
    if not _pinned:
        # Only allowed before any inter-op work has started; later calls raise.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)
        _pinned = True
    return {
        "torch_intra_op_threads": torch.get_num_threads(),
        "torch_inter_op_threads": torch.get_num_interop_threads(),
        "executorch_threadpool": threadpool_threads(reset_to=1),
        "onnxruntime_intra_op_threads": 1,
        "onnxruntime_inter_op_threads": 1,
    }


def load_eager_module(task_dir: Any) -> Any:
    """The exporters' eager wrapper for a task dir, loaded without progress-bar chatter."""
    from transformers.utils import logging as hf_logging

    from export.exportable import load_exportable

    hf_logging.disable_progress_bar()
    module = load_exportable(task_dir)
    module.eval()
    return module


class EagerRunner:
    """The eager PyTorch reference behind the same call signature as a backend Runner."""

    def __init__(self, spec: ArtifactSpec) -> None:
        import torch

        self._torch = torch
        self.module = load_eager_module(spec.task_dir)

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            out = self.module(*(torch.from_numpy(a) for a in inputs))
        return out.numpy()


def load_runner(spec: ArtifactSpec) -> Any:
    """A callable (*inputs) -> logits for `spec`, on one thread (inputs as BenchInputs)."""
    pin_single_thread()
    if spec.backend == EAGER:
        return EagerRunner(spec)
    from export.backends import get_backend

    return get_backend(spec.backend).load(spec.path, num_threads=1)


def load_checked(spec: ArtifactSpec) -> Any:
    """load_runner, with a runtime's refusal turned into a one-line error naming the file.

    The file already matched its manifest's sha256, so a refusal means it was written broken
    (or the manifest was edited to match it): only a rebuild helps.
    """
    try:
        return load_runner(spec)
    except BenchError:
        raise
    except Exception as exc:
        detail = first_line(exc)
        raise BenchError(
            f"{spec.path} cannot be loaded by {spec.backend} ({detail}) although it matches its "
            "manifest's sha256; rebuild it with python -m export.build --force"
        ) from None
