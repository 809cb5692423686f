"""Masked-LM heads, one adapter per architecture: the transform before the vocabulary decode and
the decode's weights, so `export.exportable.MaskedLmExportable` gathers the masked rows first
and decodes them from the tied word-embedding table.

Registry keyed by ``config.model_type`` (``@register_mlm_head``); the "default" adapter reads
BERT's ``cls.predictions`` (BERT, SqueezeBERT, MiniLM).

- BERT / SqueezeBERT: ``transform`` (dense, activation, LayerNorm), then ``decoder`` tied to
  the table.
- MobileBERT: the same transform, then ``h @ cat([table^T, dense.weight])``: the table is only
  128 wide (embedding_size) against a 512-wide hidden state, so the first 128 features decode
  through the tied table and the other 384 through the head's own ``dense`` weight. Split, the
  table is read as the lookup's parameter and stored once; the concatenation would make a second,
  [V, 512] constant holding a copy of it (docs/performance.md, "MobileBERT and DistilBERT").
- DistilBERT: ``vocab_transform``, activation, ``vocab_layer_norm``, then ``vocab_projector``
  tied to the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from export.errors import ModelLoadError


@dataclass(frozen=True)
class MaskedLmHead:
    """What the masked-only export decodes with.

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


HeadAdapter = Callable[[nn.Module], MaskedLmHead]
_HEADS: dict[str, HeadAdapter] = {}


def register_mlm_head(model_type: str) -> Callable[[HeadAdapter], HeadAdapter]:
    def wrap(fn: HeadAdapter) -> HeadAdapter:
        _HEADS[model_type] = fn
        return fn

    return wrap


@register_mlm_head("default")
def _bert_head(model: nn.Module) -> MaskedLmHead:
    predictions = model.cls.predictions
    return MaskedLmHead(predictions.transform, predictions.decoder.weight, predictions.decoder.bias)


@register_mlm_head("mobilebert")
def _mobilebert_head(model: nn.Module) -> MaskedLmHead:
    predictions = model.cls.predictions
    # dense is Linear(V, H - E) only to hold a [H - E, V] matrix; F.linear wants [V, H - E]. A
    # transposed copy: a plain weight to every quantizer (a permuted parameter is not).
    rest = predictions.dense.weight.detach().t().contiguous()
    return MaskedLmHead(
        predictions.transform, predictions.decoder.weight, predictions.decoder.bias, rest
    )


class _DistilBertTransform(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.dense, self.act, self.norm = (
            model.vocab_transform,
            model.activation,
            model.vocab_layer_norm,
        )

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.norm(self.act(self.dense(hidden)))


@register_mlm_head("distilbert")
def _distilbert_head(model: nn.Module) -> MaskedLmHead:
    projector = model.vocab_projector
    return MaskedLmHead(_DistilBertTransform(model), projector.weight, projector.bias)


def masked_lm_head(model: nn.Module) -> MaskedLmHead:
    """The adapter for ``model``'s architecture; refuses a decoder not tied to the input table
    (the masked-only export stores one matrix)."""
    model_type = getattr(model.config, "model_type", "")
    head = _HEADS.get(model_type, _HEADS["default"])(model)
    if model.base_model.embeddings.word_embeddings.weight is not head.table:
        raise ModelLoadError(
            "the masked-LM decoder is not tied to the input embeddings: the masked-only "
            "export stores one matrix and needs tied weights (config.tie_word_embeddings)"
        )
    return head
