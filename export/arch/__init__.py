"""One module per architecture family, each registering its whole record (export.arch.base).

Every public module of this package is imported here, so adding a family is adding one module:
nothing else in export/ or runtime_bench/ names the families. Torch-free, like the modules.
"""

from __future__ import annotations

import importlib
import pkgutil

from export.arch.base import (
    DEFAULT,
    Architecture,
    BuiltinModel,
    MaskedLmHead,
    arch_for,
    architectures,
    builtin_models,
    register_arch,
)

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base" and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = [
    "DEFAULT",
    "Architecture",
    "BuiltinModel",
    "MaskedLmHead",
    "arch_for",
    "architectures",
    "builtin_models",
    "register_arch",
]
