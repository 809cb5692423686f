"""Markdown helpers of the report: compact numbers, tables, and the order of records."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from runtime_bench.analysis.study import model_rank
from runtime_bench.artifacts import BACKEND_ORDER


def fmt(value: Any, digits: int = 3) -> str:
    """Compact number: 3 significant digits, no scientific notation for ordinary values."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 10**digits:
        return f"{value:.0f}"
    if magnitude == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
    return f"{value:.{decimals}f}"


def _mb(size_bytes: int | None) -> str:
    return fmt(size_bytes / 1e6) if size_bytes else "–"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _sort_key(record: dict[str, Any]) -> tuple:
    return (
        record["task"],
        model_rank(record["model"]),
        BACKEND_ORDER.get(record["backend"], len(BACKEND_ORDER)),
        record["precision"],
        record.get("seq_len", 0),
    )


# -- sections ----------------------------------------------------------------------------------


def by_task(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Records, evaluations or ratios grouped by their "task", in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["task"]].append(row)
    return groups
