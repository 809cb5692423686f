"""Run a bucketed LiteRT .tflite (export.backends.litert) on batch-1 inputs of any length:
pick the signature, pad to it, keep the real rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from export.backends.base import Runner

POSITIONS = "mask_positions"


class LiteRTRunner(Runner):
    """Runs a bucketed .tflite on batch-1 int64 inputs of any length up to the largest bucket
    (masked-LM: input_ids, attention_mask, mask_positions [1, M] for any M)."""

    def __init__(self, path: Path, num_threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._runners = {
            int(name.removeprefix("seq_")): self.interpreter.get_signature_runner(name)
            for name in self.interpreter.get_signature_list()
        }
        self.buckets = sorted(self._runners)
        #: masked-LM only: how many mask positions each bucket's signature takes (M_L)
        self.masked = {
            bucket: int(details[POSITIONS]["shape"][1])
            for bucket, runner in self._runners.items()
            if POSITIONS in (details := runner.get_input_details())
        }

    def bucket_for(self, length: int, positions: int = 0) -> int:
        """The smallest bucket that holds `length` tokens and, for masked-LM, `positions` mask
        positions; when none holds that many positions, the largest that holds the tokens (the
        call then runs in chunks)."""
        fitting = [b for b in self.buckets if b >= length]
        if not fitting:
            raise ValueError(
                f"sequence length {length} exceeds the largest signature {self.buckets[-1]}: "
                "truncate the input or export longer --static-lengths"
            )
        roomy = [b for b in fitting if self.masked.get(b, positions) >= positions]
        if roomy:
            return roomy[0]
        return max(fitting, key=lambda b: self.masked[b])

    def __call__(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, *rest: np.ndarray
    ) -> np.ndarray:
        batch, length = input_ids.shape
        if batch != 1:
            raise ValueError(f"LiteRT artifacts run batch 1, got batch {batch}")
        if bool(rest) != bool(self.masked):
            want = "3 inputs (with mask_positions)" if self.masked else "2 inputs"
            raise ValueError(f"this .tflite takes {want}, got {2 + len(rest)} arrays")
        positions = rest[0] if rest else None
        count = 0 if positions is None else positions.shape[1]
        bucket = self.bucket_for(length, count)
        room = self.masked.get(bucket)
        if room is not None and count > room:  # more masks than any signature takes
            chunks = [positions[:, i : i + room] for i in range(0, count, room)]
            return np.concatenate([self(input_ids, attention_mask, c) for c in chunks], axis=1)
        feeds = pad_to_bucket(input_ids, attention_mask, bucket, positions, room)
        (logits,) = self._runners[bucket](**feeds).values()
        return real_logits(logits, length if positions is None else count)


def pad_to_bucket(
    input_ids: np.ndarray,
    attention_mask: np.ndarray,
    bucket: int,
    positions: np.ndarray | None = None,
    masked: int | None = None,
) -> dict[str, np.ndarray]:
    """The signature's int32 inputs: ids and mask padded with 0 to `bucket` positions, and
    masked-LM positions padded to the signature's `masked` rows by repeating the last one
    (a real position, so the extra rows are valid and simply dropped)."""
    ids = np.zeros((1, bucket), np.int32)
    mask = np.zeros((1, bucket), np.int32)
    ids[:, : input_ids.shape[1]] = input_ids
    mask[:, : attention_mask.shape[1]] = attention_mask
    feeds = {"input_ids": ids, "attention_mask": mask}
    if positions is not None:
        if masked is None or positions.shape[1] > masked:
            raise ValueError(f"{positions.shape[1]} mask positions do not fit signature {bucket}")
        padded = np.full((1, masked), positions[0, -1], np.int32)
        padded[:, : positions.shape[1]] = positions
        feeds[POSITIONS] = padded
    return feeds


def real_logits(logits: np.ndarray, rows: int) -> np.ndarray:
    """The rows a caller asked for: token-level logits [1, bucket, C] keep the first `rows`
    (the real tokens; masked-LM: the real positions); [1, C] stays whole."""
    return logits[:, :rows] if logits.ndim == 3 else logits
