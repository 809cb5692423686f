"""Run a bucketed LiteRT .tflite (export.backends.litert) on batch-1 inputs of any length:
pick the smallest signature that fits, pad to it, keep the real rows.

Why LiteRT's ``CompiledModel`` and not the ``Interpreter``: a file holds one signature per
length bucket, and XNNPACK packs every signature's weights separately at load unless its
weight cache is on. ai-edge-litert 2.3.0's ``Interpreter`` has no option for the cache; the
``CompiledModel``'s ``CpuOptions.xnnpack_weight_cache_path`` does, and XNNPACK reads the path
``":memory"`` as an in-memory cache that packs each constant buffer once for all signatures
(LiteRT ``tflite/delegates/xnnpack/weight_cache.h``, ``kInMemoryCachePath``). Measured on
full-size SqueezeBERT: docs/performance.md, "Real inputs are short (issue 25)".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.backends.runner import Runner
from export.quiet import native_stderr_filtered

POSITIONS = "mask_positions"
#: XNNPACK's in-memory weight cache: packed weights shared by every signature, no file written.
WEIGHT_CACHE = ":memory"


@dataclass
class _Signature:
    """One bucket's signature: its index, input shapes in feed order, output shape, and the
    LiteRT tensor buffers reused from call to call (made at its first call)."""

    index: int
    inputs: dict[str, list[int]]
    output_shape: list[int]
    buffers: tuple[list[Any], list[Any]] | None = None


class LiteRTRunner(Runner):
    """Runs a bucketed .tflite on batch-1 int64 inputs of any length up to the largest bucket
    (masked-LM: input_ids, attention_mask, mask_positions [1, M] for any M)."""

    def __init__(self, path: Path, num_threads: int) -> None:
        # LiteRT logs its accelerators and missing plugins at load, and makes (and logs) its
        # process-wide environment at the first buffer write: both happen here, filtered
        # (export.quiet), the write with the smallest signature's buffers, not in a timed call.
        with native_stderr_filtered():
            from ai_edge_litert.compiled_model import CompiledModel
            from ai_edge_litert.options import CpuOptions, Options

            self.cpu_options = CpuOptions(
                num_threads=num_threads, xnnpack_weight_cache_path=WEIGHT_CACHE
            )
            self.model = CompiledModel.from_file(
                str(path), options=Options(cpu_options=self.cpu_options)
            )
            self._signatures: dict[int, _Signature] = {}
            for name, io in self.model.get_signature_list().items():
                details = self.model.get_input_tensor_details(name)
                (output,) = self.model.get_output_tensor_details(name).values()
                self._signatures[int(name.removeprefix("seq_"))] = _Signature(
                    self.model.get_signature_index(name),
                    {n: list(details[n]["shape"]) for n in io["inputs"]},  # the buffers' order
                    list(output["shape"]),
                )
            self.buckets = sorted(self._signatures)
            #: masked-LM only: how many mask positions each bucket's signature takes (M_L)
            self.masked = {
                bucket: sig.inputs[POSITIONS][1]
                for bucket, sig in self._signatures.items()
                if POSITIONS in sig.inputs
            }
            first = self._signatures[self.buckets[0]]
            for buffer, shape in zip(self._buffers(first)[0], first.inputs.values(), strict=True):
                buffer.write(np.zeros(shape, np.int32))

    def _buffers(self, sig: _Signature) -> tuple[list[Any], list[Any]]:
        """The signature's input and output tensor buffers, made at first use and reused."""
        if sig.buffers is None:
            sig.buffers = (
                self.model.create_input_buffers(sig.index),
                self.model.create_output_buffers(sig.index),
            )
        return sig.buffers

    def static_length_for(self, length: int, positions: int = 0) -> int:
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
        bucket = self.static_length_for(length, count)
        room = self.masked.get(bucket)
        if room is not None and count > room:  # more masks than any signature takes
            chunks = [positions[:, i : i + room] for i in range(0, count, room)]
            return np.concatenate([self(input_ids, attention_mask, c) for c in chunks], axis=1)
        feeds = pad_to_static_length(input_ids, attention_mask, bucket, positions, room)
        return real_logits(self._run(bucket, feeds), length if positions is None else count)

    def _run(self, bucket: int, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """One call of the bucket's signature on its padded int32 feeds."""
        sig = self._signatures[bucket]
        inputs, outputs = self._buffers(sig)
        for buffer, name in zip(inputs, sig.inputs, strict=True):
            buffer.write(feeds[name])
        self.model.run_by_index(sig.index, inputs, outputs)
        size = int(np.prod(sig.output_shape))
        return outputs[0].read(size, np.float32).reshape(sig.output_shape)


def pad_to_static_length(
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
