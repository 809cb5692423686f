"""One artifact: export it (or reuse it when its fingerprint and bytes still match), verify it
against eager through its own runtime, and describe it for the manifest."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from export.backends import load_backend
from export.backends.base import Backend, ExportRequest
from export.errors import ConfigError, first_line
from export.evaluate import EvalResult, Runner
from export.exportable import MASKED_LM_VERSION, decoder_layout, export_module
from export.io import as_json, atomic_path, sha256_file
from export.manifest import CORE_PACKAGES, artifact_entry, file_entry, package_versions
from export.options import BuildOptions
from export.pipeline import TaskData, encode
from export.progress import BuildProgress, log
from export.quantization import get_scheme, policy_for
from export.rewrite import REWRITE_VERSION, rewrite_for_export
from export.tasks.base import Feature, Task, TaskContext
from export.verify import verify

CALIBRATION_EXAMPLES = 32


@dataclass(frozen=True)
class TaskExport:
    """What every artifact of one task is exported from and verified against."""

    options: BuildOptions
    file_tag: str  # the model's part of artifact file names
    task_dir: Path
    task: Task
    data: TaskData
    tokenizer: Any
    features: list[Feature]  # the test split, encoded
    ctx: TaskContext
    eager: Any  # export.models reference module: (input_ids, attention_mask[, ...]) -> logits
    eager_run: Runner  # the CPU fp32 reference every artifact is verified against
    eager_result: EvalResult
    max_seq_len: int
    previous: dict[str, Any]  # the artifacts of the task's last manifest
    #: the build's progress lines (artifact k of N, ETA, heartbeat); None: a single artifact
    progress: BuildProgress | None = None

    @property
    def pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id)


def export_artifact(job: TaskExport, backend: Backend, precision: str) -> dict[str, Any]:
    """The manifest entry of `backend` x `precision`: exported and verified, or reused."""
    name = backend.artifact_name(job.file_tag, precision)
    path = job.task_dir / name
    policy = policy_for(job.eager.model.config, precision, job.task.name)
    fingerprint = export_fingerprint(job, backend.name, precision)
    old = job.previous.get(name)
    if not job.options.force and _reusable(job, old, fingerprint, path, backend):
        log(f"   {name}: up to date, skipped (pass --force to rebuild)")
        return old  # type: ignore[return-value]

    export_model, rewrite_info = prepare_for_export(
        job.eager, backend.name, backend.rewrite_target(policy), job.task.task_type, precision
    )
    request = ExportRequest(
        export_model,
        job.file_tag,
        precision,
        job.max_seq_len,
        job.task.example_inputs(job.features, job.pad_id),
        _calibration(job) if get_scheme(precision).quantized else [],
        quant_policy=policy,
        input_names=job.task.input_names,
        static_lengths=job.options.static_lengths,
        input_cap=job.task.max_length,
    )
    start = time.perf_counter()
    progress = job.progress or BuildProgress(total=1)
    with atomic_path(path) as tmp:
        with progress.exporting(name):
            info = backend.export(request, tmp)
        export_seconds = time.perf_counter() - start
        runner = backend.load(tmp, num_threads=1)
        check = verify(
            name,
            precision,
            runner,
            job.eager_run,
            job.task,
            job.features,
            job.ctx,
            job.pad_id,
            job.eager_result,
        )
        del runner
        files = file_entry(tmp) | {"file": name}
    entry = artifact_entry(
        files,
        backend,
        precision,
        job.max_seq_len,
        job.task.input_names,
        check,
        export_seconds=export_seconds,
        rewrite=rewrite_info,
        config=job.eager.model.config,
        fingerprint=fingerprint,
        backend_info=info,
    )
    _log_check(name, check, job.task.primary_metric)
    return entry


def check_static_lengths(task: str, features: list[Feature], lengths: tuple[int, ...]) -> None:
    """A static-shape artifact runs only inputs up to its longest signature, and verification
    runs every test example: the build refuses before fine-tuning rather than fail after it."""
    longest, top = max((len(f.input_ids) for f in features), default=0), max(lengths)
    if longest > top:
        raise ConfigError(
            f"{task}'s test split has a {longest}-token example but --static-lengths "
            f"stops at {top}: add a length of at least {longest} (for example "
            f"--static-lengths {','.join(map(str, sorted({*lengths, longest})))})"
        )


def _calibration(job: TaskExport) -> list[tuple[torch.Tensor, ...]]:
    """Real training inputs, one example each, for the quantizers that calibrate."""
    examples = job.data.train[:CALIBRATION_EXAMPLES]
    features = encode(job.data, examples, job.tokenizer, job.options.seed, "train")
    return [
        tuple(torch.from_numpy(a) for a in job.task.model_inputs([f], job.pad_id)) for f in features
    ]


def _log_check(name: str, check: Any, primary: str) -> None:
    flag = ""
    if check.flagged:
        worst, moved = check.worst_delta
        flag = f"  FLAGGED: int8 moves {worst} by {moved:+.2f} points (more than 1)"
    log(
        f"   {name}: max|diff| {check.max_abs_diff:.2e}, {primary} "
        f"{check.metrics[primary]:.4f} ({check.metric_deltas_points[primary]:+.2f} pts){flag}"
    )


def export_fingerprint(job: TaskExport, backend_name: str, precision: str) -> dict[str, Any]:
    """Everything an artifact depends on: equal fingerprints mean an equal export."""
    backend = load_backend(backend_name)
    fill_mask = job.task.task_type == "fill-mask"
    policy = policy_for(job.eager.model.config, precision, job.task.name)
    fingerprint = {
        "checkpoint": sha256_file(job.task_dir / "model.safetensors"),
        "backend": backend_name,
        "precision": precision,
        "max_seq_len": job.max_seq_len,
        "eval_limit": job.options.eval_limit,
        "rewrite_version": REWRITE_VERSION,
        "rewrite_opt_in": list(backend.info.rewrites),  # the catalog line's rules
        "inputs": list(job.task.input_names),
        "decoder": decoder_layout(backend_name, precision) if fill_mask else None,
        "masked_lm_version": MASKED_LM_VERSION if fill_mask else None,
        "policy": policy.to_manifest(),
        "versions": package_versions((*CORE_PACKAGES, *backend.info.packages)),
    }
    settings = backend.quant_settings(policy) if get_scheme(precision).quantized else {}
    if settings:
        fingerprint["quant_settings"] = settings
    if backend.static_shapes:  # the lengths the file holds, as the backend resolves them
        fingerprint["static_lengths"] = backend.signature_lengths(
            job.max_seq_len, job.task.max_length, job.options.static_lengths
        )
    # As the manifest will hold it (tuples become lists): compared with a manifest read back.
    return as_json(fingerprint)


def _reusable(
    job: TaskExport,
    old: dict[str, Any] | None,
    fingerprint: dict[str, Any],
    path: Path,
    backend: Backend,
) -> bool:
    """Same fingerprint, same bytes, and it still loads and runs through its runtime (a file
    replaced along with its recorded sha256 must not pass as up to date)."""
    if not old or old.get("fingerprint") != fingerprint or not path.is_file():
        return False
    if sha256_file(path) != old["sha256"]:
        return False
    try:
        backend.load(path, num_threads=1)(*job.task.model_inputs(job.features[:1], job.pad_id))
    except Exception as exc:  # each runtime raises its own types for a bad file
        log(f"   {path.name}: recorded but cannot run ({first_line(exc)[:120]}): exporting again")
        return False
    return True


def still_valid(job: TaskExport, built: dict[str, Any]) -> dict[str, Any]:
    """Earlier artifacts this run did not rebuild (a narrower --formats/--precisions): kept
    when they are still what this build would export, else their files are removed, so the
    manifest and the folder always agree."""
    kept = {}
    for name, entry in job.previous.items():
        if name in built:
            continue
        path = job.task_dir / name
        try:
            fingerprint = export_fingerprint(job, entry["format"], entry["precision"])
        except (KeyError, ConfigError):  # an entry from another version of the build
            fingerprint = None
        if (
            path.is_file()
            and entry.get("fingerprint") == fingerprint
            and sha256_file(path) == entry["sha256"]
        ):
            kept[name] = entry
            log(f"   {name}: not rebuilt this time, still valid, kept")
        elif path.is_file():
            path.unlink()
            log(f"   {name}: built from another checkpoint or settings, removed")
    return kept


def prepare_for_export(
    eager: Any, backend_name: str, target: str | None, task_type: str, precision: str = "fp32"
) -> tuple[Any, dict[str, Any]]:
    """The eager model in the form the exporters want: 1x1 convolutions become linears, the
    layout channels-last (export.rewrite), masked-LM decoding only the masked rows. It works
    on a copy: checkpoints never change. A None target (a backend whose policy says the
    rewrite does not pay) exports the model as it is."""
    if target is None:
        model, report = eager.model, {"applied": False, "disabled": True}
    else:
        result = rewrite_for_export(eager.model, target=target)
        model, report = result.model, result.report.to_manifest()
    return export_module(model, task_type, backend_name, precision), report
