"""export.lengths: the static lengths a static-shape artifact holds, chosen from real lengths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from export.lengths import (
    MOST_SIGNATURES,
    fewest_padding_lengths,
    padding_overhead,
    static_length_grid,
)


def _best_by_brute_force(sample: list[int], cap: int, count: int) -> float:
    below = sorted(set(sample) - {cap})
    return min(
        padding_overhead(sample, [*chosen, cap])
        for chosen in itertools.combinations(below, min(count - 1, len(below)))
    )


def test_the_chosen_lengths_pad_least_among_all_sets_of_their_size() -> None:
    rng = np.random.default_rng(0)
    for _ in range(60):
        sample = [int(n) for n in rng.integers(1, 40, int(rng.integers(1, 25)))]
        for most in (1, 2, 3, 4):
            chosen = fewest_padding_lengths(sample, 40, most=most, target=0.0)
            assert chosen[-1] == 40 and len(chosen) <= most
            best = _best_by_brute_force(sample, 40, len(chosen))
            assert padding_overhead(sample, chosen) == pytest.approx(best)


def test_it_stops_at_the_fewest_lengths_that_meet_the_padding_target() -> None:
    articles = [300] * 50 + [250, 280]  # nearly all at the cap: one length pads under 10%
    assert fewest_padding_lengths(articles, 300) == [300]
    spread = list(range(5, 100))  # an even spread never gets under 10% with 6: all 6 used
    chosen = fewest_padding_lengths(spread, 100)
    assert len(chosen) == MOST_SIGNATURES
    assert padding_overhead(spread, chosen) > 0.10
    assert padding_overhead(spread, fewest_padding_lengths(spread, 100, target=0.5)) <= 0.5


def test_lengths_past_the_cap_count_as_the_cap_and_the_cap_is_always_held() -> None:
    assert fewest_padding_lengths([10, 10, 10], 50, most=1) == [50]
    assert fewest_padding_lengths([10, 10, 10], 50, most=2) == [10, 50]
    assert fewest_padding_lengths([70, 80, 10], 50, most=2) == [10, 50]


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="no lengths"):
        fewest_padding_lengths([], 50)
    with pytest.raises(ValueError, match="at least one"):
        fewest_padding_lengths([3], 50, most=0)


def test_the_fallback_grid_steps_by_sqrt2_from_8_to_the_maximum() -> None:
    assert static_length_grid(512) == [8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512]
    assert static_length_grid(300) == [8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 300]
    assert static_length_grid(16) == [8, 11, 16]
    assert static_length_grid(6) == [6]
    for maximum in (16, 100, 300, 512):  # past 8, no input pads by more than sqrt(2), rounded
        buckets = static_length_grid(maximum)
        assert all(b / (a + 1) <= 2**0.5 for a, b in itertools.pairwise(buckets))
