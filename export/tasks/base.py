"""What every task provides: its data, preprocessing, model head and metric, in one module.

Evaluation streams: `predict` reduces each batch of logits to small per-example predictions
(masked-LM logits are [L, 30522] per example and would not fit in memory for a whole split),
and `score` turns all predictions into the task's metrics.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from export.errors import DataError
from export.io import sha256_file

SPLITS = ("train", "validation", "test")
IGNORE = -100  # the label of positions that carry no loss and no metric


@dataclass
class Splits:
    """Examples per split, plus where they came from (for the manifest)."""

    examples: dict[str, list[Any]]
    source: dict[str, Any]
    origin: dict[str, str] = field(default_factory=dict)  # split -> the file or dataset it is from

    def require(self, split: str) -> list[Any]:
        rows = self.examples.get(split) or []
        if not rows:
            where = self.origin.get(split, "the data files")
            raise DataError(f"the {split} split is empty after filtering: check {where}")
        return rows


@dataclass
class Feature:
    """One tokenized example: ids without padding, and its labels (-100 where unlabelled)."""

    input_ids: list[int]
    labels: list[int] | int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskContext:
    """What scoring needs beyond predictions: labels and, for masked-LM, input embeddings."""

    labels: list[str]
    embeddings: np.ndarray | None = None


def describe_files(root: Path, files: list[Path]) -> dict[str, Any]:
    return {
        "kind": "local",
        "root": str(root),
        "files": [
            {"path": str(f.relative_to(root)), "sha256": sha256_file(f), "bytes": f.stat().st_size}
            for f in files
        ],
    }


def describe_hub(name: str, data: Any) -> dict[str, Any]:
    """Where hub data came from: the dataset id and each split's content fingerprint."""
    splits = data if hasattr(data, "keys") else {"train": data}
    return {
        "kind": "hub",
        "dataset": name,
        "fingerprints": {split: splits[split]._fingerprint for split in splits},
    }


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise DataError(
            f"missing data file {path}: pass --data-dir pointing at a folder laid "
            "out like shared/data (see README)"
        )
    return path


def read_lines(path: Path) -> list[str]:
    """A text data file's lines, split as open(path) would (universal newlines)."""
    return io.StringIO(read_text_file(path), newline=None).readlines()


def read_text_file(path: Path) -> str:
    """A data file as UTF-8 text, without a byte-order mark (editors on Windows add one); stray
    bytes are named by file, line and byte."""
    try:
        data = require_file(path).read_bytes()
    except PermissionError:
        raise DataError(
            f"{path} is not readable (permission denied): chmod +r it or pass a --data-dir "
            "you can read"
        ) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{path}:{line}: byte 0x{data[exc.start]:02x} is not UTF-8: re-save the file as "
            "UTF-8 (e.g. iconv -f latin1 -t utf-8)"
        ) from None


#: task_type names that folders built before the Hugging Face pipeline tags wrote -> the tag
LEGACY_TASK_TYPES = {"sequence-classification": "text-classification"}


def pipeline_tag(task_type: str) -> str:
    """The Hugging Face pipeline tag of a task.json/manifest task type, old names included."""
    return LEGACY_TASK_TYPES.get(task_type, task_type)


