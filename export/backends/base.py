"""The one small interface every export backend implements.

A backend turns an eager `ExportableModel` (input_ids, attention_mask[, mask_positions] ->
logits) into a file,
and loads such a file back as a `Runner` that runs through the backend's own runtime.
Verification (export.verify) and runtime_bench only ever talk to this interface.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from export.backends import CATALOG, BackendInfo
from export.quantization import QuantScheme, get_scheme


@dataclass
class ExportRequest:
    """Everything a backend needs to write one artifact."""

    model: torch.nn.Module  # eager, eval mode: forward(*inputs) -> logits
    model_tag: str  # e.g. "squeezebert", used in file names
    precision: str  # a name in export.quantization.SCHEMES
    max_seq_len: int  # upper bound of the dynamic sequence axis
    example_inputs: tuple[torch.Tensor, ...]  # int64, in `input_names` order
    calibration: list[tuple[torch.Tensor, ...]] = field(default_factory=list)
    quant_policy: Any = None  # export.quantization.QuantPolicy
    #: input_ids and attention_mask [batch, sequence]; masked-LM adds mask_positions [batch, M]
    input_names: tuple[str, ...] = ("input_ids", "attention_mask")

    @property
    def scheme(self) -> QuantScheme:
        return get_scheme(self.precision)

    def dynamic_shapes(self, batch: Any) -> dict[str, dict[int, Any]]:
        """torch.export dynamic axes of every input; `batch` is a Dim or None (batch 1)."""
        seq = torch.export.Dim("sequence", min=2, max=self.max_seq_len)
        masked = torch.export.Dim("masked", min=1, max=self.max_seq_len)
        lead = {} if batch is None else {0: batch}
        return {
            name: lead | {1: masked if name == "mask_positions" else seq}
            for name in self.input_names
        }

    #: for static-shape backends (LiteRT): the sequence lengths to export; None = their default
    static_lengths: tuple[int, ...] | None = None
    #: the task's longest input (its tokenizer truncation): real inputs never exceed it
    input_cap: int | None = None


class Runner(ABC):
    """A loaded artifact. Inputs are int64 numpy arrays in the task's `input_names` order
    (input_ids, attention_mask [batch, seq]; masked-LM adds mask_positions [batch, M]); the
    output is float32 logits."""

    @abstractmethod
    def __call__(self, *inputs: np.ndarray) -> np.ndarray: ...


class Backend(ABC):
    name: str  # its line in export.backends.CATALOG
    #: True when an artifact accepts any batch size; False when it is exported for batch 1.
    dynamic_batch: bool
    #: True when artifacts hold static sequence lengths (ExportRequest.static_lengths)
    static_shapes: bool = False

    @property
    def info(self) -> BackendInfo:
        """This backend's catalog line (file suffix, packages, ...)."""
        return CATALOG[self.name]

    def file_fields(self, model_tag: str, precision: str) -> dict[str, str]:
        """How a phone benchmark names an artifact (ExecuTorch minibench's convention,
        <name>_<backend>_<quantization>); task.json's "files" hands these to the app."""
        return {"name": model_tag, "backend": self.name, "quantization": precision}

    def artifact_name(self, model_tag: str, precision: str) -> str:
        """File name of the artifact, e.g. squeezebert_xnnpack_q8.pte: its `file_fields`."""
        fields = self.file_fields(model_tag, precision)
        stem = f"{fields['name']}_{fields['backend']}_{fields['quantization']}"
        return stem + self.info.extension

    @abstractmethod
    def export(self, request: ExportRequest, out_path: Path) -> dict[str, Any]:
        """Write the artifact to `out_path` (a temporary path; the caller renames it).

        Returns backend-specific manifest fields (e.g. the delegation summary).
        """

    def signature_lengths(
        self, max_seq_len: int, input_cap: int | None, asked: tuple[int, ...] | None
    ) -> list[int] | None:
        """The static sequence lengths an artifact holds (None: a dynamic axis). Decided here
        once: the export writes these and the fingerprint records them."""
        return None

    @abstractmethod
    def load(self, path: Path, num_threads: int = 1) -> Runner:
        """Load an artifact for inference through this backend's own runtime."""

    def quant_settings(self, policy: Any) -> dict[str, Any]:
        """This backend's quantization settings under `policy` (its `quant_defaults` with the
        policy's overrides): part of every int8 artifact's fingerprint, so that changing a
        default re-exports what it changes."""
        defaults = getattr(self, "quant_defaults", None)
        if defaults is None:
            return {}
        # as the manifest stores it (tuples become lists), so a reread fingerprint compares equal
        return json.loads(json.dumps(asdict(policy.part(self.name, defaults))))

    def decoder_layout(self, precision: str) -> str:
        """How a masked-LM export reads its tied table (export.exportable.DECODER_LAYOUTS)."""
        return "linear"

    def check_available(self) -> None:
        """Raise a one-line ConfigError when an optional runtime is not installed."""
        return None

    def rewrite_target(self, policy: Any) -> str | None:
        """The export.rewrite target for this backend, or None to export the model as is."""
        return self.name

    def task_json(self, entries: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """This backend's section of task.json (how the app feeds its files), if it needs one."""
        return None
