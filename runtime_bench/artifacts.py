"""Find, verify and select the artifacts `export.build` wrote.

Every task directory (`<artifacts>/<model-tag>/<task>/manifest.json`) yields one eager
reference (the Hugging Face model directory the exporters started from) plus one entry per
artifact in its manifest. Manifests are read with sha256 verification, so a corrupted file is
refused before anything is timed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.backends import CATALOG, FORMAT_NAMES
from export.errors import ArtifactIntegrityError
from export.lists import parse_names
from export.manifest import TaskManifest, check_contract_files, load_manifest
from export.quantization import PRECISION_ALIASES, REFERENCE_PRECISION
from runtime_bench.errors import BenchError

log = logging.getLogger("runtime_bench")

#: the eager PyTorch reference every artifact is compared with, benchmarked as a backend
EAGER = "eager"
BACKENDS = (EAGER, *CATALOG)
#: manifest "format" -> runtime_bench backend name
FORMAT_TO_BACKEND = FORMAT_NAMES
#: position of each backend in tables and plots
BACKEND_ORDER = {name: i for i, name in enumerate(BACKENDS)}
BACKEND_COLORS = {EAGER: "tab:gray"} | {name: info.color for name, info in CATALOG.items()}
#: backends whose files the app's BenchmarkActivity times on a phone
DEVICE_BACKENDS = tuple(name for name, info in CATALOG.items() if info.on_device)
#: backend -> the same runtime's export without export.rewrite
STOCK_OF = {name: info.stock for name, info in CATALOG.items() if info.stock}
ARTIFACT_SUFFIXES = tuple(dict.fromkeys(info.extension for info in CATALOG.values()))
#: what a model tag, task or file name from a manifest may look like: these strings become path
#: parts on this host and on a phone, so no separators, no "."/".." and no leading "-"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")


@dataclass(frozen=True)
class ArtifactSpec:
    """One thing to benchmark: an artifact file, or the eager model of a task directory."""

    model: str  # manifest model name, e.g. "squeezebert"
    model_tag: str  # e.g. "squeezebert-random"
    task: str
    backend: str  # eager | onnx | executorch | litert | litert-stock
    precision: str  # fp32 | int8
    task_dir: Path
    file: str  # file name inside task_dir ("" for eager)
    size_bytes: int
    sha256: str
    max_seq_len: int
    #: a static-shape artifact's signature lengths (empty: any length up to max_seq_len)
    signatures: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.model_tag}/{self.task}/{self.backend}/{self.precision}"

    @property
    def path(self) -> Path:
        return self.task_dir / self.file if self.file else self.task_dir

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_tag": self.model_tag,
            "task": self.task,
            "backend": self.backend,
            "precision": self.precision,
            "file": self.file,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "max_seq_len": self.max_seq_len,
        }


def parse_list(value: str | None, allowed: tuple[str, ...] | None, option: str) -> list[str] | None:
    """A comma-list filter (None: no filter); a one-line error for a name outside `allowed`."""
    return None if value is None else parse_names(value, option, allowed, error=BenchError)


def find_task_dirs(root: Path) -> list[Path]:
    """Task directories (those holding manifest.json) under `root`; errors if there are none."""
    if not root.exists():
        raise BenchError(
            f"artifacts directory {root} does not exist; build it with `python -m export.build`"
        )
    if not root.is_dir():
        raise BenchError(f"--artifacts {root} is not a directory; pass the export.build output dir")
    dirs = sorted(p.parent for p in root.rglob("manifest.json"))
    unlisted = sorted(
        {p.parent for ext in ARTIFACT_SUFFIXES for p in root.rglob(f"*{ext}")} - set(dirs)
    )
    for task_dir in unlisted:
        log.warning(
            "skipping %s: artifacts without a manifest.json (an unfinished build?); "
            "rerun python -m export.build for it",
            task_dir,
        )
    if not dirs:
        raise BenchError(
            f"artifacts directory {root} holds no manifest.json; build artifacts with "
            "`python -m export.build` or point --artifacts at its output"
        )
    return dirs


def safe_name(value: str, what: str, task_dir: Path) -> str:
    """`value` if it is a plain file-name part; else a one-line error (it came from a manifest)."""
    if SAFE_NAME.fullmatch(value) is None:
        raise ArtifactIntegrityError(  # a manifest no build writes: integrity, exit 8
            f"unsafe {what} {value!r} in {task_dir / 'manifest.json'}: names that become paths "
            "(here and on a phone) may hold only letters, digits and . _ + - and must start "
            "with a letter or digit; rebuild the folder with python -m export.build"
        )
    return value


def verify(specs: list[ArtifactSpec]) -> None:
    """sha256-check the selected artifacts against their manifests, before anything is timed.

    Only what is selected is checked: a corrupt .pte must not stop a `--backends onnx` run.
    """
    from export.manifest import check_artifact

    for spec in specs:
        if spec.file:
            check_artifact(spec.path, {"sha256": spec.sha256})


def _eager_size(task_dir: Path) -> int:
    """Size of the eager model's weights (the Hugging Face dir's model.safetensors)."""
    weights = sorted(task_dir.rglob("model.safetensors"))
    return weights[0].stat().st_size if weights else 0


def specs_for_task_dir(manifest: TaskManifest) -> list[ArtifactSpec]:
    """The eager reference plus every artifact listed in one manifest."""
    task_dir = manifest.task_dir
    max_len = manifest.max_seq_len
    common = {
        "model": manifest.model_name,
        "model_tag": safe_name(manifest.model_tag, "model tag", task_dir),
        "task": safe_name(manifest.task_name, "task name", task_dir),
        "task_dir": task_dir,
    }
    specs = [
        ArtifactSpec(
            backend=EAGER,
            precision=REFERENCE_PRECISION,
            file="",
            size_bytes=_eager_size(task_dir),
            sha256="",
            max_seq_len=max_len,
            **common,
        )
    ]
    for name, entry in sorted(manifest.artifacts.items()):
        backend = FORMAT_TO_BACKEND.get(str(entry.get("format", "")).lower())
        precision = PRECISION_ALIASES.get(str(entry.get("precision", "")).lower())
        if backend is None or precision is None:
            continue  # a format this benchmark does not run (none today)
        file = safe_name(str(entry.get("file") or name), "artifact file name", task_dir)
        size = entry.get("size_bytes")
        specs.append(
            ArtifactSpec(
                backend=backend,
                precision=precision,
                file=file,
                size_bytes=int(size) if size is not None else (task_dir / file).stat().st_size,
                sha256=str(entry.get("sha256", "")),
                max_seq_len=int(entry.get("max_seq_len") or max_len),
                signatures=tuple(sorted(int(v) for v in (entry.get("signatures") or {}).values())),
                **common,
            )
        )
    return specs


def discover(
    root: Path,
    models: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    backends: Sequence[str] | None = None,
    precisions: Sequence[str] | None = None,
    task_dirs: list[Path] | None = None,
) -> list[ArtifactSpec]:
    """All artifacts under `root` (in `task_dirs`, when the caller found them already) that
    pass the filters (None = no filter), sha256-verified."""
    selected: list[ArtifactSpec] = []
    seen_models: set[str] = set()
    seen_tasks: set[str] = set()
    for task_dir in task_dirs if task_dirs is not None else find_task_dirs(root):
        # Read without hashing: only the selected artifacts are verified (`verify`).
        manifest = load_manifest(task_dir, verify=False)
        check_contract_files(task_dir, manifest.raw)  # task.json, bench_inputs.json, ...
        for spec in specs_for_task_dir(manifest):
            seen_models.update((spec.model, spec.model_tag))
            seen_tasks.add(spec.task)
            if models and spec.model not in models and spec.model_tag not in models:
                continue
            if tasks and spec.task not in tasks:
                continue
            if backends and spec.backend not in backends:
                continue
            if precisions and spec.precision not in precisions:
                continue
            selected.append(spec)
    if not selected:
        raise BenchError(
            f"no artifact under {root} matches the filters (models: {', '.join(sorted(seen_models))}; "
            f"tasks: {', '.join(sorted(seen_tasks))}); fix --models/--tasks/--backends/--precisions"
        )
    verify(selected)
    return selected


def runs_at(spec: ArtifactSpec, length: int) -> bool:
    """Whether the fixed-length view times `spec` at `length`: any length for a dynamic
    artifact, only its own signatures for a static one (padding would time a longer input)."""
    return not spec.signatures or length in spec.signatures


def lengths_of(spec: ArtifactSpec, seq_lens: Sequence[int]) -> list[int]:
    """The fixed lengths `spec` runs at; a static artifact holding none of them runs at its
    smallest signature (a load check or a memory probe still measures something real)."""
    return [n for n in seq_lens if runs_at(spec, n)] or [spec.signatures[0]]


def memory_lengths(spec: ArtifactSpec, seq_lens: Sequence[int]) -> list[int]:
    """The lengths the memory probe runs `spec` at: a dynamic artifact the fixed lengths, a
    static one every signature it holds (real traffic reaches each; LiteRT prepares them all at
    load anyway), so neither side's peak leaves out a length it serves."""
    return list(spec.signatures) if spec.signatures else list(seq_lens)


