"""Real benchmark inputs: the exporter's tokenized test examples fitted to a sequence length.

The fitting rule is shared with the Android BenchmarkActivity, so host and phone run the very
same token ids: longer examples keep their first L-1 tokens and end with [SEP]; shorter ones
are padded with [PAD]; the attention mask is 1 on real tokens and 0 on padding.

Masked-LM examples also carry `mask_positions`, an ordered list of real positions (the
example's masks first). At length L the model gets M = max(1, round(L / 10)) of them, the
study's 10% masking: the first M that lie before the final [SEP], repeated in order when the
example has fewer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export.masking import masked_count
from runtime_bench.errors import BenchError

DEFAULT_SEP_ID = 102
DEFAULT_PAD_ID = 0


@dataclass(frozen=True)
class SpecialIds:
    sep: int = DEFAULT_SEP_ID
    pad: int = DEFAULT_PAD_ID


def special_ids(task_dir: Path) -> SpecialIds:
    """[SEP] and [PAD] ids: task.json (the app's contract), else vocab.txt, else BERT's."""
    try:
        special = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))["special_tokens"]
        return SpecialIds(sep=int(special["sep"]), pad=int(special["pad"]))
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        pass
    for vocab in (task_dir / "vocab.txt", *sorted(task_dir.glob("*/vocab.txt"))):
        if vocab.is_file():
            ids = {}
            with vocab.open(encoding="utf-8") as fh:
                for index, line in enumerate(fh):
                    token = line.rstrip("\n")
                    if token in ("[SEP]", "[PAD]"):
                        ids[token] = index
            return SpecialIds(
                sep=ids.get("[SEP]", DEFAULT_SEP_ID), pad=ids.get("[PAD]", DEFAULT_PAD_ID)
            )
    return SpecialIds()


def fit_to_length(ids: list[int], seq_len: int, special: SpecialIds) -> tuple[list[int], list[int]]:
    """Truncate (keeping a final [SEP]) or pad one example to exactly `seq_len` tokens."""
    if seq_len < 2:
        raise BenchError(f"sequence length {seq_len} is too short; use --seq-lens values >= 2")
    if len(ids) > seq_len:
        fitted = [*ids[: seq_len - 1], special.sep]
        return fitted, [1] * seq_len
    pad = seq_len - len(ids)
    return [*ids, *([special.pad] * pad)], [1] * len(ids) + [0] * pad


def fit_positions(positions: list[int], seq_len: int) -> list[int]:
    """The M mask positions used at length `seq_len`: the first that lie before the final
    [SEP] of the fitted input, cycled when there are fewer than M."""
    usable = [p for p in positions if 0 < p < seq_len - 1]
    if not usable:
        raise BenchError(
            f"no mask position fits a sequence of {seq_len}; rebuild bench_inputs.json with "
            "`python -m export.build --force`"
        )
    count = masked_count(seq_len)
    return [usable[i % len(usable)] for i in range(count)]


@dataclass(frozen=True)
class Example:
    """One bench_inputs.json entry: unpadded ids and, for masked-LM, the ordered positions."""

    input_ids: list[int]
    mask_positions: list[int] | None = None


def load_examples(task_dir: Path) -> list[Example]:
    """The unpadded examples of bench_inputs.json."""
    path = task_dir / "bench_inputs.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        examples = [
            Example(
                list(map(int, ex["input_ids"])),
                list(map(int, ex["mask_positions"])) if "mask_positions" in ex else None,
            )
            for ex in doc["examples"]
        ]
    except FileNotFoundError:
        raise BenchError(
            f"{path} is missing; rebuild the task with `python -m export.build`"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchError(
            f"{path} is malformed ({exc}); rebuild the task with `python -m export.build --force`"
        ) from None
    if not examples:
        raise BenchError(f"{path} holds no examples; rebuild with `python -m export.build --force`")
    vocab = vocab_size(task_dir)
    for number, example in enumerate(examples, start=1):
        problem = _example_problem(example, vocab)
        if problem:
            raise BenchError(
                f"{path}: example {number} {problem}; rebuild it with "
                "`python -m export.build --force`"
            )
    return examples


def vocab_size(task_dir: Path) -> int | None:
    """Tokens in the task folder's vocab.txt (None without one): every id must be below it."""
    vocab = task_dir / "vocab.txt"
    if not vocab.is_file():
        return None
    with vocab.open(encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def _example_problem(example: Example, vocab: int | None) -> str | None:
    """What makes one example unusable (ids outside the vocabulary, mask positions on
    [CLS], [SEP] or padding), or None. Blamed on bench_inputs.json, not on an artifact."""
    ids = example.input_ids
    bad = [i for i in ids if i < 0 or (vocab is not None and i >= vocab)]
    if bad:
        where = f" of vocab.txt ({vocab} ids)" if vocab is not None else ""
        return f"has token id {bad[0]}, outside the vocabulary{where}"
    for position in example.mask_positions or []:
        if not 0 < position < len(ids) - 1:
            return (
                f"has mask position {position}, outside its {len(ids)} tokens' words "
                f"(1..{len(ids) - 2}): it would mask [CLS], [SEP] or padding"
            )
    return None


class BenchInputs:
    """All examples of one task at one sequence length, as batch-1 int64 arrays in the
    artifacts' input order: input_ids, attention_mask[, mask_positions]."""

    def __init__(self, task_dir: Path, seq_len: int) -> None:
        special = special_ids(task_dir)
        self.seq_len = seq_len
        self._arrays: list[tuple[np.ndarray, ...]] = []
        for example in load_examples(task_dir):
            fitted, mask = fit_to_length(example.input_ids, seq_len, special)
            arrays = [fitted, mask]
            if example.mask_positions is not None:
                arrays.append(fit_positions(example.mask_positions, seq_len))
            self._arrays.append(tuple(np.asarray([a], dtype=np.int64) for a in arrays))

    def __len__(self) -> int:
        return len(self._arrays)

    def __getitem__(self, round_index: int) -> tuple[np.ndarray, ...]:
        """The example for a round; rounds cycle through the examples."""
        return self._arrays[round_index % len(self._arrays)]


def check_inputs(task_dirs: list[Path], seq_lens: list[int]) -> None:
    """Fit every task's bench_inputs.json to every length once: a one-line error up front
    instead of a failure after results were written."""
    for task_dir in dict.fromkeys(task_dirs):
        for seq_len in seq_lens:
            BenchInputs(task_dir, seq_len)
