"""runtime_bench.measure.inputs: real examples fitted to a length exactly as the Android app does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime_bench.errors import BenchError
from runtime_bench.measure.inputs import (
    BenchInputs,
    SpecialIds,
    fit_positions,
    fit_to_length,
    masked_count,
    special_ids,
)


def test_long_examples_keep_l_minus_1_tokens_and_end_with_sep() -> None:
    ids, mask = fit_to_length([101, 5, 6, 7, 8, 102], 4, SpecialIds(sep=102, pad=0))
    assert ids == [101, 5, 6, 102]
    assert mask == [1, 1, 1, 1]


def test_short_examples_are_padded_and_masked() -> None:
    ids, mask = fit_to_length([101, 5, 102], 6, SpecialIds(sep=102, pad=0))
    assert ids == [101, 5, 102, 0, 0, 0]
    assert mask == [1, 1, 1, 0, 0, 0]


def test_exact_length_examples_are_unchanged() -> None:
    assert fit_to_length([101, 5, 102], 3, SpecialIds()) == ([101, 5, 102], [1, 1, 1])


def test_special_ids_come_from_task_json_then_vocab(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("[UNK]\n[PAD]\n[SEP]\n")
    assert special_ids(tmp_path) == SpecialIds(sep=2, pad=1)
    (tmp_path / "task.json").write_text(json.dumps({"special_tokens": {"sep": 9, "pad": 8}}))
    assert special_ids(tmp_path) == SpecialIds(sep=9, pad=8)


def test_bench_inputs_cycle_through_examples_as_batch_1_int64(tmp_path: Path) -> None:
    examples = [{"input_ids": [101, 7, 102]}, {"input_ids": [101, 8, 9, 10, 102]}]
    (tmp_path / "bench_inputs.json").write_text(json.dumps({"examples": examples}))
    inputs = BenchInputs(tmp_path, 4)
    ids, mask = inputs[1]
    assert ids.dtype.name == "int64" and ids.shape == (1, 4)
    assert ids.tolist() == [[101, 8, 9, 102]] and mask.tolist() == [[1, 1, 1, 1]]
    assert inputs[2][0].tolist() == inputs[0][0].tolist()


def test_missing_bench_inputs_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match=r"export\.build"):
        BenchInputs(tmp_path, 8)


@pytest.mark.parametrize(
    ("seq_len", "count"), [(2, 1), (5, 1), (15, 2), (25, 3), (64, 6), (128, 13), (512, 51)]
)
def test_masked_count_is_a_tenth_of_the_length_rounded_half_up(seq_len, count) -> None:
    # The same table as android_app core's InputFitterTest
    assert masked_count(seq_len) == count


def test_mask_positions_before_the_final_sep_are_taken_in_order_and_cycled() -> None:
    ordered = [5, 2, 9, 1]
    assert fit_positions(ordered, 8) == [5]
    assert fit_positions(ordered, 25) == [5, 2, 9]
    assert fit_positions(ordered, 45) == [5, 2, 9, 1, 5]
    with pytest.raises(BenchError, match="no mask position fits"):
        fit_positions([9], 8)


def test_mlm_bench_inputs_carry_mask_positions_as_a_third_array(tmp_path: Path) -> None:
    examples = [{"input_ids": [101, 103, 7, 8, 102], "mask_positions": [1, 3, 2]}]
    (tmp_path / "bench_inputs.json").write_text(json.dumps({"examples": examples}))
    ids, mask, positions = BenchInputs(tmp_path, 25)[0]
    assert positions.dtype.name == "int64" and positions.tolist() == [[1, 3, 2]]
    assert ids.shape == mask.shape == (1, 25)
