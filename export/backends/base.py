"""The one small interface every export backend implements.

A backend turns an eager `ExportableModel` (input_ids, attention_mask[, mask_positions] ->
logits) into a file,
and loads such a file back as a `Runner` that runs through the backend's own runtime.
Verification (export.verify) and runtime_bench only ever talk to this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from export.backends import CATALOG, BackendInfo
from export.backends.runner import Runner
from export.quantization import QuantScheme, get_scheme

if TYPE_CHECKING:
    from export.plan import ExportPlan


@dataclass
class ExportRequest:
    """Everything a backend needs to write one artifact: the model, its inputs and the plan
    (export.plan.ExportPlan: precision, quantization settings, static lengths, ...)."""

    model: torch.nn.Module  # eager, eval mode: forward(*inputs) -> logits
    plan: ExportPlan
    example_inputs: tuple[torch.Tensor, ...]  # int64, in `input_names` order
    calibration: list[tuple[torch.Tensor, ...]] = field(default_factory=list)
    #: input_ids and attention_mask [batch, sequence]; masked-LM adds mask_positions [batch, M]
    input_names: tuple[str, ...] = ("input_ids", "attention_mask")

    @property
    def precision(self) -> str:
        return self.plan.precision

    @property
    def scheme(self) -> QuantScheme:
        return get_scheme(self.plan.precision)

    @property
    def max_seq_len(self) -> int:
        return self.plan.max_seq_len

    def dynamic_shapes(self, batch: Any) -> dict[str, dict[int, Any]]:
        """torch.export dynamic axes of every input; `batch` is a Dim or None (batch 1)."""
        seq = torch.export.Dim("sequence", min=2, max=self.max_seq_len)
        masked = torch.export.Dim("masked", min=1, max=self.max_seq_len)
        lead = {} if batch is None else {0: batch}
        return {
            name: lead | {1: masked if name == "mask_positions" else seq}
            for name in self.input_names
        }


class Backend(ABC):
    name: str  # its line in export.backends.CATALOG
    #: True when an artifact accepts any batch size; False when it is exported for batch 1.
    dynamic_batch: bool
    #: True when artifacts hold static sequence lengths (ExportPlan.static_lengths)
    static_shapes: bool = False
    #: the runtime's part of file names (<name>_<runtime>_<scheme tag>): ExecuTorch's names
    #: its delegate, as its benchmark app does; by default the backend's name
    runtime: str = ""
    #: this backend's typed quantization settings at their defaults (None: no settings);
    #: an architecture overrides fields of them (export.arch), the plan holds the result
    quant_defaults: Any = None

    @property
    def info(self) -> BackendInfo:
        """This backend's catalog line (file suffix, packages, ...)."""
        return CATALOG[self.name]

    def file_fields(self, model_tag: str, precision: str) -> dict[str, str]:
        """How a phone benchmark names an artifact (ExecuTorch minibench's convention,
        <name>_<runtime>_<scheme tag>); task.json's "files" hands these to the app. Only the
        export plan composes them into a file name (export.plan)."""
        runtime = self.runtime or self.name
        return {"name": model_tag, "backend": runtime, "quantization": get_scheme(precision).tag}

    @abstractmethod
    def export(self, request: ExportRequest, out_path: Path) -> dict[str, Any]:
        """Write the artifact to `out_path` (a temporary path; the caller renames it).

        Returns backend-specific manifest fields (e.g. the delegation summary).
        """

    def static_lengths(
        self,
        max_seq_len: int,
        input_cap: int | None,
        asked: tuple[int, ...] | None,
        sample: Sequence[int] = (),
    ) -> list[int] | None:
        """The static sequence lengths an artifact holds (None: a dynamic axis), from the
        user's `asked` lengths, else from `sample`, the task's training lengths (export.lengths).
        Decided once, by the export plan: the export writes these and the fingerprint records
        them."""
        return None

    @abstractmethod
    def load(self, path: Path, num_threads: int = 1) -> Runner:
        """Load an artifact for inference through this backend's own runtime."""

    def decoder_layout(self, precision: str) -> str:
        """How a masked-LM export reads its tied table (export.exportable.DECODER_LAYOUTS)."""
        return "linear"

    def check_available(self) -> None:
        """Raise a one-line ConfigError when an optional runtime is not installed."""
        return None

    def task_json(self, entries: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """This backend's section of task.json (how the app feeds its files), if it needs one."""
        return None
