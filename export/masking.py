"""How many positions the masked-LM artifacts decode at length L, in one torch-free module.

The benchmark inputs, the static LiteRT signatures and the aarch64 check (which runs in an
emulated Python without torch) all need this rule, and `export.tasks` imports torch.
"""

from __future__ import annotations


def masked_count(seq_len: int) -> int:
    """M = max(1, round(L / 10)), rounding halves up (as Java's Math.round does): the study's
    10% masking at length L. The benchmark masks M positions, and each static LiteRT signature
    of length L takes exactly M mask positions."""
    return max(1, (seq_len + 5) // 10)
