"""One exception family for every user-facing failure, and the exit code of each class.

The CLI prints `str(error)` as a single line and exits with the class's `exit_code`, so each
message must name the problem *and* the fix, and CI can tell a failed verification from a
typo by the code alone. EXIT_CODES is the one table `--help` and the README print.
"""

from __future__ import annotations

#: exit code -> what it means; each class below takes its code from here
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "any other failure (e.g. an output folder that cannot be written)",
    2: "usage: a bad option or value (argparse errors too)",
    3: "device: adb or an Android device is missing, ambiguous, unauthorized or lost",
    4: "data: missing, malformed or empty data",
    5: "model: weights or a model folder cannot be loaded",
    6: "export: a backend cannot export or convert the model",
    7: "verification failed: an artifact disagrees with eager PyTorch",
    8: "integrity: a file does not match the sha256 its manifest recorded",
    130: "interrupted (Ctrl-C); completed results are kept",
}
INTERRUPTED = 130


def exit_codes_epilog() -> str:
    """The exit-code table as an argparse epilog paragraph."""
    return "exit codes:\n" + "\n".join(f"  {code:<3} {text}" for code, text in EXIT_CODES.items())


def help_epilog(prog: str, examples: tuple[str, ...], note: str = "") -> str:
    """A --help epilog: example command lines, an optional paragraph, the exit codes."""
    lines = "".join(f"  {prog} {example}\n" for example in examples)
    return f"examples:\n{lines}\n{note + chr(10) * 2 if note else ''}{exit_codes_epilog()}"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none): third-party
    errors often carry pages of context that a one-line error must not repeat."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class BuildError(Exception):
    """A failure the user can act on; printed as one line by the CLI."""

    exit_code = 1


class ConfigError(BuildError):
    """Bad command-line input: unknown model, task, format or precision."""

    exit_code = 2


class DataError(BuildError):
    """Missing, malformed or empty data."""

    exit_code = 4


class ModelLoadError(BuildError):
    """Weights or a model directory cannot be had."""

    exit_code = 5


class ExportError(BuildError):
    """A backend cannot export the architecture (names the operator)."""

    exit_code = 6


class ValidationError(BuildError):
    """An exported artifact disagrees with eager PyTorch beyond the allowed bounds."""

    exit_code = 7


class ArtifactIntegrityError(BuildError):
    """An artifact on disk does not match the sha256 its manifest recorded."""

    exit_code = 8
