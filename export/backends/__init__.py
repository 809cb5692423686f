"""Backend registry: each backend registers itself from its own module with `@register_backend`."""

from __future__ import annotations

from export.backends.base import PRECISIONS, Backend, ExportRequest, Runner
from export.errors import ConfigError

BACKENDS: dict[str, Backend] = {}


def register_backend(cls: type[Backend]) -> type[Backend]:
    BACKENDS[cls.name] = cls()
    return cls


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise ConfigError(f"unknown format '{name}': choose from {', '.join(BACKENDS)} (or none)")
    BACKENDS[name].check_available()
    return BACKENDS[name]


def parse_formats(text: str) -> list[Backend]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["none"]:
        return []
    if not names:
        raise ConfigError(f"--formats is empty: choose from {', '.join(BACKENDS)}, or none")
    return [get_backend(n) for n in names]


def parse_precisions(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in PRECISIONS:
            raise ConfigError(f"unknown precision '{name}': choose from {', '.join(PRECISIONS)}")
    if not names:
        raise ConfigError(f"--precisions is empty: choose from {', '.join(PRECISIONS)}")
    return names


from export.backends import executorch, litert, onnx  # noqa: E402,F401  (registers the backends)

__all__ = [
    "BACKENDS",
    "PRECISIONS",
    "Backend",
    "ExportRequest",
    "Runner",
    "get_backend",
    "parse_formats",
    "parse_precisions",
]
