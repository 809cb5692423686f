"""SqueezeBERT: the whole ``SqueezeBertModel`` becomes a channels-last model of per-group Linears.

A grouped 1x1 Conv1d with ``G`` groups is exactly ``G`` ``nn.Linear`` layers on channel slices,
which every int8 quantizer understands; channels-last ``[B, L, C]`` removes the transposes around
every LayerNorm and attention block. When the groups line up, group ``g`` of the intermediate
layer feeds group ``g`` of the output layer, with nothing concatenated between them. The q/k/v
groups are concatenated and attention runs once over all heads: a third fewer graph operators
than attention per group, which is faster at real-traffic lengths on every runtime and smaller
per LiteRT signature (docs/performance.md, "One attention per layer"). Attention is 3-D ``bmm``
with the score scale folded into the query. The layouts tried and rejected, with their
timings: docs/performance.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from export.arch._rows import gather_positions
from export.rewrite.blocks import (
    GroupedLinear,
    _attend,
    _conv_group_linears,
    _is_pointwise_conv1d,
    _per_head_mask,
    _slices,
    _static_one,
    additive_attention_mask,
)
from export.rewrite.registry import RewriteOptions, register_rewrite


def _squeezebert_state_groups(config: Any) -> int:
    """How many pieces the hidden state can be carried in (1 when the groups do not line up)."""
    g = int(config.q_groups)
    hidden, heads = int(config.hidden_size), int(config.num_attention_heads)
    aligned = (
        g > 1
        and config.k_groups == g
        and config.v_groups == g
        and config.intermediate_groups == g
        and config.output_groups == g
        and config.post_attention_groups == 1
        and heads % g == 0
        and hidden % g == 0
        and config.intermediate_size % g == 0
    )
    return g if aligned else 1


class SqueezeBertChannelsLastLayer(nn.Module):
    """One SqueezeBertModule on channels-last pieces: residuals, LayerNorms and attention on the
    full ``[B, L, C]`` tensor, the q/k/v projections and the FFN per piece (slices of it)."""

    def __init__(self, layer: nn.Module, config: Any, pieces: int, options: RewriteOptions) -> None:
        super().__init__()
        att = layer.attention
        hidden = int(config.hidden_size)
        self.heads = int(config.num_attention_heads)
        self.head_dim = hidden // self.heads
        self.pieces = pieces
        self.piece = hidden // pieces
        scale = 1.0 / math.sqrt(self.head_dim)

        def projection(conv: nn.Conv1d, scale: float = 1.0) -> nn.ModuleList:
            # pieces > 1: the conv's groups equal the pieces, one plain Linear per piece.
            if pieces > 1:
                return nn.ModuleList(_conv_group_linears(conv, scale))
            return nn.ModuleList([GroupedLinear.from_conv(conv, scale)])

        self.query = projection(att.query, scale)
        self.key = projection(att.key)
        self.value = projection(att.value)
        # One post-attention GEMM (its input is quantized once, not once per column block).
        self.post_attention = GroupedLinear.from_conv(layer.post_attention.conv1d)
        self.intermediate = projection(layer.intermediate.conv1d)
        self.act = layer.intermediate.act
        self.output = projection(layer.output.conv1d)

        def norm(ln: nn.LayerNorm) -> nn.LayerNorm:
            plain = nn.LayerNorm(hidden, eps=ln.eps)
            plain.weight, plain.bias = ln.weight, ln.bias
            return plain

        self.post_attention_norm = norm(layer.post_attention.layernorm)
        self.output_norm = norm(layer.output.layernorm)

    def _attention(
        self, parts: Sequence[torch.Tensor], query_parts: Sequence[torch.Tensor], mask: torch.Tensor
    ) -> torch.Tensor:
        q = _joined([self.query[g](xq) for g, xq in enumerate(query_parts)])
        k = _joined([self.key[g](x) for g, x in enumerate(parts)])
        v = _joined([self.value[g](x) for g, x in enumerate(parts)])
        return _attend(q, k, v, mask, self.heads, self.head_dim)

    def _ffn(self, parts: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [self.output[g](self.act(self.intermediate[g](x))) for g, x in enumerate(parts)]

    def forward(
        self, state: torch.Tensor, mask: torch.Tensor, rows: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The layer's output [B, L, C], or with `rows` ([B, M] positions) its output at those
        rows only [B, M, C]: keys and values still read every row, the rest runs on M."""
        query = state if rows is None else gather_positions(state, rows)
        parts = _slices(state, self.piece, self.pieces)
        query_parts = parts if rows is None else _slices(query, self.piece, self.pieces)
        ctx = self._attention(parts, query_parts, mask)
        h = self.post_attention_norm(self.post_attention(ctx) + query)
        f = _joined(self._ffn(_slices(h, self.piece, self.pieces)))
        return self.output_norm(f + h)


