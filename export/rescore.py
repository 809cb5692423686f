"""Score an artifact again on the test split its manifest names (runtime_bench, tests).

Rebuilds the features from the recorded data (sha256-checked), seed and tokenizer, so a
re-score sees exactly what the build verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.errors import DataError
from export.evaluate import EvalResult, Runner, evaluate, task_context
from export.io import sha256_file
from export.manifest import check_checkpoint, read_manifest
from export.model_dir import refuse_remote_code
from export.models import load_pretrained, load_tokenizer
from export.pipeline import auto_class, encode, load_task_data
from export.tasks import get_task
from export.tasks.base import Feature, Task, TaskContext


@dataclass
class TestSplit:
    task: Task
    features: list[Feature]
    ctx: TaskContext
    pad_id: int
    #: the raw test examples, in order, and their tokenization (runtime_bench's real-traffic
    #: view times tokenizing each example as part of the per-example path)
    examples: list[Any] = field(default_factory=list)
    tokenize: Callable[[list[Any]], list[Feature]] | None = None


def load_test_split(task_dir: Path, limit: int | None = None) -> TestSplit:
    """The test features a manifest was scored on, rebuilt from the data it names."""
    task, data, tokenizer, features = test_features(task_dir, limit)
    manifest = read_manifest(task_dir, verify=False)
    check_checkpoint(task_dir, manifest.get("checkpoint"), task_dir / "manifest.json")
    model = load_pretrained(
        auto_class(task).from_pretrained,
        task_dir,
        attn_implementation="eager",
        use_safetensors=True,
    )
    seed = manifest["seed"]

    def tokenize(rows: list[Any]) -> list[Feature]:
        return task.encode(rows, tokenizer, data.labels, seed, "test")

    ctx = task_context(model, task, data.labels)
    return TestSplit(task, features, ctx, tokenizer.pad_token_id, list(data.test), tokenize)


def test_features(task_dir: Path, limit: int | None = None) -> tuple[Task, Any, Any, list[Feature]]:
    """The task, data, tokenizer and encoded test split a manifest names (no model loaded):
    what a length check needs before anything runs."""
    import datasets

    # The build showed loading this split; re-loading it for a benchmark, its bars ("Casting
    # to class labels") interleave with the benchmark's own output and say nothing.
    datasets.disable_progress_bars()
    manifest = read_manifest(task_dir, verify=False)
    task = get_task(manifest["task"]["name"])
    source = manifest["data"]
    data_dir = Path(source["root"]) if source.get("kind") == "local" else None
    for entry in source.get("files", []):
        path = data_dir / entry["path"]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            raise DataError(
                f"{path} is missing or differs from the data {task_dir} was built "
                "on: restore it or rebuild with python -m export.build"
            )
    data = load_task_data(task, data_dir, manifest["seed"], None, limit)
    refuse_remote_code(task_dir, trust_remote_code=False)  # runtime_bench never runs it
    tokenizer = load_tokenizer(task_dir)
    features = encode(data, data.test, tokenizer, manifest["seed"], "test")
    return task, data, tokenizer, features


def evaluate_runner(
    runner: Runner,
    task_dir: str | Path,
    limit: int | None = None,
    batch_size: int = 1,
    progress: bool = True,
) -> EvalResult:
    """Score a loaded artifact on its task's test split, as recorded in the task's manifest."""
    split = load_test_split(Path(task_dir), limit)
    return evaluate(
        runner, split.task, split.features, split.ctx, split.pad_id, batch_size, progress=progress
    )
