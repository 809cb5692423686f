"""runtime_bench.measure.schedule: round-robin order, so machine drift hits every artifact alike."""

from __future__ import annotations

import pytest

from runtime_bench.measure.schedule import round_robin, run_round_robin


def test_round_robin_interleaves_items_a_b_c_a_b_c() -> None:
    order = [s.key for s in round_robin(["A", "B", "C"], rounds=3)]
    assert order == ["A", "B", "C"] * 3


def test_warmup_rounds_come_first_and_are_marked() -> None:
    slots = list(round_robin(["A", "B"], rounds=2, warmup=1))
    assert [(s.key, s.warmup) for s in slots] == [
        ("A", True), ("B", True), ("A", False), ("B", False), ("A", False), ("B", False),
    ]  # fmt: skip
    assert [s.round for s in slots if not s.warmup] == [0, 0, 1, 1]


def test_run_round_robin_keeps_only_measured_results_with_their_round() -> None:
    calls: list[tuple[str, int]] = []

    def make(key: str):
        def call(rnd: int) -> tuple[str, int]:
            calls.append((key, rnd))
            return key, rnd

        return call

    results = run_round_robin({"A": make("A"), "B": make("B")}, rounds=2, warmup=2)
    assert results == {"A": [("A", 0), ("A", 1)], "B": [("B", 0), ("B", 1)]}
    assert calls == [("A", 0), ("B", 0), ("A", 1), ("B", 1), ("A", 0), ("B", 0), ("A", 1), ("B", 1)]


def test_on_slot_sees_every_call_for_the_progress_bar() -> None:
    seen = []
    run_round_robin({"A": lambda r: r}, rounds=3, warmup=1, on_slot=seen.append)
    assert len(seen) == 4


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        list(round_robin(["A", "A"], rounds=1))
