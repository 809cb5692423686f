"""The per-task manifest: what was built, from what, and how well it matches eager PyTorch."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from export.backends import CATALOG
from export.errors import ArtifactIntegrityError, BuildError
from export.io import read_json, sha256_file

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
#: what every artifact depends on, whatever its backend
CORE_PACKAGES = ("torch", "squeezebert-mobile")
#: every package whose code decides the artifacts and the numbers: the core, each backend's
#: own (export.backends.CATALOG) and the data and scoring libraries
PACKAGES = tuple(
    dict.fromkeys(
        (
            *CORE_PACKAGES,
            "transformers",
            "tokenizers",
            *(p for info in CATALOG.values() for p in info.packages),
            "numpy",
            "datasets",
            "seqeval",
        )
    )
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages whose code decides the artifacts and the numbers."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


#: the second axis of each input in the manifest (default "sequence")
AXES = {"mask_positions": "masked"}


def artifact_entry(
    files: dict[str, Any],
    backend: Any,
    precision: str,
    max_seq_len: int,
    input_names: tuple[str, ...],
    check: Any,
    *,
    export_seconds: float,
    rewrite: dict[str, Any],
    config: Any,
    fingerprint: dict[str, Any],
    backend_info: dict[str, Any],
) -> dict[str, Any]:
    """One artifact's manifest entry: its file, interface, verification (`check`, an
    export.verify.Verification), rewrite and compute, plus the backend's own fields."""
    from export.quantization import compute_breakdown

    batch_dim: Any = "batch" if backend.dynamic_batch else 1
    return (
        files
        | {
            "format": backend.name,
            "precision": precision,
            "max_seq_len": max_seq_len,
            "dynamic_batch": backend.dynamic_batch,
            "inputs": [
                {"name": n, "shape": [batch_dim, AXES.get(n, "sequence")], "dtype": "int64"}
                for n in input_names
            ],
            "outputs": [{"name": "logits", "dtype": "float32"}],
        }
        | check.to_manifest()
        | {
            "export_seconds": export_seconds,
            "rewrite": rewrite,
            "compute_breakdown": compute_breakdown(config, 128),
            "fingerprint": fingerprint,
        }
        | backend_info
    )


