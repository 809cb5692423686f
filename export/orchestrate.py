"""A build, task by task: fine-tune (or reuse the checkpoint), score eager PyTorch on the test
split, export and verify every format x precision, then write the contract files and manifest.
Every file is written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import torch

from export.artifact_export import (
    TaskExport,
    check_static_lengths,
    export_artifact,
    plan_of,
    still_valid,
)
from export.backends import CATALOG, get_backend, load_backend
from export.device import is_main_process, resolve_device, world_size
from export.errors import BuildError, ConfigError
from export.evaluate import device_runner, eager_runner, evaluate, task_context
from export.exportable import reference_module
from export.io import read_json, remove_stale_temporaries, scratch_tempdir, write_json
from export.locks import folder_lock
from export.manifest import MANIFEST, file_entry, read_manifest, task_manifest
from export.model_card import write_model_card
from export.models import ModelSpec, load_config, load_tokenizer, resolve
from export.options import BuildOptions
from export.pipeline import (
    CONTRACT_FILES,
    TaskData,
    encode,
    load_task_data,
    obtain_model,
    write_contract_files,
)
from export.progress import BuildProgress, log
from export.tasks import get_task
from export.tasks.base import Task
from export.train import RunOptions, TrainConfig


def run(options: BuildOptions, progress: BuildProgress | None = None) -> list[dict[str, Any]]:
    """Build every task; the summary of each (empty in processes that only train)."""
    if progress is None:
        progress = BuildProgress(
            len(options.tasks) * len(options.formats) * len(options.precisions)
        )
    spec = resolve(options.model, options.init, options.tiny, options.trust_remote_code)
    tasks = [get_task(name) for name in options.tasks]
    placement = RunOptions(resolve_device(options.device), options.save_steps)
    retrain = options.force
    check_lengths_up_front(spec, options)
    # Every task's data read and checked before anything is locked, trained or written.
    datas = [checked_data(spec, task, options) for task in tasks]
    if world_size() > 1:
        # Every process trains every task first; then the main process alone evaluates, exports
        # and writes, reusing the checkpoints, while the others have nothing left to wait for.
        for data in datas:
            with task_lock(spec, data.task, options):
                train_task(spec, data, options, placement, options.force)
        if not is_main_process():
            return []
        retrain = False
    summaries = []
    for data in datas:
        with task_lock(spec, data.task, options):
            summaries.append(build_task(spec, data, options, placement, retrain, progress))
    return summaries


def task_lock(spec: ModelSpec, task: Task, options: BuildOptions) -> Any:
    """The task folder's lock (export.locks), held by the process that writes there."""
    if not is_main_process():
        return contextlib.nullcontext()
    return folder_lock(
        options.task_dir(spec.tag, task.name), f"export.build {spec.tag}/{task.name}"
    )


def check_lengths_up_front(spec: ModelSpec, options: BuildOptions) -> None:
    """--static-lengths longer than the model's positions fail before any work."""
    lengths = options.static_lengths
    if not lengths or not any(load_backend(n).static_shapes for n in options.formats):
        return
    limit = int(load_config(spec).max_position_embeddings)
    if max(lengths) > limit:
        raise ConfigError(
            f"--static-lengths {max(lengths)} is longer than {spec.tag}'s {limit} positions: "
            f"use lengths up to {limit}"
        )


def checked_data(spec: ModelSpec, task: Task, options: BuildOptions) -> TaskData:
    """The task's data, read and checked (static lengths included) before any work."""
    data = load_task_data(
        task, options.data_dir, options.seed, options.train_limit, options.eval_limit
    )
    lengths = options.static_lengths
    if lengths and any(load_backend(name).static_shapes for name in options.formats):
        tokenizer = load_tokenizer(spec.source, spec)
        test = encode(data, data.test, tokenizer, options.seed, "test")
        check_static_lengths(task.name, test, lengths)  # before minutes of fine-tuning
    return data


