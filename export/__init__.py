"""squeezebert-mobile export pipeline: fine-tune, export (ONNX, ExecuTorch, LiteRT) and verify.

The Python API (export.api: `build`, `load`) is re-exported here lazily, so that importing the
package (the command's `--help`) imports no torch.
"""

from __future__ import annotations

from typing import Any

from export.version import package_version

#: names export.api provides, importable from `export` directly
_API = ("build", "load", "TaskModel", "Entity", "LabelScore", "MaskPrediction")


def __getattr__(name: str) -> Any:
    if name in _API:
        from export import api

        return getattr(api, name)
    raise AttributeError(f"module 'export' has no attribute {name!r}")


__all__ = ["package_version", *_API]
