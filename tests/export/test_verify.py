"""export.verify's bounds: fp32 artifacts that move the metric fail, int8 ones are flagged.

The artifact and eager runners are numpy functions of the real news test split, so each test
sets exactly how far the "artifact" strays from eager.
"""

from __future__ import annotations

import numpy as np
import pytest

from export import verify as verify_module
from export.evaluate import evaluate
from export.pipeline import encode, load_task_data
from export.tasks import get_task
from export.tasks.base import TaskContext
from export.verify import MetricDeltaError, ParityError, verify

#: eager prefers class 0 by this margin; the tests' artifacts shift class 1 past it
MARGIN = 1e-4


@pytest.fixture(scope="module")
def news(data_dir, tokenizer):
    task = get_task("news")
    data = load_task_data(task, data_dir, 123, None, 24)
    features = encode(data, data.test, tokenizer, 123, "test")
    return task, features, TaskContext(data.labels, None), tokenizer.pad_token_id


def _eager(*inputs: np.ndarray) -> np.ndarray:
    logits = np.zeros((inputs[0].shape[0], 4), np.float32)
    logits[:, 0] = MARGIN
    return logits


def _shifted(shift: float, rows: int | None = None):
    """An artifact whose class-1 logit is raised by `shift` on the first `rows` calls."""
    calls = {"n": 0}

    def run(*inputs: np.ndarray) -> np.ndarray:
        out = _eager(*inputs)
        calls["n"] += 1
        if rows is None or calls["n"] <= rows:
            out[:, 1] += shift
        return out

    return run


def _verify(news, precision: str, run):
    task, features, ctx, pad_id = news
    eager_result = evaluate(_eager, task, features, ctx, pad_id, 1, progress=False)
    return verify("artifact", precision, run, _eager, task, features, ctx, pad_id, eager_result)


def test_an_fp32_artifact_within_parity_that_moves_the_metric_fails(news) -> None:
    # Every prediction flips from class 0 to 1 while no logit moves more than 2e-4 (< 1e-3).
    with pytest.raises(MetricDeltaError, match="points"):
        _verify(news, "fp32", _shifted(2 * MARGIN))


def test_an_fp32_artifact_outside_parity_fails_with_the_difference(news) -> None:
    with pytest.raises(ParityError, match="max \\|logit - eager\\|"):
        _verify(news, "fp32", _shifted(0.5))


def test_an_int8_artifact_that_moves_the_metric_is_flagged_not_failed(news) -> None:
    check = _verify(news, "int8", _shifted(0.5))
    assert check.flagged and abs(check.worst_delta[1]) > verify_module.INT8_FLAG_DELTA_POINTS


def test_an_int8_artifact_that_matches_eager_is_not_flagged(news) -> None:
    assert not _verify(news, "int8", _shifted(0.0)).flagged


def test_the_int8_flag_threshold_is_the_bound_on_the_worst_delta(news, monkeypatch) -> None:
    # The parity pass makes 24 calls (batch 1) before evaluation: shift the evaluation's first
    # example only, so exactly one prediction flips.
    run = _shifted(0.5, rows=len(news[1]) + 1)
    moved = abs(_verify(news, "int8", run).worst_delta[1])
    assert moved > 0
    monkeypatch.setattr(verify_module, "INT8_FLAG_DELTA_POINTS", moved + 0.01)
    assert not _verify(news, "int8", _shifted(0.5, rows=len(news[1]) + 1)).flagged
    monkeypatch.setattr(verify_module, "INT8_FLAG_DELTA_POINTS", moved - 0.01)
    assert _verify(news, "int8", _shifted(0.5, rows=len(news[1]) + 1)).flagged
