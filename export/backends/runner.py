"""What a loaded artifact is to its callers: one call from int64 inputs to float32 logits.

Apart from export.backends.base (which needs torch for the export side) so that the runners
runtime_bench imports at module scope (export.backends.litert_runtime) stay torch-free: it is
part of the contract in export.contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Runner(ABC):
    """A loaded artifact. Inputs are int64 numpy arrays in the task's `input_names` order
    (input_ids, attention_mask [batch, seq]; masked-LM adds mask_positions [batch, M]); the
    output is float32 logits."""

    @abstractmethod
    def __call__(self, *inputs: np.ndarray) -> np.ndarray: ...
