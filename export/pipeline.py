"""The steps of one task's build, from data to fine-tuned checkpoint to contract files.

build.py strings these together; export.rescore reuses them to score artifacts on exactly the
data their manifest names.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import PreTrainedTokenizerBase

from export.device import is_main_process, world_size
from export.errors import ConfigError, DataError
from export.io import (
    CHECKPOINT_STAGING,
    as_json,
    atomic_path,
    disk_full,
    is_disk_full,
    read_json,
    write_json,
)
from export.lengths import LENGTH_SAMPLE
from export.manifest import check_checkpoint, file_entry
from export.models import ModelSpec, build_task_model, load_pretrained, load_tokenizer
from export.tasks.base import Feature, Task
from export.train import WORK_DIR, RunOptions, TrainConfig, fine_tune

TRAINING_RECORD = "training.json"
BENCH_EXAMPLES = 32
#: what the app and runtime_bench read beside the artifacts; the manifest hashes each
CONTRACT_FILES = ("vocab.txt", "labels.json", "task.json", "bench_inputs.json")


def auto_class(task: Task) -> Any:
    return getattr(transformers, task.auto_class_name)


@dataclass
class TaskData:
    task: Task
    labels: list[str]
    train: list[Any]  # what fine-tuning reads (--train-limit)
    test: list[Any]  # what every artifact is scored on (--eval-limit)
    #: up to export.lengths.LENGTH_SAMPLE training examples whatever --train-limit: the
    #: lengths users send, which a static-shape artifact's default lengths are chosen from
    length_sample: list[Any]
    source: dict[str, Any]


def load_task_data(
    task: Task, data_dir: Path | None, seed: int, train_limit: int | None, eval_limit: int | None
) -> TaskData:
    if train_limit is not None and train_limit <= 0:
        raise ConfigError(f"--train-limit must be at least 1 (got {train_limit})")
    if eval_limit is not None and eval_limit <= 0:
        raise ConfigError(f"--eval-limit must be at least 1 (got {eval_limit})")
    splits = task.load(data_dir, seed)
    labels = task.label_list(splits)
    every = splits.require("train")
    test = splits.require("test")[:eval_limit]
    return TaskData(task, labels, every[:train_limit], test, every[:LENGTH_SAMPLE], splits.source)


def encode(
    data: TaskData, examples: list[Any], tokenizer: PreTrainedTokenizerBase, seed: int, split: str
) -> list[Feature]:
    features = data.task.encode(examples, tokenizer, data.labels, seed, split)
    if not features:
        raise DataError(
            f"the {data.task.name} {split} split is empty after tokenization: check "
            f"{_source_name(data)}"
        )
    return features


# --- the fine-tuned checkpoint -------------------------------------------------------------------


def training_fingerprint(
    spec: ModelSpec, data: TaskData, config: TrainConfig, train_limit: int | None
) -> dict[str, Any]:
    """What decides whether a checkpoint (final or interrupted) can be reused. The device and
    precision do not; the number of processes does, as each takes its own batch of 16."""
    fingerprint = {
        "model": spec.to_manifest(),
        "task": data.task.name,
        "labels": data.labels,
        "train": config.to_manifest(),
        "train_limit": train_limit,
        "data": data.source,
    }
    if world_size() > 1:  # absent for one process, so earlier checkpoints stay valid
        fingerprint["world_size"] = world_size()
    return as_json(fingerprint)  # as training.json holds it, so that the two compare equal


def is_finetuned_for(spec: ModelSpec, task: Task, labels: list[str]) -> bool:
    """A local model directory that already carries this task's head and labels, loaded with
    its weights (under --init random its weights are not used: it is trained from scratch)."""
    config_path = Path(spec.source) / "config.json"
    if spec.builtin is not None or spec.init != "pretrained" or not config_path.is_file():
        return False
    config = json.loads(config_path.read_text())
    archs = config.get("architectures") or []
    if not any(task.has_head(a) for a in archs):
        return False
    id2label = config.get("id2label") or {}
    return not labels or [id2label.get(str(i)) for i in range(len(labels))] == labels


CHECKPOINT = "model.safetensors"


def obtain_model(
    spec: ModelSpec,
    data: TaskData,
    task_dir: Path,
    config: TrainConfig,
    train_limit: int | None,
    force: bool,
    log: Any,
    options: RunOptions,
) -> tuple[torch.nn.Module, dict]:
    """Reuse the checkpoint in task_dir when it was trained the same way; else fine-tune,
    resuming an interrupted run from task_dir/.trainer unless `force`.

    With several processes every one of them trains; only the main process writes.
    """
    fingerprint = training_fingerprint(spec, data, config, train_limit)
    record_path = task_dir / TRAINING_RECORD
    load = auto_class(data.task).from_pretrained
    load_options = {"attn_implementation": "eager", "use_safetensors": True}
    if not force and record_path.is_file() and (task_dir / CHECKPOINT).is_file():
        record = read_training_record(record_path)
        if record.get("fingerprint") == fingerprint:
            if "checkpoint" not in record:  # written before checkpoints were hashed
                record["checkpoint"] = file_entry(task_dir / CHECKPOINT)
                write_json(record_path, record)
            check_checkpoint(task_dir, record["checkpoint"], record_path)
            log(f"reusing the fine-tuned checkpoint in {task_dir} (pass --force to retrain)")
            model = load_pretrained(load, task_dir, spec.trust_remote_code, **load_options)
            return model.eval(), record
        log(f"{task_dir} was fine-tuned with other settings: fine-tuning again")
    if is_finetuned_for(spec, data.task, data.labels):
        log(f"{spec.source} is already fine-tuned for {data.task.name}: not training")
        model = load_pretrained(load, spec.source, spec.trust_remote_code, **load_options)
        tokenizer = load_tokenizer(spec.source, spec)
        record = {"fingerprint": fingerprint, "result": {"steps": 0, "reused_from": spec.source}}
    else:
        tokenizer = load_tokenizer(spec.source, spec)
        model = build_task_model(spec, auto_class(data.task), data.labels, config.seed)
        features = encode(data, data.train, tokenizer, config.seed, "train")
        work_dir = task_dir / WORK_DIR
        result = fine_tune(
            model,
            data.task,
            features,
            config,
            tokenizer.pad_token_id,
            options,
            work_dir,
            fingerprint,
            restart=force,
            log=log if is_main_process() else lambda message: None,
        )
        record = {"fingerprint": fingerprint, "result": result}
    if not is_main_process():
        return model.eval(), record
    save_checkpoint(model, tokenizer, task_dir)
    record["checkpoint"] = file_entry(task_dir / CHECKPOINT)
    write_json(record_path, record)  # written last: it marks the checkpoint complete
    shutil.rmtree(task_dir / WORK_DIR, ignore_errors=True)
    return model.eval(), record


def read_training_record(path: Path) -> dict[str, Any]:
    """training.json as a dict, or a one-line error naming it and the fix."""
    try:
        record = read_json(path)
    except ValueError as exc:
        raise DataError(
            f"{path} is not valid JSON ({exc}): pass --force to fine-tune again"
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("fingerprint"), dict):
        raise DataError(
            f"{path} is not a training record (no 'fingerprint' object): "
            "pass --force to fine-tune again"
        )
    return record


def save_checkpoint(
    model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, task_dir: Path
) -> None:
    """A standard Hugging Face directory, each file renamed into place whole."""
    task_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        dir=task_dir, prefix=f"{CHECKPOINT_STAGING}{os.getpid()}-"
    ) as tmp:
        try:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
        except Exception as exc:  # safetensors' Rust writer raises its own type
            if is_disk_full(exc):
                raise disk_full(task_dir / CHECKPOINT, exc) from exc
            raise
        for path in Path(tmp).iterdir():
            if path.is_file():
                with atomic_path(task_dir / path.name) as staged:
                    os.replace(path, staged)
            else:
                shutil.rmtree(task_dir / path.name, ignore_errors=True)
                os.replace(path, task_dir / path.name)


# --- contract files the app and the benchmarks read ----------------------------------------------


def write_contract_files(
    task_dir: Path,
    data: TaskData,
    tokenizer: PreTrainedTokenizerBase,
    test_features: list[Feature],
    max_seq_len: int,
    artifacts: dict[str, str],
    runtimes: dict[str, Any] | None = None,
    files: dict[str, dict[str, str]] | None = None,
) -> None:
    """vocab.txt, labels.json, task.json and bench_inputs.json: what the Android app reads.

    `artifacts` are the app's default runtime's files by precision; `runtimes` holds each other
    runtime's files and input convention (e.g. "litert": int32 inputs, one signature per
    sequence length); `files` names every on-device file's model, backend and quantization,
    so the app never re-derives them from file names."""
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    if [i for _, i in vocab] != list(range(len(vocab))):
        raise DataError("the tokenizer vocabulary has gaps in its ids: cannot write vocab.txt")
    with atomic_path(task_dir / "vocab.txt") as tmp:
        tmp.write_text("".join(token + "\n" for token, _ in vocab), encoding="utf-8")
    write_json(task_dir / "labels.json", data.labels)
    special = {
        "pad": tokenizer.pad_token_id,
        "unk": tokenizer.unk_token_id,
        "cls": tokenizer.cls_token_id,
        "sep": tokenizer.sep_token_id,
        "mask": tokenizer.mask_token_id,
    }
    write_json(
        task_dir / "task.json",
        {
            "task": data.task.name,
            "task_type": data.task.task_type,
            "max_length": data.task.max_length,
            "max_seq_len": max_seq_len,
            "input_names": list(data.task.input_names),
            "input_dtype": "int64",
            "output_name": "logits",
            "labels": data.labels,
            "do_lower_case": bool(getattr(tokenizer, "do_lower_case", True)),
            "vocab_file": "vocab.txt",
            "special_tokens": special,
            "mask_token_id": tokenizer.mask_token_id,
            "artifacts": artifacts,
            "runtimes": runtimes or {},
            "files": files or {},
        },
    )
    write_json(
        task_dir / "bench_inputs.json",
        {
            "task": data.task.name,
            "source": _source_name(data),
            "examples": [data.task.bench_example(f) for f in test_features[:BENCH_EXAMPLES]],
        },
    )


def _source_name(data: TaskData) -> str:
    files = data.source.get("files")
    return ", ".join(f["path"] for f in files) if files else str(data.source.get("dataset"))
