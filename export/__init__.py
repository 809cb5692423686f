"""squeezebert-mobile export pipeline: fine-tune, export (ONNX, ExecuTorch, LiteRT) and verify.

The Python API (export.api: `build`, `load`) is re-exported here lazily, so that importing the
package (the command's `--help`) imports no torch.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

#: names export.api provides, importable from `export` directly
_API = ("build", "load", "TaskModel", "Entity", "LabelScore", "MaskPrediction")


def package_version() -> str:
    """The installed distribution's version (pyproject.toml), for --version."""
    try:
        return metadata.version("squeezebert-mobile")
    except metadata.PackageNotFoundError:
        return "0+unknown (not installed: pip install -e .)"


def __getattr__(name: str) -> Any:
    if name in _API:
        from export import api

        return getattr(api, name)
    raise AttributeError(f"module 'export' has no attribute {name!r}")


__all__ = ["package_version", *_API]
