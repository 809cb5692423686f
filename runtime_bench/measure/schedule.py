"""Round-robin measurement order (A B C A B C ...).

Measuring every artifact once per round, instead of all runs of A then all runs of B, spreads
slow machine drift (thermal state, a neighbour's job, frequency changes) evenly over all
artifacts, and makes round-by-round ratios meaningful: round r of A and round r of B were
taken moments apart under the same conditions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Fresh loads of every artifact a latency group measures over (``--sessions``): identical
#: sessions of one file differ by up to 25% on a 2-core VM, by where their weights land in
#: memory, so one load per artifact would bias every ratio it enters (docs/performance.md,
#: "Session-to-session spread").
DEFAULT_SESSIONS = 3


@dataclass(frozen=True)
class Slot:
    """One scheduled call: which item, in which round, and whether it is a warm-up call."""

    round: int  # 0-based within its phase (warm-up rounds and measured rounds count separately)
    position: int  # index of the item within the round
    key: str
    warmup: bool


def round_robin(keys: Sequence[str], rounds: int, warmup: int = 0) -> Iterator[Slot]:
    """Yield `warmup` warm-up rounds then `rounds` measured rounds over `keys`, in order."""
    if len(set(keys)) != len(keys):
        raise ValueError(f"round-robin keys must be unique, got {list(keys)}")
    if rounds < 0 or warmup < 0:
        raise ValueError("rounds and warmup must be >= 0")
    for is_warmup, count in ((True, warmup), (False, rounds)):
        for r in range(count):
            for pos, key in enumerate(keys):
                yield Slot(round=r, position=pos, key=key, warmup=is_warmup)


def run_round_robin(
    calls: dict[str, Callable[[int], T]],
    rounds: int,
    warmup: int = 0,
    on_slot: Callable[[Slot], None] | None = None,
) -> dict[str, list[T]]:
    """Run `calls[key](round)` in round-robin order; return each key's measured results.

    Warm-up results are discarded. `on_slot` is called after every call (progress bars).
    The round index is passed so every item can use the same input in the same round.
    """
    results: dict[str, list[T]] = {key: [] for key in calls}
    for slot in round_robin(list(calls), rounds, warmup):
        value = calls[slot.key](slot.round)
        if not slot.warmup:
            results[slot.key].append(value)
        if on_slot is not None:
            on_slot(slot)
    return results