def _joined(parts: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-piece outputs side by side along the channels (one piece: itself, no copy)."""
    return parts[0] if len(parts) == 1 else torch.cat(list(parts), dim=-1)


class SqueezeBertChannelsLastModel(nn.Module):
    """Replacement for ``SqueezeBertModel``: same call signature and outputs, channels-last inside.

    Returns ``BaseModelOutputWithPooling(last_hidden_state, pooler_output)`` (or the tuple when
    ``return_dict=False``) so the Hugging Face task heads work unchanged. Attention maps and
    per-layer hidden states are not available from the export graph.
    """

    def __init__(self, model: nn.Module, options: RewriteOptions) -> None:
        super().__init__()
        config = model.config
        if config.embedding_size != config.hidden_size:
            raise ValueError("SqueezeBERT rewrite needs embedding_size == hidden_size")
        self.config = config
        self.pieces = _squeezebert_state_groups(config) if options.pieces else 1
        self.piece = config.hidden_size // self.pieces
        self.embeddings = model.embeddings
        self.layers = nn.ModuleList(
            SqueezeBertChannelsLastLayer(layer, config, self.pieces, options)
            for layer in model.encoder.layers
        )
        self.pooler = model.pooler
        self.mask_heads = config.num_attention_heads

    def _embed(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
    ) -> torch.Tensor:
        emb = self.embeddings
        x = emb.word_embeddings(input_ids)
        if position_ids is None:
            # Same rows as HF's position_ids buffer [0, L); a slice, not a gather.
            x = x + emb.position_embeddings.weight[: input_ids.shape[1]]
        else:
            x = x + emb.position_embeddings(position_ids)
        if token_type_ids is None:
            x = x + emb.token_type_embeddings.weight[0]
        else:
            x = x + emb.token_type_embeddings(token_type_ids)
        return emb.LayerNorm(x)  # dropout is identity in eval

    def _mask(self, attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Additive mask broadcastable against scores of shape ``[B*heads, Lq, L]``.

        Accepts what Hugging Face's SqueezeBERT accepts: a 2-D ``[B, L]`` 0/1 mask (turned into
        ``(1 - mask) * finfo.min`` here), or a prepared 4-D ``[B, 1, 1 or Lq, L]`` mask, used
        as-is when float (additive) and converted when bool (True = attend).
        """
        if attention_mask.dim() == 4:
            return _per_head_mask(attention_mask, self.mask_heads, dtype)
        if attention_mask.dim() != 2:
            raise ValueError(
                f"attention_mask must be [B, L] or [B, 1, Lq, L], got {tuple(attention_mask.shape)}"
            )
        add = additive_attention_mask(attention_mask, dtype)
        b = attention_mask.shape[0]
        if _static_one(b):
            return add.view(1, 1, -1)
        return (
            add[:, None, None, :]
            .expand(b, self.mask_heads, 1, add.shape[-1])
            .reshape(b * self.mask_heads, 1, -1)
        )

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        from transformers.modeling_outputs import BaseModelOutputWithPooling

        if input_ids is None or inputs_embeds is not None:
            raise ValueError("the export-rewritten SqueezeBERT takes input_ids only")
        if output_attentions or output_hidden_states:
            raise ValueError(
                "the export-rewritten SqueezeBERT does not return attentions or hidden states; "
                "use the original model for that"
            )
        hidden = self._encode(input_ids, attention_mask, token_type_ids, position_ids)
        pooled = self.pooler(hidden)
        use_dict = return_dict if return_dict is not None else self.config.return_dict
        if not use_dict:
            return (hidden, pooled)
        return BaseModelOutputWithPooling(last_hidden_state=hidden, pooler_output=pooled)

    def hidden_rows(
        self,
        rows: torch.Tensor,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        """The last hidden state at `rows` ([B, M] positions) only, [B, M, C]: what a
        masked-LM head reads (export.exportable.MaskedLmExportable). The last layer runs its
        queries, attention output and FFN on those M rows; equal to gathering `forward`'s."""
        return self._encode(input_ids, attention_mask, token_type_ids, None, rows)

    def _encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        rows: torch.Tensor | None = None,
    ) -> torch.Tensor:
        hidden = self._embed(input_ids, token_type_ids, position_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        mask = self._mask(attention_mask, hidden.dtype)
        for layer in self.layers[:-1]:
            hidden = layer(hidden, mask)
        return self.layers[-1](hidden, mask, rows)


def _squeezebert_model_type() -> type[nn.Module] | None:
    try:
        from transformers.models.squeezebert.modeling_squeezebert import SqueezeBertModel
    except ImportError:  # pragma: no cover - transformers is a hard dependency
        return None
    return SqueezeBertModel


def _rewrite_squeezebert(
    model: nn.Module, options: RewriteOptions
) -> tuple[nn.Module, dict[str, int], dict[str, Any]] | None:
    config = model.config
    new = SqueezeBertChannelsLastModel(model, options)
    layers = len(new.layers)
    linears = sum(1 for m in new.modules() if isinstance(m, nn.Linear))
    convs = sum(1 for m in model.modules() if isinstance(m, nn.Conv1d) and _is_pointwise_conv1d(m))
    counts = {
        "conv1d_to_linear": convs,
        "linear_layers": linears,
        "layers": layers,
        # HF transposes [B, C, L] around both LayerNorms of every layer and at encoder entry/exit.
        "layout_permutes_removed": layers * 4 + 2,
    }
    notes = {
        "layout": "channels-last [B, L, C]",
        "state_pieces": new.pieces,
        "groups": {
            "q": config.q_groups,
            "k": config.k_groups,
            "v": config.v_groups,
            "post_attention": config.post_attention_groups,
            "intermediate": config.intermediate_groups,
            "output": config.output_groups,
        },
        "attention": "eager bmm over all heads (q/k/v groups concatenated), query pre-scaled "
        "by 1/sqrt(head_dim)",
        "masked_lm": "the last layer's queries, attention output and FFN on the masked rows",
        "attention_mask": "the additive [B, 1, 1, L] float mask export.models.ExportableModel "
        "passes, repeated per head",
    }
    return new, counts, notes


_SQUEEZEBERT = _squeezebert_model_type()
if _SQUEEZEBERT is not None:
    # version 2: one attention over all heads per layer (was one per group)
    register_rewrite(_SQUEEZEBERT, "squeezebert_channels_last", version=2)(_rewrite_squeezebert)
