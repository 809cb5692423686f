"""The backend catalog: one line per backend, the only place a backend's name is written.

Each line names the module that implements the backend; that module is imported (and registers
its class with `@register_backend`) the first time the backend is used. This file imports no
torch, so runtime_bench reads the names, file types and report colours here on a host that has
only onnxruntime. A new backend is one module plus one line in `CATALOG`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from export.errors import ConfigError

if TYPE_CHECKING:
    from export.backends.base import Backend


@dataclass(frozen=True)
class BackendInfo:
    """What the rest of the project needs to know about a backend without loading it."""

    name: str  # the --formats name and the manifest "format"
    module: str  # the module that implements and registers it
    extension: str  # its artifact files' suffix
    #: PyPI packages whose versions decide its artifacts (recorded in manifests and fingerprints)
    packages: tuple[str, ...]
    color: str  # its colour in runtime_bench's plots
    #: the Android app times its files on a phone (runtime_bench --adb pushes them)
    on_device: bool = False
    #: "module:Class" of a runner, (path, num_threads) -> Runner, that loads its artifacts
    #: without torch (runtime_bench on ONNX-only hosts); None: load through the backend
    torch_free_runner: str | None = None
    #: other names manifests have used for this format
    aliases: tuple[str, ...] = ()
    #: the app's default runtime: task.json's top-level "artifacts" lists its files
    app_default: bool = False
    #: the backend that exports for the same runtime without export.rewrite (rewrite ratios)
    stock: str | None = None
    #: the pip extra that installs its packages; None: a core backend, built by default
    extra: str | None = None


#: The study's fixed sequence length, and the one signature of the stock mobile route (the
#: TFLite and MediaPipe BERT examples): every static-shape artifact holds it, so the
#: fixed-length view compares every backend there.
REFERENCE_LENGTH = 128

_ONNX = ("onnx", "onnxscript", "onnxruntime")
_LITERT = ("litert-torch", "ai-edge-quantizer", "ai-edge-litert")

#: Every backend, in the order reports list them.
CATALOG: dict[str, BackendInfo] = {
    info.name: info
    for info in (
        BackendInfo(
            "onnx", "export.backends.onnx", ".onnx", _ONNX, "tab:blue",
            torch_free_runner="export.ort_runtime:OrtRunner",
        ),
        BackendInfo(
            "executorch", "export.backends.executorch", ".pte", ("executorch", "torchao"),
            "tab:orange", on_device=True, aliases=("pte",), app_default=True,
        ),
        BackendInfo(
            "litert", "export.backends.litert", ".tflite", _LITERT, "tab:green",
            on_device=True, stock="litert-stock", extra="litert",
        ),
        BackendInfo(
            "litert-stock", "export.backends.litert", ".tflite", _LITERT, "tab:olive",
            on_device=True, extra="litert",
        ),
    )
}  # fmt: skip

#: what --formats builds when not given: the core backends
DEFAULT_FORMATS = tuple(name for name, info in CATALOG.items() if info.extra is None)
#: manifest "format" (or an alias of it) -> backend name
FORMAT_NAMES = {alias: i.name for i in CATALOG.values() for alias in (i.name, *i.aliases)}

_LOADED: dict[str, Backend] = {}  # the loaded backends, filled by `register_backend`


def register_backend(cls: type[Backend]) -> type[Backend]:
    if cls.name not in CATALOG:
        raise ConfigError(f"backend {cls.name!r} has no line in export.backends.CATALOG: add one")
    _LOADED[cls.name] = cls()
    return cls


def load_backend(name: str) -> Backend:
    """The backend called `name`, importing its module on first use (no availability check)."""
    if name not in CATALOG:
        raise ConfigError(f"unknown format '{name}': choose from {', '.join(CATALOG)} (or none)")
    if name not in _LOADED:
        importlib.import_module(CATALOG[name].module)
    return _LOADED[name]


def get_backend(name: str) -> Backend:
    """`load_backend`, then a one-line error when its optional runtime is not installed."""
    backend = load_backend(name)
    backend.check_available()
    return backend


def parse_formats(text: str) -> list[Backend]:
    from export.lists import parse_names

    names = parse_names(text, "--formats", tuple(CATALOG), none_ok=True)
    return [get_backend(n) for n in names]


def parse_precisions(text: str) -> list[str]:
    from export.lists import parse_names
    from export.quantization import SCHEMES

    return parse_names(text, "--precisions", tuple(SCHEMES))


__all__ = [
    "CATALOG",
    "FORMAT_NAMES",
    "BackendInfo",
    "get_backend",
    "load_backend",
    "parse_formats",
    "parse_precisions",
    "register_backend",
]
