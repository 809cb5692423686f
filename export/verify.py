"""Prove an artifact against eager PyTorch through its own runtime.

Two measurements, as Hugging Face's exporters validate: (a) the maximum absolute logit
difference on real test examples, (b) the task metric on the test split and its delta. An fp32
artifact outside the bounds fails the build with a named error carrying the numbers; an int8
artifact's delta is reported and flagged when it exceeds a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from export.errors import ValidationError
from export.evaluate import EvalResult, Runner, batches, evaluate
from export.quantization import get_scheme
from export.tasks.base import Feature, Task, TaskContext

FP32_MAX_ABS_DIFF = 1e-3
FP32_MAX_METRIC_DELTA_POINTS = 0.1
INT8_FLAG_DELTA_POINTS = 1.0
PARITY_EXAMPLES = 64


class ParityError(ValidationError):
    """Logits differ from eager beyond the tolerance."""


class MetricDeltaError(ValidationError):
    """The task metric moved beyond the tolerance."""


@dataclass
class Verification:
    max_abs_diff: float
    parity_examples: int
    metrics: dict[str, float]
    metric_deltas_points: dict[str, float]
    eval_seconds: float
    eval_examples: int
    flagged: bool

    def to_manifest(self) -> dict[str, Any]:
        """The artifact's manifest fields that say how well it matches eager."""
        return {
            "parity": {"max_abs_diff": self.max_abs_diff, "examples": self.parity_examples},
            "metrics": self.metrics,
            "metric_deltas_points": self.metric_deltas_points,
            "flagged": self.flagged,
            "eval_seconds": self.eval_seconds,
        }

    @property
    def worst_delta(self) -> tuple[str, float]:
        """The metric that moved most, and by how many points."""
        return _worst(self.metric_deltas_points)


def _worst(deltas: dict[str, float]) -> tuple[str, float]:
    key = max(deltas, key=lambda k: abs(deltas[k]))
    return key, deltas[key]


def max_logit_diff(
    run: Runner, eager: Runner, task: Task, features: list[Feature], pad_id: int, batch_size: int
) -> float:
    """Largest |artifact - eager| over real (non-padding) positions."""
    worst = 0.0
    for chunk, inputs in batches(task, features, batch_size, pad_id):
        got, want = run(*inputs), eager(*inputs)
        if got.shape != want.shape:
            raise ParityError(f"output shape {got.shape} != eager {want.shape}")
        diff = np.abs(got.astype(np.float64) - want)
        if diff.ndim == 3:  # token-level logits: ignore padded rows
            diff = diff[task.output_rows(chunk, inputs)]
        worst = max(worst, float(diff.max()) if diff.size else 0.0)
    return worst


def verify(
    name: str,
    precision: str,
    run: Runner,
    eager: Runner,
    task: Task,
    features: list[Feature],
    ctx: TaskContext,
    pad_id: int,
    eager_result: EvalResult,
) -> Verification:
    # Batch 1, as deployed: dynamic int8 computes activation scales over the whole batch tensor
    # (padding included), so a batched score would not be the score a phone or the benchmark gets.
    batch_size = 1
    parity_set = features[:PARITY_EXAMPLES]
    diff = max_logit_diff(run, eager, task, parity_set, pad_id, batch_size)
    result = evaluate(run, task, features, ctx, pad_id, batch_size, desc=f"evaluate {name}")
    deltas = {
        k: 100.0 * (v - eager_result.metrics[k])
        for k, v in result.metrics.items()
        if isinstance(v, float) and k in eager_result.metrics
    }
    worst_key, worst = _worst(deltas)
    quantized = get_scheme(precision).quantized
    if not quantized:
        if diff > FP32_MAX_ABS_DIFF:
            raise ParityError(
                f"{name}: max |logit - eager| = {diff:.3g} over {len(parity_set)} "
                f"test examples exceeds {FP32_MAX_ABS_DIFF:g}"
            )
        if abs(worst) > FP32_MAX_METRIC_DELTA_POINTS:
            raise MetricDeltaError(
                f"{name}: {worst_key} {result.metrics[worst_key]:.4f} vs eager "
                f"{eager_result.metrics[worst_key]:.4f} ({worst:+.2f} points) exceeds "
                f"{FP32_MAX_METRIC_DELTA_POINTS} points"
            )
    flagged = quantized and abs(worst) > INT8_FLAG_DELTA_POINTS
    return Verification(
        diff, len(parity_set), result.metrics, deltas, result.seconds, result.examples, flagged
    )