def check_seq_lens(specs: list[ArtifactSpec], seq_lens: Sequence[int]) -> list[str]:
    """Refuse sequence lengths an artifact was not exported for (before any timing starts).

    A static artifact without a signature at some length is skipped there, not refused: a
    LiteRT file holds lengths up to its task's cap, and the default sweep goes beyond. Returns
    one warning per such artifact; refuses a length no selected artifact can run."""
    bad = [length for length in seq_lens if length < 2]
    if bad:
        raise BenchError(f"sequence length {bad[0]} is too short; use --seq-lens values >= 2")
    for spec in specs:
        too_long = [length for length in seq_lens if length > spec.max_seq_len]
        if too_long and not spec.signatures:  # a static artifact skips them (below)
            raise BenchError(
                f"sequence length {max(too_long)} exceeds {spec.key}'s maximum "
                f"{spec.max_seq_len}; use --seq-lens values <= {spec.max_seq_len}"
            )
    for length in seq_lens:
        if specs and not any(runs_at(spec, length) for spec in specs):
            have = ",".join(map(str, sorted({n for s in specs for n in s.signatures})))
            raise BenchError(
                f"no selected artifact has a signature for length {length} (they hold {have}): "
                f"pass --seq-lens from those, or rebuild with --static-lengths including {length}"
            )
    warnings = []
    for spec in specs:
        missing = [length for length in seq_lens if not runs_at(spec, length)]
        if missing:
            have = ",".join(map(str, spec.signatures))
            skipped = ",".join(map(str, missing))
            warnings.append(
                f"{spec.key} has signatures for lengths {have} only: not timed at {skipped} "
                f"(padding would time a longer input); rebuild it with --static-lengths "
                f"including {missing[0]} to time it there"
            )
    return warnings


def check_eval_lengths(specs: list[ArtifactSpec], limit: int | None) -> None:
    """The evaluation runs the test split at its own lengths: a static-shape artifact must
    have a signature for its longest example, checked before anything is timed."""
    from export.rescore import test_features

    longest: dict[Path, list[int]] = {}
    for spec in specs:
        if not spec.signatures:
            continue
        if spec.task_dir not in longest:
            features = test_features(spec.task_dir, limit)[3]
            longest[spec.task_dir] = [len(f.input_ids) for f in features]
        lengths, top = longest[spec.task_dir], spec.signatures[-1]
        if max(lengths) > top:
            fits = next(i for i, n in enumerate(lengths) if n > top)
            limit_hint = f"--eval-limit {fits} or lower, " if fits else ""
            raise BenchError(
                f"{spec.key}'s longest signature is {top} but test example {fits + 1} has "
                f"{lengths[fits]} tokens: pass {limit_hint}--no-eval, or rebuild it with "
                f"--static-lengths up to {max(lengths)}"
            )
