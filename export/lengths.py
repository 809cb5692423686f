"""The sequence lengths a static-shape artifact holds (a LiteRT file: one signature each).

A caller pads every input to the smallest length that holds it, so the set trades padding
against memory: LiteRT prepares every signature's operators at load, about 7 MB of resident
memory per SqueezeBERT signature whatever its length (docs/performance.md, "Signatures from
the task's lengths"). The default set is chosen from the task's own training lengths: the
fewest lengths, at most ``MOST_SIGNATURES``, whose padding on those inputs stays within
``PADDING_TARGET``, placed where they pad least. Without a sample it falls back to a fixed
grid of sqrt(2) steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: At most this many lengths in a default set (the memory side of the trade).
MOST_SIGNATURES = 6
#: Stop adding lengths once the padded tokens exceed the real ones by at most this share.
PADDING_TARGET = 0.10
#: How many training examples the build measures to choose the lengths.
LENGTH_SAMPLE = 5000

#: The fallback grid: lengths round(SHORTEST * STEP**k), which bounds the padding of any input
#: longer than 8 at ~41%.
SHORTEST = 8
STEP = math.sqrt(2)


def static_length_grid(max_seq_len: int) -> list[int]:
    """Steps of sqrt(2) from 8 below the maximum, then the maximum (every power of two is in
    it, so fixed-length benchmarks at 32, 64, 128 and 256 run unpadded)."""
    buckets: list[int] = []
    k = 0
    while (length := round(SHORTEST * STEP**k)) < max_seq_len:
        buckets.append(length)
        k += 1
    return [*buckets, max_seq_len]


def padding_overhead(lengths: Sequence[int], buckets: Sequence[int]) -> float:
    """Padded tokens over real ones, minus one, when each length pads to the smallest bucket
    that holds it (every length must fit the largest)."""
    import numpy as np  # here, not at import: `export.build --help` stays quick

    real = np.asarray(lengths)
    ordered = np.sort(np.asarray(buckets))
    padded = ordered[np.searchsorted(ordered, real)]
    return float(padded.sum() / real.sum() - 1.0)


def fewest_padding_lengths(
    sample: Sequence[int],
    cap: int,
    most: int = MOST_SIGNATURES,
    target: float = PADDING_TARGET,
) -> list[int]:
    """The fewest lengths (at most `most`, the longest always `cap`) whose padding overhead on
    `sample` is at most `target`; for that count, the set with the fewest padded tokens.

    `sample` lengths above `cap` count as `cap` (the tokenizer truncates there). Exact: a
    dynamic programme over the distinct lengths, each set of k lengths built from the best
    set of k - 1 below it.
    """
    import numpy as np

    if not sample:
        raise ValueError("no lengths to choose static lengths from")
    if most < 1:
        raise ValueError(f"at least one static length is needed, got most={most}")
    clipped = np.minimum(np.asarray(sample, dtype=np.int64), cap)
    values, counts = np.unique(clipped, return_counts=True)
    if values[-1] != cap:  # the cap is always a length, even if no sample reaches it
        values, counts = np.append(values, cap), np.append(counts, 0)
    upto = np.concatenate([[0], np.cumsum(counts)])  # examples with length <= values[j]
    real = float(clipped.sum())
    n = len(values)
    # cost[b][j]: fewest padded tokens for the examples up to values[j] with b lengths, the
    # longest values[j]; back[b][j]: the index of the next length below (-1: none)
    cost = [upto[1:] * values]  # one length: everything pads to values[j]
    back = [np.full(n, -1)]
    for _ in range(1, min(most, n)):
        prev, best, arg = cost[-1], np.full(n, np.inf), np.full(n, -1)
        for j in range(1, n):
            options = prev[:j] + (upto[j + 1] - upto[1 : j + 1]) * values[j]
            arg[j] = int(np.argmin(options))
            best[j] = options[arg[j]]
        cost.append(best)
        back.append(arg)
    k = next((b for b in range(len(cost)) if cost[b][-1] / real - 1.0 <= target), len(cost) - 1)
    chosen, j = [], n - 1
    for b in range(k, -1, -1):
        chosen.append(int(values[j]))
        j = int(back[b][j])
    return sorted(chosen)
