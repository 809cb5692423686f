"""The Python API: build from Python, load a task folder, call it on text.

    from export import build, load

    folders = build("squeezebert", tasks=["ner"], data_dir="../shared/data", out="artifacts")
    ner = load("artifacts/squeezebert/ner", backend="onnx", precision="int8")
    ner("Angela Merkel visited Paris.")   # [Entity(label='PER', start=0, end=13, ...), ...]

A loaded folder offers the tasks the Android app's Java core offers, computed the same way:
fill-mask top-k per [MASK] (softmax over the vocabulary, no filtering), the labels ranked by
softmax probability, and entities from each word's first sub-word by BIO decoding (the chunks
the entity F1 counts), with character offsets into the text. The artifact runs through its own
runtime (export.backends' Runner), the text through the folder's fast tokenizer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.backends import CATALOG, FORMAT_NAMES
from export.errors import ConfigError
from export.tasks.base import pipeline_tag

DEFAULT_TOP_K = 5


@dataclass(frozen=True)
class LabelScore:
    label: str
    score: float  # softmax probability


@dataclass(frozen=True)
class MaskPrediction:
    """The top candidates for one [MASK], most probable first."""

    position: int  # token index of the [MASK] ([CLS] is 0)
    candidates: list[tuple[str, float]]  # (token, probability)


@dataclass(frozen=True)
class Entity:
    label: str  # e.g. "PER"
    start: int  # character offsets into the text: text[start:end] is the entity
    end: int
    text: str


def build(
    model: str,
    tasks: Sequence[str] = ("mlm", "news", "ner"),
    *,
    data_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "artifacts",
    formats: Sequence[str] | None = None,
    precisions: Sequence[str] | None = None,
    quiet: bool = False,
    **options: Any,
) -> list[Path]:
    """Fine-tune, export and verify, as `squeezebert-mobile build` does; the task folders.

    `options` are the command's other options by their Python names (init="random",
    tiny=True, eval_limit=24, ...). Failures raise export.errors.BuildError subclasses."""
    from export.build import build_parser
    from export.options import BuildOptions
    from export.orchestrate import run
    from export.progress import quieted

    args = build_parser().parse_args(["--model", model])
    given = {"tasks": tasks, "data_dir": data_dir, "out": out}
    given |= {"formats": formats, "precisions": precisions} | options
    for name, value in given.items():
        if not hasattr(args, name) or name in ("json", "quiet", "verbose"):
            raise ConfigError(
                f"build() has no option {name!r}: see squeezebert-mobile build --help"
            )
        if value is None and name in ("formats", "precisions"):
            continue
        if name in ("tasks", "formats", "precisions") and not isinstance(value, str):
            value = ",".join(value)
        elif name in ("data_dir", "out") and value is not None:
            value = Path(value)
        setattr(args, name, value)
    with quieted(quiet):
        summary = run(BuildOptions.from_args(args))
    return [Path(item["dir"]) for item in summary]


class TaskModel:
    """One artifact of a task folder, ready to call on text (see `load`)."""

    def __init__(self, task_dir: Path, runner: Any, tokenizer: Any, task: dict[str, Any]) -> None:
        self.task_dir = task_dir
        self.runner = runner
        self.tokenizer = tokenizer
        self.task_type = pipeline_tag(task["task_type"])
        self.labels: list[str] = list(task["labels"])
        self.max_length = int(task["max_length"])

    def __call__(self, text: str, top_k: int = DEFAULT_TOP_K) -> Any:
        """fill-mask: `fill_mask`; text-classification: `classify`; NER: `entities`."""
        if self.task_type == "fill-mask":
            return self.fill_mask(text, top_k)
        if self.task_type == "text-classification":
            return self.classify(text)
        return self.entities(text)

    def _encode(self, text: str) -> Any:
        return self.tokenizer(
            text, truncation=True, max_length=self.max_length, return_offsets_mapping=True
        )

    def _run(self, ids: list[int], *extra: np.ndarray) -> np.ndarray:
        input_ids = np.asarray([ids], dtype=np.int64)
        return np.asarray(self.runner(input_ids, np.ones_like(input_ids), *extra))

    def fill_mask(self, text: str, top_k: int = DEFAULT_TOP_K) -> list[MaskPrediction]:
        """The `top_k` tokens for each [MASK] in `text`, with softmax probabilities."""
        self._expect("fill-mask")
        ids = self._encode(text)["input_ids"]
        positions = [i for i, t in enumerate(ids) if t == self.tokenizer.mask_token_id]
        if not positions:
            raise ConfigError(f"fill-mask needs a {self.tokenizer.mask_token} in the text")
        logits = self._run(ids, np.asarray([positions], dtype=np.int64))[0]
        predictions = []
        for position, row in zip(positions, logits, strict=True):
            probs = _softmax(row)
            top = np.argsort(-probs, kind="stable")[:top_k]
            tokens = self.tokenizer.convert_ids_to_tokens([int(i) for i in top])
            pairs = [(t, float(probs[i])) for t, i in zip(tokens, top, strict=True)]
            predictions.append(MaskPrediction(position, pairs))
        return predictions

    def classify(self, text: str) -> list[LabelScore]:
        """Every label with its softmax probability, most probable first."""
        self._expect("text-classification")
        probs = _softmax(self._run(self._encode(text)["input_ids"])[0])
        order = np.argsort(-probs, kind="stable")
        return [LabelScore(self.labels[i], float(probs[i])) for i in order]

    def entities(self, text: str) -> list[Entity]:
        """Entities by BIO decoding of each word's first sub-word label (as the F1 counts)."""
        from seqeval.metrics.sequence_labeling import get_entities

        self._expect("token-classification")
        enc = self._encode(text)
        best = self._run(enc["input_ids"])[0].argmax(-1)
        first: dict[int, int] = {}  # word -> its first token
        last: dict[int, int] = {}
        for token, word in enumerate(enc.word_ids()):
            if word is not None:
                first.setdefault(word, token)
                last[word] = token
        words = sorted(first)
        tags = [self.labels[int(best[first[w]])] for w in words]
        spans = []
        for label, a, b in get_entities(tags):
            start = enc["offset_mapping"][first[words[a]]][0]
            end = enc["offset_mapping"][last[words[b]]][1]
            spans.append(Entity(label, start, end, text[start:end]))
        return spans

    def _expect(self, task_type: str) -> None:
        if self.task_type != task_type:
            raise ConfigError(f"{self.task_dir} is a {self.task_type} model, not {task_type}")


