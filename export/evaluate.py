"""Run a task's features through any runner (eager or artifact) and score them.

The same function scores eager PyTorch and every artifact, so metric deltas measure the
artifact and nothing else.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from tqdm.auto import tqdm

from export.progress import is_quiet
from export.tasks.base import Feature, Task, TaskContext


class Runner(Protocol):
    """run(*inputs) -> logits, inputs as int64 arrays in the task's `input_names` order:
    two for NER and news, three for the masked-LM (`mask_positions` last)."""

    def __call__(self, *inputs: np.ndarray) -> np.ndarray: ...


@dataclass
class EvalResult:
    metrics: dict[str, float]
    seconds: float
    examples: int


def eager_runner(module: torch.nn.Module, device: str | torch.device = "cpu") -> Runner:
    """Run `module` on `device` with every input the task feeds (the logits come back as fp32
    on the CPU)."""

    def run(*inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = module(*(torch.from_numpy(a).to(device) for a in inputs))
            return out.float().cpu().numpy()

    return run


@contextlib.contextmanager
def device_runner(module: torch.nn.Module, device: str) -> Iterator[Runner]:
    """Run `module` in fp32 on `device` (moved back to the CPU afterwards).

    TF32 is switched off on CUDA while it runs: the eager reference must be fp32 for the CPU
    fp32 artifacts to be compared with it (cuDNN convolutions default to TF32).
    """
    if device == "cpu":
        yield eager_runner(module)
        return
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    module.to(device)
    try:
        yield eager_runner(module, device)
    finally:
        module.to("cpu")
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def batches(
    task: Task, features: list[Feature], batch_size: int, pad_id: int
) -> Iterator[tuple[list[Feature], tuple[np.ndarray, ...]]]:
    for first in range(0, len(features), batch_size):
        chunk = features[first : first + batch_size]
        yield chunk, task.model_inputs(chunk, pad_id)


def evaluate(
    run: Runner,
    task: Task,
    features: list[Feature],
    ctx: TaskContext,
    pad_id: int,
    batch_size: int = 16,
    desc: str | None = None,
    progress: bool = True,
) -> EvalResult:
    predictions: list[Any] = []
    start = time.perf_counter()
    with tqdm(
        total=len(features),
        desc=desc or f"evaluate {task.name}",
        unit="ex",
        leave=False,
        disable=not progress or is_quiet(),
    ) as bar:
        for chunk, inputs in batches(task, features, batch_size, pad_id):
            predictions.extend(task.predict(run(*inputs), chunk))
            bar.update(len(chunk))
    seconds = time.perf_counter() - start
    return EvalResult(task.score(predictions, features, ctx), seconds, len(features))


def task_context(model: torch.nn.Module, task: Task, labels: list[str]) -> TaskContext:
    """Masked-LM scores cosine similarity in the model's own input-embedding space."""
    embeddings = None
    if task.decodes_masked_rows:
        embeddings = model.get_input_embeddings().weight.detach().float().numpy()
    return TaskContext(labels, embeddings)