def task_manifest(
    spec: Any,
    config: Any,
    task: Any,
    data: Any,
    *,
    seed: int,
    eval_limit: int | None,
    max_seq_len: int,
    training: dict[str, Any],
    eager_result: Any,
    artifacts: dict[str, Any],
    build_seconds: float,
    contract_files: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A task folder's manifest: the model, task, data, training, eager score and artifacts."""
    return {
        "schema_version": SCHEMA_VERSION,
        "model": spec.to_manifest()
        | {"architecture": config.architectures, "config": config.to_dict()},
        "task": task.describe() | {"labels": data.labels},
        "max_seq_len": max_seq_len,
        "seed": seed,
        "versions": package_versions(),
        "data": data.source,
        "checkpoint": training["checkpoint"],
        "training": training,
        "eager_metrics": eager_result.metrics,
        "eval": {
            "split": "test",
            "examples": eager_result.examples,
            "eval_limit": eval_limit,
            "eager_seconds": eager_result.seconds,
        },
        "artifacts": artifacts,
        #: vocab.txt, labels.json, task.json, bench_inputs.json: hashed like the artifacts
        "contract_files": contract_files or {},
        "build_seconds": build_seconds,
    }


def file_entry(path: Path) -> dict[str, Any]:
    return {"file": path.name, "size_bytes": path.stat().st_size, "sha256": sha256_file(path)}


@dataclass(frozen=True)
class TaskManifest:
    """A task folder's manifest, read and shape-checked: the fields its readers use, typed."""

    task_dir: Path
    raw: dict[str, Any]

    @property
    def path(self) -> Path:
        return self.task_dir / MANIFEST

    @property
    def model_name(self) -> str:
        return str(self.raw.get("model", {}).get("name") or self.task_dir.parent.name)

    @property
    def model_tag(self) -> str:
        return str(self.raw.get("model", {}).get("tag") or self.task_dir.parent.name)

    @property
    def task_name(self) -> str:
        return str(self.raw.get("task", {}).get("name") or self.task_dir.name)

    @property
    def max_seq_len(self) -> int:
        return int(self.raw.get("max_seq_len") or self.config_value("max_position_embeddings"))

    @property
    def hidden_size(self) -> int:
        return int(self.config_value("hidden_size"))

    @property
    def num_layers(self) -> int:
        return int(self.config_value("num_hidden_layers"))

    @property
    def artifacts(self) -> dict[str, dict[str, Any]]:
        return self.raw.get("artifacts", {})

    def config_value(self, key: str) -> Any:
        """A field of the model's recorded config; a one-line error when it is missing."""
        config = self.raw.get("model", {}).get("config") or {}
        if key not in config:
            raise ArtifactIntegrityError(
                f"{self.path} records no model.config.{key}: rebuild with "
                "python -m export.build --force"
            )
        return config[key]


def load_manifest(task_dir: str | Path, verify: bool = True) -> TaskManifest:
    """`read_manifest`, as a typed view."""
    return TaskManifest(Path(task_dir), read_manifest(task_dir, verify))


def read_manifest(task_dir: str | Path, verify: bool = True) -> dict[str, Any]:
    """Load a manifest; with `verify`, every artifact must match its recorded sha256."""
    path = Path(task_dir) / MANIFEST
    if not path.is_file():
        raise BuildError(f"no {MANIFEST} in {task_dir}: build it with python -m export.build")
    try:
        manifest = read_json(path)
    except ValueError as exc:
        raise ArtifactIntegrityError(
            f"{path} is not valid JSON ({exc}): rebuild with python -m export.build --force"
        ) from exc
    problem = _shape_problem(manifest)
    if problem:
        raise ArtifactIntegrityError(
            f"{path} is not a valid manifest ({problem}): rebuild with "
            "python -m export.build --force"
        )
    if verify:
        for name, entry in manifest.get("artifacts", {}).items():
            check_artifact(Path(task_dir) / name, entry)
        check_checkpoint(Path(task_dir), manifest.get("checkpoint"), path)
        check_contract_files(Path(task_dir), manifest)
    return manifest


def check_contract_files(task_dir: Path, manifest: dict[str, Any]) -> None:
    """task.json, bench_inputs.json, vocab.txt, labels.json must be the bytes the build wrote
    (manifests from before they were hashed record none: nothing to check)."""
    for name, entry in (manifest.get("contract_files") or {}).items():
        if Path(name).name != name or not isinstance(entry, dict):
            raise ArtifactIntegrityError(
                f"{task_dir / MANIFEST} lists an invalid contract file {name!r}: rebuild with "
                "python -m export.build --force"
            )
        check_artifact(task_dir / name, entry)


def _shape_problem(manifest: Any) -> str | None:
    """What makes a parsed manifest unusable, or None: the fields readers index into."""
    if not isinstance(manifest, dict):
        return f"a JSON {type(manifest).__name__}, not an object"
    artifacts = manifest.get("artifacts", {})
    if not isinstance(artifacts, dict):
        return "'artifacts' is not an object"
    for name, entry in artifacts.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            return f"artifact {name!r} has no sha256"
        if Path(name).name != name or name in ("", ".", ".."):
            return f"artifact name {name!r} is not a plain file name"
    checkpoint = manifest.get("checkpoint")
    if checkpoint is not None and not isinstance(checkpoint, dict):
        return "'checkpoint' is not an object"
    return None


def check_checkpoint(task_dir: Path, entry: dict[str, Any] | None, record: Path) -> None:
    """The fine-tuned weights must be the ones `record` hashed (none recorded: nothing to
    check, as in manifests written before checkpoints were hashed)."""
    if entry is None:
        return
    path = task_dir / str(entry.get("file", "model.safetensors"))
    if not path.is_file() or sha256_file(path) != entry.get("sha256"):
        raise ArtifactIntegrityError(
            f"{path} is missing or does not match the sha256 in {record} (corrupt or "
            "replaced): retrain it with python -m export.build --force"
        )


def check_artifact(path: Path, entry: dict[str, Any]) -> None:
    if not path.is_file():
        raise ArtifactIntegrityError(
            f"{path} is listed in the manifest but missing: rebuild "
            "with python -m export.build --force"
        )
    if sha256_file(path) != entry["sha256"]:
        raise ArtifactIntegrityError(
            f"{path} does not match the sha256 in its manifest "
            "(corrupt or replaced): rebuild with "
            "python -m export.build --force"
        )