def train_task(
    spec: ModelSpec, data: TaskData, options: BuildOptions, placement: RunOptions, retrain: bool
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The task's fine-tuned model (trained, resumed or reused) and its training record."""
    task = data.task
    task_dir = options.task_dir(spec.tag, task.name)
    if is_main_process():  # under the task folder's lock: no other writer is there
        for name in remove_stale_temporaries(task_dir):
            log(f"   removed {name}, left behind by an interrupted run")
    config = TrainConfig(
        epochs=options.epochs if options.epochs is not None else task.epochs,
        learning_rate=options.lr,
        batch_size=options.batch_size,
        max_steps=options.max_steps,
        seed=options.seed,
    )
    threads = options.threads or (os.cpu_count() or 1) // world_size()
    torch.set_num_threads(max(1, threads))
    model, training = obtain_model(
        spec, data, task_dir, config, options.train_limit, retrain, log, placement
    )
    return model, training


def build_task(
    spec: ModelSpec,
    data: TaskData,
    options: BuildOptions,
    placement: RunOptions,
    retrain: bool,
    progress: BuildProgress,
) -> dict[str, Any]:
    started = time.perf_counter()
    task = data.task
    task_dir = options.task_dir(spec.tag, task.name)
    progress.stage(f"== {spec.tag} / {task.name}: {task.description}")
    progress.stage(f"{task.name}: fine-tuning")
    model, training = train_task(spec, data, options, placement, retrain)
    tokenizer = load_tokenizer(task_dir, trust_remote_code=spec.trust_remote_code)

    # Eager reference on one thread, as the artifacts are run; batched on the training device.
    torch.set_num_threads(1)
    features = encode(data, data.test, tokenizer, options.seed, "test")
    ctx = task_context(model, task, data.labels)
    eager = reference_module(model, task.decodes_masked_rows)
    device = placement.placement.device
    progress.stage(f"{task.name}: scoring eager PyTorch on the test split ({device})")
    with device_runner(eager, device) as run_on_device:
        eager_result = evaluate(
            run_on_device,
            task,
            features,
            ctx,
            tokenizer.pad_token_id,
            options.eval_batch_size,
            desc=f"evaluate eager ({device})",
        )
    write_json(
        task_dir / "metrics.json",
        {"split": "test", "examples": eager_result.examples, "metrics": eager_result.metrics},
    )
    log(f"   eager: {format_metrics(eager_result.metrics)}")

    job = TaskExport(
        options=options,
        file_tag=spec.file_tag,
        task_dir=task_dir,
        task=task,
        data=data,
        tokenizer=tokenizer,
        features=features,
        ctx=ctx,
        eager=eager,
        eager_run=eager_runner(eager),
        eager_result=eager_result,
        max_seq_len=int(model.config.max_position_embeddings),
        previous=_previous_artifacts(task_dir),
        progress=progress,
    )
    backends = [get_backend(name) for name in options.formats]
    artifacts: dict[str, Any] = {}
    for backend in backends:
        for precision in options.precisions:
            plan = plan_of(job, backend, precision)
            # every library's temporary files go to the scratch folder; cleaned if killed
            with progress.artifact(f"{task.name}/{plan.file}"), scratch_tempdir(task_dir):
                entry = export_artifact(job, backend, plan)
            artifacts[entry["file"]] = entry
    artifacts |= still_valid(job, artifacts)

    app = {e["precision"]: n for n, e in artifacts.items() if CATALOG[e["format"]].app_default}
    runtimes = {b.name: s for b in backends if (s := b.task_json(artifacts)) is not None}
    files = {
        name: e["plan"]["file_fields"]
        for name, e in artifacts.items()
        if CATALOG[e["format"]].on_device
    }
    write_contract_files(task_dir, data, tokenizer, features, job.max_seq_len, app, runtimes, files)
    manifest = task_manifest(
        spec,
        model.config,
        task,
        data,
        seed=options.seed,
        eval_limit=options.eval_limit,
        max_seq_len=job.max_seq_len,
        training=training,
        eager_result=eager_result,
        artifacts=artifacts,
        build_seconds=time.perf_counter() - started,
        contract_files={name: file_entry(task_dir / name) for name in CONTRACT_FILES},
    )
    write_json(task_dir / MANIFEST, manifest)
    write_model_card(task_dir, read_json(task_dir / MANIFEST))  # as written: plain JSON types
    return {
        "tag": spec.tag,
        "task": task.name,
        "dir": str(task_dir),
        "eager": eager_result.metrics,
        "primary": task.primary_metric,
        "artifacts": artifacts,
    }


def _previous_artifacts(task_dir: Any) -> dict[str, Any]:
    try:
        return read_manifest(task_dir, verify=False).get("artifacts", {})
    except BuildError:
        return {}


def format_metrics(metrics: dict[str, float]) -> str:
    return ", ".join(
        f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()
    )
