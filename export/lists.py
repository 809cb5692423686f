"""Comma lists on the command line (--formats, --tasks, --seq-lens, ...): one parser for all."""

from __future__ import annotations

from collections.abc import Iterable

from export.errors import ConfigError


def split_list(text: str) -> list[str]:
    """The non-empty, stripped items of a comma list."""
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_names(
    text: str,
    option: str,
    allowed: Iterable[str] | None = None,
    *,
    none_ok: bool = False,
    error: type[Exception] = ConfigError,
) -> list[str]:
    """The names in `text`; a one-line `error` for an empty list or a name not in `allowed`.

    With `none_ok`, the single word "none" stands for an empty selection."""
    names = split_list(text)
    choices = ", ".join(allowed) if allowed is not None else ""
    if none_ok and names == ["none"]:
        return []
    if not names:
        hint = f"choose from {choices}" if choices else "give a comma-separated list"
        raise error(f"{option} is empty: {hint}{', or none' if none_ok else ''}")
    if allowed is not None:
        unknown = [n for n in names if n not in set(allowed)]
        if unknown:
            what = option.removeprefix("--").removesuffix("s")
            raise error(f"unknown {what} '{unknown[0]}': choose from {choices}")
    return names


def parse_ints(
    text: str, option: str, minimum: int | None = None, *, error: type[Exception] = ConfigError
) -> list[int]:
    """The integers in a comma list, each at least `minimum`; a one-line `error` otherwise."""
    try:
        values = [int(item) for item in split_list(text)]
    except ValueError:
        raise error(f"{option} {text!r}: give comma-separated integers") from None
    if not values:
        raise error(f"{option} is empty: give comma-separated integers")
    if minimum is not None and min(values) < minimum:
        raise error(f"{option} {text!r}: give values of at least {minimum}")
    return values
