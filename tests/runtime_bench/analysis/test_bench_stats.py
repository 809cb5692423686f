"""runtime_bench.analysis.stats: the numbers every latency table is built from."""

from __future__ import annotations

import numpy as np
import pytest

from runtime_bench.analysis.stats import paired_ratios, percentile, summarize, trimmed_mean


def test_percentile_matches_numpy_linear_interpolation() -> None:
    rng = np.random.default_rng(0)
    samples = list(rng.exponential(5.0, size=37))
    for q in (0, 10, 50, 90, 100, 33.3):
        assert percentile(samples, q) == pytest.approx(float(np.percentile(samples, q)))


def test_trimmed_mean_drops_a_tenth_at_each_end_like_minibench() -> None:
    # n=10: minibench keeps sorted[1:9]
    samples = [100.0, 1, 2, 3, 4, 5, 6, 7, 8, -50.0]
    assert trimmed_mean(samples) == pytest.approx(sum(range(1, 9)) / 8)


def test_trimmed_mean_uses_minibench_integer_bounds_for_small_samples() -> None:
    # n=5: n//10 = 0 and n*9//10 = 4, so only the largest sample is dropped
    assert trimmed_mean([5.0, 1.0, 2.0, 3.0, 4.0]) == pytest.approx(2.5)
    assert trimmed_mean([7.0]) == 7.0


def test_summarize_reports_every_statistic_the_report_needs() -> None:
    samples = [float(v) for v in range(1, 101)]
    s = summarize(samples)
    assert s["median"] == pytest.approx(50.5)
    assert s["p10"] == pytest.approx(np.percentile(samples, 10))
    assert s["p90"] == pytest.approx(np.percentile(samples, 90))
    assert s["mean"] == pytest.approx(50.5)
    assert s["std"] == pytest.approx(np.std(samples, ddof=1))
    assert (s["min"], s["max"], s["n"]) == (1.0, 100.0, 100.0)
    assert s["trimmean"] == pytest.approx(np.mean(samples[10:90]))


def test_summarize_of_one_sample_has_zero_spread() -> None:
    s = summarize([3.0])
    assert s["std"] == 0.0
    assert s["median"] == s["p10"] == s["p90"] == 3.0


def test_empty_samples_are_rejected() -> None:
    with pytest.raises(ValueError):
        summarize([])
    with pytest.raises(ValueError):
        trimmed_mean([])


def test_paired_ratios_divide_round_by_round() -> None:
    assert paired_ratios([2.0, 6.0, 9.0], [1.0, 3.0, 3.0]) == [2.0, 2.0, 3.0]


def test_paired_ratios_reject_series_of_different_length() -> None:
    with pytest.raises(ValueError, match="equally long"):
        paired_ratios([1.0, 2.0], [1.0])
