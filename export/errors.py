"""One exception family for every user-facing failure.

The CLI prints `str(error)` as a single line and exits non-zero, so each message must name
the problem *and* the fix.
"""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none): third-party
    errors often carry pages of context that a one-line error must not repeat."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class BuildError(Exception):
    """A failure the user can act on; printed as one line by the CLI."""

    exit_code = 2


class ConfigError(BuildError):
    """Bad command-line input: unknown model, task, format or precision."""


class DataError(BuildError):
    """Missing, malformed or empty data."""


class ModelLoadError(BuildError):
    """Weights or a model directory cannot be had."""


class ExportError(BuildError):
    """A backend cannot export the architecture (names the operator)."""


class ValidationError(BuildError):
    """An exported artifact disagrees with eager PyTorch beyond the allowed bounds."""


class ArtifactIntegrityError(BuildError):
    """An artifact on disk does not match the sha256 its manifest recorded."""