def load(
    task_dir: str | os.PathLike[str],
    backend: str = "onnx",
    precision: str = "fp32",
    num_threads: int = 1,
) -> TaskModel:
    """The task folder's `backend` x `precision` artifact (checked against its manifest's
    sha256), with the folder's tokenizer and labels."""
    from export.backends import load_backend
    from export.manifest import check_artifact, read_manifest
    from export.models import load_tokenizer

    folder = Path(task_dir)
    manifest = read_manifest(folder, verify=False)
    name = FORMAT_NAMES.get(backend)
    found = {
        (FORMAT_NAMES.get(e["format"]), e["precision"]): file
        for file, e in manifest["artifacts"].items()
    }
    if (name, precision) not in found:
        have = ", ".join(f"{b}/{p}" for b, p in sorted(found, key=str))
        raise ConfigError(f"{folder} has no {backend} {precision} artifact: it has {have}")
    file = found[(name, precision)]
    check_artifact(folder / file, manifest["artifacts"][file])
    runner_path = CATALOG[name].torch_free_runner
    if runner_path:  # no torch needed (onnxruntime)
        module, cls = runner_path.split(":")
        runner = getattr(__import__(module, fromlist=[cls]), cls)(folder / file, num_threads)
    else:
        runner = load_backend(name).load(folder / file, num_threads=num_threads)
    task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    return TaskModel(folder, runner, load_tokenizer(folder), task)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x.astype(np.float64) - x.max())
    return e / e.sum()
