"""MobileBERT: the trigram embedding with one pad and two slices, so the length stays dynamic.

transformers builds the trigram input from ``x[:, 1:]`` and ``x[:, :-1]``, each padded by one
row. torch.export then guards ``L - 1 != 1`` and refuses the sequence axis's minimum of 2
("Constraints violated (sequence)"), so no ExecuTorch program with a dynamic length can be
made. Padding the whole ``[B, L, E]`` tensor once and slicing ``[B, L + 2, E]`` at offsets 2, 1
and 0 gives the same three rows (exactly: only copies) without that guard.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from export.rewrite.registry import RewriteOptions, register_rewrite


class MobileBertTrigramEmbeddings(nn.Module):
    """``MobileBertEmbeddings`` with the trigram made from one padded copy; same parameters,
    same call signature, same output."""

    def __init__(self, embeddings: nn.Module) -> None:
        super().__init__()
        self.word_embeddings = embeddings.word_embeddings
        self.position_embeddings = embeddings.position_embeddings
        self.token_type_embeddings = embeddings.token_type_embeddings
        self.embedding_transformation = embeddings.embedding_transformation
        self.LayerNorm = embeddings.LayerNorm
        self.dropout = embeddings.dropout
        self.position_ids = embeddings.position_ids

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        length = inputs_embeds.shape[1]
        padded = nn.functional.pad(inputs_embeds, (0, 0, 1, 1))  # [B, L + 2, E]
        # next token, this token, previous token: as MobileBertEmbeddings concatenates them
        trigram = torch.cat(
            [padded[:, 2 : length + 2], padded[:, 1 : length + 1], padded[:, :length]], dim=2
        )
        x = self.embedding_transformation(trigram)
        if position_ids is None:
            position_ids = self.position_ids[:, :length]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(position_ids)
        x = x + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


def _rewrite_trigram_embeddings(
    embeddings: nn.Module, options: RewriteOptions
) -> tuple[nn.Module, dict[str, int], dict[str, Any]] | None:
    if not embeddings.trigram_input:
        return None
    return (
        MobileBertTrigramEmbeddings(embeddings),
        {"trigram_embeddings": 1},
        {"embeddings": "trigram from one padded copy (dynamic length from 2)"},
    )


def _mobilebert_embeddings_type() -> type[nn.Module] | None:
    try:
        from transformers.models.mobilebert.modeling_mobilebert import MobileBertEmbeddings
    except ImportError:  # pragma: no cover
        return None
    return MobileBertEmbeddings


_EMBEDDINGS = _mobilebert_embeddings_type()
if _EMBEDDINGS is not None:
    register_rewrite(_EMBEDDINGS, "mobilebert_trigram_embeddings")(_rewrite_trigram_embeddings)