class Task(ABC):
    name: ClassVar[str]
    #: the Hugging Face pipeline tag: fill-mask | text-classification | token-classification
    task_type: ClassVar[str]
    auto_class_name: ClassVar[str]  # transformers AutoModelFor... class
    #: masked-LM: inputs add mask_positions and the export decodes only those rows
    #: (export.exportable.MaskedLmExportable, verified against the full decode)
    decodes_masked_rows: ClassVar[bool] = False

    @classmethod
    def has_head(cls, architecture: str) -> bool:
        """Whether a Hugging Face architecture name (e.g. "BertForMaskedLM") carries this
        task's head (the one `auto_class_name` loads)."""
        return architecture.endswith("For" + cls.auto_class_name.removeprefix("AutoModelFor"))

    max_length: ClassVar[int]
    epochs: ClassVar[int]
    hub_dataset: ClassVar[str]
    primary_metric: ClassVar[str]
    description: ClassVar[str]
    #: the artifacts' inputs, in call order (all int64 [batch, ...])
    input_names: ClassVar[tuple[str, ...]] = ("input_ids", "attention_mask")

    # --- data -----------------------------------------------------------------------------------
    @abstractmethod
    def load_local(self, data_dir: Path, seed: int) -> Splits: ...

    @abstractmethod
    def load_hub(self, seed: int) -> Splits: ...

    def load(self, data_dir: Path | None, seed: int) -> Splits:
        if data_dir is None:
            return self.load_hub(seed)
        if data_dir.exists() and not data_dir.is_dir():
            raise DataError(
                f"--data-dir {data_dir} is a file, not a folder: pass a folder laid out like "
                "shared/data (conll2003/, news/, dailydialog/)"
            )
        if not data_dir.is_dir():
            raise DataError(
                f"--data-dir {data_dir} does not exist: pass a folder laid out like "
                "shared/data (conll2003/, news/, dailydialog/)"
            )
        return self.load_local(data_dir, seed)

    @abstractmethod
    def label_list(self, splits: Splits) -> list[str]:
        """Labels come from the data, never from a hard-coded list ([] for masked-LM)."""

    # --- preprocessing --------------------------------------------------------------------------
    @abstractmethod
    def encode(
        self,
        examples: list[Any],
        tokenizer: PreTrainedTokenizerBase,
        labels: list[str],
        seed: int,
        split: str,
    ) -> list[Feature]: ...

    def collate(self, features: list[Feature], pad_id: int) -> dict[str, torch.Tensor]:
        """Dynamic padding: each batch is padded to its own longest example."""
        width = max(len(f.input_ids) for f in features)
        ids = torch.full((len(features), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, feature in enumerate(features):
            ids[row, : len(feature.input_ids)] = torch.tensor(feature.input_ids)
            mask[row, : len(feature.input_ids)] = 1
        batch = {"input_ids": ids, "attention_mask": mask}
        if isinstance(features[0].labels, list):
            labels = torch.full((len(features), width), IGNORE, dtype=torch.long)
            for row, feature in enumerate(features):
                labels[row, : len(feature.labels)] = torch.tensor(feature.labels)
            batch["labels"] = labels
        else:
            batch["labels"] = torch.tensor([f.labels for f in features], dtype=torch.long)
        return batch

    def model_inputs(self, features: list[Feature], pad_id: int) -> tuple[np.ndarray, ...]:
        """The arrays an artifact takes for these features, in `input_names` order."""
        batch = self.collate(features, pad_id)
        return tuple(batch[name].numpy() for name in self.input_names)

    def example_inputs(self, features: list[Feature], pad_id: int) -> tuple[torch.Tensor, ...]:
        """Tracing inputs for the exporters: every dynamic axis at least 2 long."""
        return tuple(torch.from_numpy(a) for a in self.model_inputs(features[:2], pad_id))

    def output_rows(self, features: list[Feature], inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        """Which rows of token-level logits [B, rows, C] carry meaning (not padding)."""
        return inputs[self.input_names.index("attention_mask")].astype(bool)

    def bench_example(self, feature: Feature) -> dict[str, Any]:
        """One entry of bench_inputs.json, the examples runtime_bench and the app time."""
        return {"input_ids": feature.input_ids}

    # --- metric ---------------------------------------------------------------------------------
    @abstractmethod
    def predict(self, logits: np.ndarray, features: list[Feature]) -> list[Any]:
        """Reduce a batch of logits to small per-example predictions."""

    @abstractmethod
    def score(
        self, predictions: list[Any], features: list[Feature], ctx: TaskContext
    ) -> dict[str, float]: ...

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.task_type,
            "max_length": self.max_length,
            "epochs": self.epochs,
            "hub_dataset": self.hub_dataset,
            "primary_metric": self.primary_metric,
        }


def load_hub_dataset(name: str, **kwargs: Any) -> Any:
    """Load a dataset from the Hugging Face hub, failing in one line when offline."""
    try:
        from datasets import load_dataset

        return load_dataset(name, **kwargs)
    except Exception as exc:  # datasets raises many types for network failures
        raise DataError(
            f"cannot load the dataset '{name}' from the Hugging Face hub (offline?): pass "
            "--data-dir DIR with a local copy laid out like shared/data"
        ) from exc


#: every task, by name; filled by `register_task` as export.tasks imports each task's module
TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    TASKS[cls.name] = cls
    return cls
