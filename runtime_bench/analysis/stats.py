"""Latency statistics shared by the host benchmark, the adb driver and the report.

The trimmed mean follows ExecuTorch's Android benchmark app (minibench) exactly: sort the
samples and average `sorted[n // 10 : n * 9 // 10]` (the "middle 80%"), so host and phone
numbers mean the same thing. The Java `core` module implements the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

#: Keys of `summarize`'s result, in report order.
SUMMARY_KEYS = ("median", "p10", "p90", "mean", "std", "min", "max", "trimmean", "n")


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default method), q in [0, 100]."""
    if not samples:
        raise ValueError("percentile of an empty sample")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def trimmed_mean(samples: Sequence[float]) -> float:
    """Mean of the middle 80% exactly as minibench computes it (integer slice bounds)."""
    if not samples:
        raise ValueError("trimmed mean of an empty sample")
    ordered = sorted(samples)
    n = len(ordered)
    middle = ordered[n // 10 : n * 9 // 10] or ordered
    return float(sum(middle) / len(middle))


def summarize(samples: Iterable[float]) -> dict[str, float]:
    """Median, p10, p90, mean, sample std (n-1), min, max, trimmed mean and count."""
    values = [float(v) for v in samples]
    if not values:
        raise ValueError("cannot summarize an empty sample")
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return {
        "median": percentile(values, 50.0),
        "p10": percentile(values, 10.0),
        "p90": percentile(values, 90.0),
        "mean": mean,
        "std": math.sqrt(var),
        "min": min(values),
        "max": max(values),
        "trimmean": trimmed_mean(values),
        "n": float(n),
    }


def paired_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Round-by-round ratios numerator[i] / denominator[i].

    Both series come from the same round-robin rounds, so each ratio compares two
    measurements taken moments apart under the same machine state; drift cancels.
    """
    if len(numerator) != len(denominator):
        raise ValueError(
            f"paired ratios need equally long series, got {len(numerator)} and {len(denominator)}"
        )
    if not numerator:
        raise ValueError("paired ratios of empty series")
    return [float(a) / float(b) for a, b in zip(numerator, denominator, strict=True)]
