"""MobileBERT: the trigram embedding with one pad and two slices, and NoNorm folded into the
Linear before it.

Trigram: transformers builds the trigram input from ``x[:, 1:]`` and ``x[:, :-1]``, each padded
by one row. torch.export then guards ``L - 1 != 1`` and refuses the sequence axis's minimum of 2
("Constraints violated (sequence)"), so no ExecuTorch program with a dynamic length can be
made. Padding the whole ``[B, L, E]`` tensor once and slicing ``[B, L + 2, E]`` at offsets 2, 1
and 0 gives the same three rows (exactly: only copies) without that guard.

NoNorm (``x * w + b``, 193 of them) runs as two elementwise passes after a Linear and usually a
residual add. Its scale and shift fold into the Linear's rows and bias, so a bottleneck becomes
one Linear and ``NoNorm(dense(h) + r)`` becomes ``dense'(h) + r * w``: 531 elementwise passes
per inference become 290. Equal up to fp32 rounding; per-channel (and per-group) weight
quantization gives the same integers, since each row's scale takes its factor.
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


# --------------------------------------------------------------------------------------------
# NoNorm folded into the Linear before it
# --------------------------------------------------------------------------------------------


def fold_no_norm(dense: nn.Linear, norm: nn.Module) -> nn.Linear:
    """One Linear computing ``norm(dense(x))`` for a NoNorm ``norm`` (``x * w + b``)."""
    folded = nn.Linear(dense.in_features, dense.out_features, bias=True)
    with torch.no_grad():
        scale = norm.weight.detach()
        folded.weight.copy_(dense.weight * scale[:, None])
        bias = dense.bias if dense.bias is not None else torch.zeros_like(scale)
        folded.bias.copy_(bias * scale + norm.bias)
    return folded.to(dense.weight.dtype)


class FoldedNoNormResidual(nn.Module):
    """``NoNorm(dense(h) + r)`` as ``dense'(h) + r * w`` (MobileBertSelfOutput, FFNOutput,
    OutputBottleneck; their dropout is a no-op in eval). Same call signature."""

    def __init__(self, dense: nn.Linear, norm: nn.Module) -> None:
        super().__init__()
        self.dense = fold_no_norm(dense, norm)  # "dense": quantization rules address it by name
        self.scale = nn.Parameter(norm.weight.detach().clone(), requires_grad=False)

    def forward(self, hidden_states: torch.Tensor, residual_tensor: torch.Tensor) -> torch.Tensor:
        return self.dense(hidden_states) + residual_tensor * self.scale


class FoldedMobileBertOutput(FoldedNoNormResidual):
    """MobileBertOutput with both of its NoNorms folded (the FFN output, then the bottleneck)."""

    def __init__(self, output: nn.Module) -> None:
        super().__init__(output.dense, output.LayerNorm)
        self.bottleneck = (
            FoldedNoNormResidual(output.bottleneck.dense, output.bottleneck.LayerNorm)
            if output.use_bottleneck
            else None
        )

    def forward(  # type: ignore[override]
        self,
        intermediate_states: torch.Tensor,
        residual_tensor_1: torch.Tensor,
        residual_tensor_2: torch.Tensor,
    ) -> torch.Tensor:
        out = super().forward(intermediate_states, residual_tensor_1)
        return out if self.bottleneck is None else self.bottleneck(out, residual_tensor_2)


def _no_norm(module: nn.Module) -> bool:
    return type(module).__name__ == "NoNorm"


def _rewrite_bottleneck_layer(layer: nn.Module, options: RewriteOptions) -> Any:
    if not _no_norm(layer.LayerNorm):
        return None  # a real LayerNorm (normalization_type="layer_norm") does not fold
    return fold_no_norm(layer.dense, layer.LayerNorm), {"no_norm_folded": 1}, {}


def _rewrite_residual_output(output: nn.Module, options: RewriteOptions) -> Any:
    if not _no_norm(output.LayerNorm):
        return None
    return FoldedNoNormResidual(output.dense, output.LayerNorm), {"no_norm_folded": 1}, {}


def _rewrite_mobilebert_output(output: nn.Module, options: RewriteOptions) -> Any:
    norms = [output.LayerNorm] + ([output.bottleneck.LayerNorm] if output.use_bottleneck else [])
    if not all(_no_norm(n) for n in norms):
        return None
    return FoldedMobileBertOutput(output), {"no_norm_folded": len(norms)}, {}


def _register_no_norm_folds() -> None:
    try:
        from transformers.models.mobilebert import modeling_mobilebert as mb
    except ImportError:  # pragma: no cover
        return
    rules = {
        mb.BottleneckLayer: _rewrite_bottleneck_layer,
        mb.MobileBertSelfOutput: _rewrite_residual_output,
        mb.FFNOutput: _rewrite_residual_output,
        mb.OutputBottleneck: _rewrite_residual_output,
        mb.MobileBertOutput: _rewrite_mobilebert_output,
    }
    for module_type, fn in rules.items():
        register_rewrite(module_type, "mobilebert_no_norm_fold")(fn)


_register_no_norm_folds()
