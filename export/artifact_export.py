"""One artifact: plan it (export.plan), export it (or reuse it when its fingerprint and bytes
still match), verify it against eager through its own runtime, and describe it for the
manifest, which records the plan verbatim."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from export.arch import arch_for
from export.backends import load_backend
from export.backends.base import Backend, ExportRequest
from export.errors import ConfigError, first_line
from export.evaluate import EvalResult, Runner
from export.exportable import MASKED_LM_VERSION, export_module
from export.io import as_json, atomic_path, sha256_file
from export.manifest import CORE_PACKAGES, artifact_entry, file_entry, package_versions
from export.options import BuildOptions
from export.pipeline import TaskData, encode
from export.plan import ExportPlan, plan_for
from export.progress import BuildProgress, log
from export.quantization import get_scheme
from export.quiet import native_teardown
from export.rewrite import REWRITE_VERSION, rewrite_for_export, rule_versions
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

    @cached_property
    def train_lengths(self) -> tuple[int, ...]:
        """Token lengths of `data.length_sample`, encoded as the model is fed: what a
        static-shape backend chooses its default lengths from. Encoded on first use, so a
        build without a static-shape artifact does not pay for it."""
        sample = encode(
            self.data, self.data.length_sample, self.tokenizer, self.options.seed, "train"
        )
        return tuple(len(f.input_ids) for f in sample)


def plan_of(job: TaskExport, backend: Backend, precision: str) -> ExportPlan:
    """The plan of one artifact of this task (export.plan): decided once, then fingerprinted,
    exported and recorded from."""
    return plan_for(
        arch_for(job.eager.model.config),
        backend,
        precision,
        job.task,
        file_tag=job.file_tag,
        max_seq_len=job.max_seq_len,
        static_lengths=job.options.static_lengths,
        length_sample=job.train_lengths if backend.static_shapes else (),
    )


def export_artifact(job: TaskExport, backend: Backend, plan: ExportPlan) -> dict[str, Any]:
    """The manifest entry of `plan`'s artifact: exported and verified, or reused."""
    name, precision = plan.file, plan.precision
    path = job.task_dir / name
    fingerprint = export_fingerprint(job, backend, plan)
    old = job.previous.get(name)
    if not job.options.force and _reusable(job, old, fingerprint, path, backend):
        log(f"   {name}: up to date, skipped (pass --force to rebuild)")
        return old  # type: ignore[return-value]

    export_model, rewrite_info = prepare_for_export(job.eager, plan)
    request = ExportRequest(
        export_model,
        plan,
        job.task.example_inputs(job.features, job.pad_id),
        _calibration(job) if get_scheme(precision).quantized else [],
        input_names=job.task.input_names,
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
        with native_teardown():  # LiteRT logs every environment it frees
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
    entry["plan"] = plan.to_manifest()
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


def export_fingerprint(job: TaskExport, backend: Backend, plan: ExportPlan) -> dict[str, Any]:
    """Everything an artifact depends on: its plan, the checkpoint and inputs it is exported
    from, and the code versions. Equal fingerprints mean an equal export."""
    masked_lm = job.task.decodes_masked_rows
    fingerprint = {
        "plan": plan.to_manifest(),
        "checkpoint": sha256_file(job.task_dir / "model.safetensors"),
        "eval_limit": job.options.eval_limit,
        "rewrite_version": REWRITE_VERSION,
        "inputs": list(job.task.input_names),
        "masked_lm_version": MASKED_LM_VERSION if masked_lm else None,
        "versions": package_versions((*CORE_PACKAGES, *backend.info.packages)),
    }
    bumped = rule_versions(plan.rewrite_rules)
    if bumped:  # absent until a rule of this plan is bumped, so other artifacts stay valid
        fingerprint["rule_versions"] = bumped
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
        try:  # the plan this build would make for it; an entry without one is rebuilt
            backend = load_backend(entry["format"])
            plan = plan_of(job, backend, entry["precision"])
            fingerprint = export_fingerprint(job, backend, plan) if "plan" in entry else None
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
            why = "from another checkpoint or settings"
            if "plan" not in entry:  # old naming: this build wrote its successor
                why = "by an older build (before export plans and today's file names)"
            log(f"   {name}: exported {why}, removed")
    return kept


def prepare_for_export(eager: Any, plan: ExportPlan) -> tuple[Any, dict[str, Any]]:
    """The eager model in the form the exporters want: the plan's export.rewrite rules
    applied (on a copy: checkpoints never change), masked-LM decoding only the masked rows in
    the plan's decoder layout."""
    result = rewrite_for_export(eager.model, rules=plan.rewrite_rules, target=plan.backend)
    module = export_module(result.model, plan.decoder_layout, bool(plan.masked_rows))
    return module, result.report.to_manifest()
