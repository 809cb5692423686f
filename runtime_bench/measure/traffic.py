"""The real-traffic view: each task's test split, every example at its own length.

This is the view the ship decision comes from (issue 25): users send short sentences, and a
fixed-length sweep hides what padding costs a static-shape runtime. Per task, every selected
artifact is loaded once, then the split runs **example by example, interleaved** (example i
through every artifact, the order rotated by i), so drift hits all artifacts alike. Per
example two times are kept:

* ``call``: the runtime call alone (`runner(*inputs)`), wall and process CPU;
* ``e2e``: the whole per-example path: tokenize the raw example, build the input arrays, the
  call, and the task's decode (`task.predict`).

With ``rounds`` > 1 the whole interleaved pass repeats (the rotation shifted each round) and
each example keeps its median over the rounds; predictions come from the first round. Every
record also keeps its per-example call times (``call_ms``), so two models are compared example
by example (runtime_bench.report.traffic_section.paired_speedup): a ratio of two p50s can land on different
examples, and measured 1.65x-2.09x for the same two files across runs.

How each backend is fed (FEEDS): ONNX, ExecuTorch and eager at the input's own length; our
LiteRT files at the smallest signature that fits; ``litert-stock`` as the TFLite/MediaPipe
BERT examples do, every input padded to one 128 signature (longer inputs take the smallest
signature that fits, so the metric stays comparable). Each LiteRT file also runs through
`Interpreter` (runtime_bench.measure.litert_interpreter) right after its `CompiledModel` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from export.backends import REFERENCE_LENGTH
from export.quiet import native_teardown
from runtime_bench.analysis.stats import percentile
from runtime_bench.artifacts import ArtifactSpec
from runtime_bench.measure.litert_interpreter import COMPILED_MODEL_API, INTERPRETER_API
from runtime_bench.measure.progress import Progress
from runtime_bench.measure.runners import load_checked
from runtime_bench.measure.timing import Timing, timed

FEED_OWN = "own length"
FEED_BUCKET = "smallest fitting signature"
FEED_STOCK = "padded to 128 (stock route)"
#: backend -> how real inputs reach it; backends not listed run at the input's own length
FEEDS = {"litert": FEED_BUCKET, "litert-stock": FEED_STOCK}
#: LiteRT backends: their files run through CompiledModel, and also through Interpreter
TWO_API_BACKENDS = ("litert", "litert-stock")
#: a record's per-example call times, in ms, are kept to microseconds (results.json stays small)
CALL_MS_DECIMALS = 3
#: upper edges of the length histogram's bins (tokens, [CLS]/[SEP] included)
LENGTH_BINS = (16, 32, 64, 128, 256, 512)


class PaddedTo:
    """A runner fed every input padded to `length` tokens (attention mask 0 on the padding);
    token-level logits are cut back to the real tokens. Inputs longer than `length` pass as
    they are (the runner then picks a signature that fits)."""

    def __init__(self, runner: Any, length: int) -> None:
        self.runner, self.length = runner, length

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray, *rest: np.ndarray):
        real = input_ids.shape[1]
        if real >= self.length:
            return self.runner(input_ids, attention_mask, *rest)
        pad = ((0, 0), (0, self.length - real))
        logits = self.runner(np.pad(input_ids, pad), np.pad(attention_mask, pad), *rest)
        return logits[:, :real] if logits.ndim == 3 and not rest else logits


@dataclass
class Route:
    """One artifact as the real-traffic phase runs it, with its per-example timings."""

    spec: ArtifactSpec
    feed: str
    run: Callable[..., np.ndarray]
    #: a .tflite's second LiteRT API (Interpreter), timed on the same padded inputs
    interpreter: Callable[..., np.ndarray] | None = None
    predictions: list[Any] = field(default_factory=list)
    #: per example, one Timing per round (median_timing folds them once the rounds are done)
    call: list[list[Timing]] = field(default_factory=list)
    e2e: list[list[Timing]] = field(default_factory=list)
    interpreter_call: list[list[Timing]] = field(default_factory=list)
    interpreter_diff: float = 0.0

    def expect(self, examples: int) -> None:
        """One empty list of round timings per example of the split."""
        self.call, self.e2e = [[] for _ in range(examples)], [[] for _ in range(examples)]
        self.interpreter_call = [[] for _ in range(examples)] if self.interpreter else []

    def settled(self, kind: str) -> list[Timing]:
        """Per example, the median of its rounds (`kind`: call, e2e or interpreter_call)."""
        return [median_timing(rounds) for rounds in getattr(self, kind)]


def median_timing(rounds: list[Timing]) -> Timing:
    """One example's time over the rounds: the median wall, and the CPU time of that round."""
    ordered = sorted(rounds, key=lambda t: t.wall_ms)
    return ordered[(len(ordered) - 1) // 2]


def _load_route(spec: ArtifactSpec) -> Route:
    feed = FEEDS.get(spec.backend, FEED_OWN)
    runner = load_checked(spec)
    second = None
    if spec.backend in TWO_API_BACKENDS:
        from runtime_bench.measure.litert_interpreter import InterpreterRunner

        second = InterpreterRunner(spec.path, num_threads=1)
    if feed == FEED_STOCK:
        longest = max(getattr(runner, "buckets", [REFERENCE_LENGTH]))
        runner = PaddedTo(runner, min(REFERENCE_LENGTH, longest))
        second = PaddedTo(second, min(REFERENCE_LENGTH, longest)) if second else None
    return Route(spec, feed, runner, second)


def summary_ms(timings: list[Timing]) -> dict[str, float]:
    """p50, p90 and mean of per-example wall milliseconds."""
    walls = [t.wall_ms for t in timings]
    return {
        "p50": percentile(walls, 50),
        "p90": percentile(walls, 90),
        "mean": sum(walls) / len(walls),
    }


def length_summary(lengths: list[int]) -> dict[str, Any]:
    """Token counts of a split: p50, p90, max and a histogram over LENGTH_BINS."""
    histogram: dict[str, int] = {}
    low = 0
    for edge in LENGTH_BINS:
        histogram[f"{low + 1}-{edge}"] = sum(low < n <= edge for n in lengths)
        low = edge
    histogram[f">{low}"] = sum(n > low for n in lengths)
    return {
        "examples": len(lengths),
        "p50": percentile(lengths, 50),
        "p90": percentile(lengths, 90),
        "max": max(lengths),
        "histogram": histogram,
    }


def run_task(
    specs: list[ArtifactSpec], limit: int | None, bar: Progress, rounds: int = 1
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every artifact of one task over its test split, interleaved example by example, the
    whole pass `rounds` times.

    Returns (evaluation records, length summaries per model tag). The bar grows by this
    task's example calls once the split sizes are known, so its ETA covers them.
    """
    from export.rescore import load_test_split

    splits = {s.task_dir: load_test_split(Path(s.task_dir), limit) for s in specs}
    routes = [_load_route(s) for s in specs]
    for route in routes:
        route.expect(len(splits[route.spec.task_dir].features))
    bar.grow(rounds * sum(len(splits[s.task_dir].features) for s in specs))
    try:
        count = max(len(split.features) for split in splits.values())
        for r in range(rounds):
            for i in range(count):
                shift = (i + r) % len(routes)
                for route in routes[shift:] + routes[:shift]:
                    split = splits[route.spec.task_dir]
                    if i < len(split.features):
                        _one_example(route, split, i, score=r == 0)
                        bar.step(f"real traffic {route.spec.key}")
        records = [_record(route, splits[route.spec.task_dir], limit, rounds) for route in routes]
    finally:
        with native_teardown():  # LiteRT logs every environment it frees
            routes.clear()
    lengths = []
    for task_dir, split in splits.items():
        tag = next(s.model_tag for s in specs if s.task_dir == task_dir)
        summary = length_summary([len(f.input_ids) for f in split.features])
        lengths.append({"model_tag": tag, "task": specs[0].task, **summary})
    return records, lengths


def _one_example(route: Route, split: Any, i: int, score: bool = True) -> None:
    """Example i through one route: the whole path timed, and the call inside it; `score`
    (the first round) also keeps the prediction."""
    feature = split.features[i]
    raw = split.examples[i] if i < len(split.examples) else None
    call: list[Timing] = []

    def path() -> Any:
        if raw is not None and split.tokenize is not None:
            split.tokenize([raw])  # timed as part of the path; scoring uses the split's features
        inputs = split.task.model_inputs([feature], split.pad_id)
        logits, t = timed(lambda: route.run(*inputs))
        call.append(t)
        return split.task.predict(logits, [feature]), inputs, logits

    (prediction, inputs, logits), whole = timed(path)
    if score:
        route.predictions.extend(prediction)
    route.call[i].append(call[0])
    route.e2e[i].append(whole)
    if route.interpreter is not None:
        other, t = timed(lambda: route.interpreter(*inputs))
        route.interpreter_call[i].append(t)
        diff = float(np.max(np.abs(other - logits))) if other.size else 0.0
        route.interpreter_diff = max(route.interpreter_diff, diff)


def _record(route: Route, split: Any, limit: int | None, rounds: int = 1) -> dict[str, Any]:
    """The evaluation record: the old fields (`seconds` = runtime calls over the split,
    `examples`) so older tools still read it, plus the per-example view."""
    spec = route.spec
    metrics = split.task.score(route.predictions, split.features, split.ctx)
    call, e2e = route.settled("call"), route.settled("e2e")
    call_wall = sum(t.wall_ms for t in call)
    call_cpu = sum(t.cpu_ms for t in call)
    record: dict[str, Any] = {
        "id": f"{spec.model_tag}/{spec.task}/{spec.backend}/{spec.precision}",
        **spec.as_dict(),
        "metrics": {k: float(v) for k, v in metrics.items()},
        "seconds": call_wall / 1e3,
        "e2e_seconds": sum(t.wall_ms for t in e2e) / 1e3,
        "examples": len(call),
        "limit": limit,
        "rounds": rounds,
        "wall_s": call_wall / 1e3,
        "cpu_s": call_cpu / 1e3,
        "cpu_wall_ratio": call_cpu / call_wall if call_wall > 0 else 0.0,
        "timing": "per-example, interleaved",
        "feed": route.feed,
        "per_example_ms": {"call": summary_ms(call), "e2e": summary_ms(e2e)},
        "call_ms": [round(t.wall_ms, CALL_MS_DECIMALS) for t in call],
    }
    if route.interpreter_call:
        interpreter = route.settled("interpreter_call")
        record["api"] = COMPILED_MODEL_API
        record["interpreter"] = {
            "api": INTERPRETER_API,
            "seconds": sum(t.wall_ms for t in interpreter) / 1e3,
            "per_example_ms": summary_ms(interpreter),
            "max_abs_logit_diff_vs_compiled_model": route.interpreter_diff,
        }
    return record
