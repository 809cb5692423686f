"""The export plan: every decision about one artifact, made once, before anything is exported.

``plan_for`` combines what the architecture says (export.arch: rewrite rules per backend,
quantization overrides per backend and task), what the backend says (its file naming, typed
quantization defaults, masked-LM decoder layout, static or dynamic lengths) and the build's
context. The build fingerprints the plan, hands it to the backend in ``ExportRequest.plan``,
applies exactly its rewrite rules, and records it verbatim in the manifest: no second place
decides any of these, so the manifest cannot contradict what ran.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from export.arch import Architecture
from export.backends.base import Backend
from export.quantization import get_scheme
from export.tasks.base import Task


@dataclass(frozen=True)
class ExportPlan:
    """One artifact, decided.

    Attributes:
        architecture: the family (export.arch) whose tables decided it.
        backend: the backend's name (export.backends.CATALOG).
        precision: a name in export.quantization.SCHEMES.
        task: the task's name.
        file: the artifact's file name, <file tag>_<runtime>_<scheme tag><extension>.
        file_fields: the parts of `file` a phone benchmark parses (task.json's "files").
        rewrite_rules: the export.rewrite rules applied, by name; each must match a module.
        decoder_layout: masked-LM only: how the decoder reads the tied table; else None.
        masked_rows: masked-LM only: whether the last layer runs on the masked rows only (the
            family's path, export.arch); off where 4-bit Linears are asked for, because
            XNNPACK leaves their M-row form outside the delegate and the .pte does not lower.
        quant: the backend's typed quantization settings (its defaults with the family's
            overrides for this backend and task); None unquantized.
        static_lengths: the sequence lengths a static-shape artifact holds; None: dynamic.
        max_seq_len: the model's longest sequence (the dynamic axis' upper bound).
        dynamic_batch: whether the artifact takes any batch size (else batch 1).
    """

    architecture: str
    backend: str
    precision: str
    task: str
    file: str
    file_fields: dict[str, str]
    rewrite_rules: tuple[str, ...]
    decoder_layout: str | None
    masked_rows: bool | None
    quant: Any
    static_lengths: tuple[int, ...] | None
    max_seq_len: int
    dynamic_batch: bool

    def to_manifest(self) -> dict[str, Any]:
        """As JSON (tuples become lists), so a manifest read back compares equal."""
        out = asdict(self)
        out["quant"] = None if self.quant is None else asdict(self.quant)
        out["dynamic_axes"] = None if self.static_lengths else self._dynamic_axes()
        return json.loads(json.dumps(out))

    def _dynamic_axes(self) -> dict[str, Any]:
        axes: dict[str, Any] = {"sequence": [2, self.max_seq_len]}
        return ({"batch": "any"} if self.dynamic_batch else {}) | axes


def plan_for(
    arch: Architecture,
    backend: Backend,
    precision: str,
    task: Task,
    *,
    file_tag: str,
    max_seq_len: int,
    static_lengths: tuple[int, ...] | None = None,
    length_sample: Sequence[int] = (),
) -> ExportPlan:
    """The plan of `backend` x `precision` for `task` on a model of family `arch`.

    Args:
        file_tag: the model's part of the file name (export.models.ModelSpec.file_tag).
        max_seq_len: the model's position limit.
        static_lengths: the user's --static-lengths (None: the backend's default lengths).
        length_sample: token lengths of the task's training inputs, from which a static-shape
            backend chooses its default lengths (export.lengths).
    """
    fields = backend.file_fields(file_tag, precision)
    file = f"{fields['name']}_{fields['backend']}_{fields['quantization']}{backend.info.extension}"
    quant = None
    if get_scheme(precision).quantized and backend.quant_defaults is not None:
        quant = replace(backend.quant_defaults, **arch.quant_overrides(backend.name, task.name))
    lengths = backend.static_lengths(max_seq_len, task.max_length, static_lengths, length_sample)
    return ExportPlan(
        architecture=arch.name,
        backend=backend.name,
        precision=precision,
        task=task.name,
        file=file,
        file_fields=fields,
        rewrite_rules=arch.rules_for(backend.name),
        decoder_layout=backend.decoder_layout(precision) if task.decodes_masked_rows else None,
        masked_rows=_masked_rows(arch, quant) if task.decodes_masked_rows else None,
        quant=quant,
        static_lengths=None if lengths is None else tuple(lengths),
        max_seq_len=max_seq_len,
        dynamic_batch=backend.dynamic_batch,
    )


def _masked_rows(arch: Architecture, quant: Any) -> bool:
    """The family's rows path, unless 4-bit Linears are asked for (MobileBERT's masked-LM
    .pte): measured, their M-row inputs stay outside XNNPACK and the export fails."""
    return arch.masked_rows is not None and not getattr(quant, "int4_linears", "")
