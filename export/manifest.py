"""The per-task manifest: what was built, from what, and how well it matches eager PyTorch."""

from __future__ import annotations

import platform
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
_PACKAGES = tuple(
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


def package_versions(names: tuple[str, ...] = _PACKAGES) -> dict[str, str]:
    """Installed versions of the packages whose code decides the artifacts and the numbers."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_entry(path: Path) -> dict[str, Any]:
    return {"file": path.name, "size_bytes": path.stat().st_size, "sha256": sha256_file(path)}


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
    return manifest


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
