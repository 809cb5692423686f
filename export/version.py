"""The installed distribution's version, for every --version (read from package metadata, so
pyproject.toml is the one place it is written)."""

from __future__ import annotations

from importlib import metadata


def package_version() -> str:
    try:
        return metadata.version("squeezebert-mobile")
    except metadata.PackageNotFoundError:
        return "0+unknown (not installed: pip install -e .)"
