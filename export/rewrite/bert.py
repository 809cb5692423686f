"""BERT family: self-attention as 3-D ``bmm`` for the backends where that pays (ExecuTorch,
LiteRT): transformers' 4-D ``matmul`` decomposes into copies that leave the delegate."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from export.rewrite.blocks import _heads, _merge_heads, _per_head_mask
from export.rewrite.registry import RewriteOptions, register_rewrite


class BertBmmSelfAttention(nn.Module):
    """Eager BERT self-attention written with 3-D ``bmm`` (see ``_attend``).

    transformers' eager path multiplies 4-D tensors with ``torch.matmul``, which ExecuTorch
    decomposes into ``expand_copy`` and symbolic ``view_copy`` nodes that XNNPACK refuses, so
    every layer leaves the delegate several times. Same Linear layers (query pre-scaled),
    same output; takes the additive float mask BERT's encoder passes down.
    """

    def __init__(self, attention: nn.Module) -> None:
        super().__init__()
        self.heads = int(attention.num_attention_heads)
        self.head_dim = int(attention.attention_head_size)
        scale = float(attention.scaling)
        self.query = nn.Linear(attention.query.in_features, attention.query.out_features)
        with torch.no_grad():
            self.query.weight.copy_(attention.query.weight * scale)
            self.query.bias.copy_(attention.query.bias * scale)
        self.key = attention.key
        self.value = attention.value

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        past_key_values: Any = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, None]:
        if past_key_values is not None:
            raise ValueError("the export-rewritten BERT attention has no KV cache")
        b = hidden_states.shape[0]
        q = _heads(self.query(hidden_states), self.heads, self.head_dim, keys=False)
        k = _heads(self.key(hidden_states), self.heads, self.head_dim, keys=True)
        v = _heads(self.value(hidden_states), self.heads, self.head_dim, keys=False)
        scores = torch.bmm(q, k)
        if attention_mask is not None:
            scores = scores + _per_head_mask(attention_mask, self.heads, scores.dtype)
        ctx = torch.bmm(torch.softmax(scores, dim=-1), v)
        return _merge_heads(ctx, b, self.heads, self.head_dim), None


def _rewrite_bert_attention(
    attention: nn.Module, options: RewriteOptions
) -> tuple[nn.Module, dict[str, int], dict[str, Any]] | None:
    config = attention.config
    if config.is_decoder or getattr(config, "add_cross_attention", False):
        return None
    return (
        BertBmmSelfAttention(attention),
        {"attention_bmm": 1},
        {"attention": "eager bmm, query pre-scaled; needs an additive float mask"},
    )


def _bert_attention_type() -> type[nn.Module] | None:
    try:
        from transformers.models.bert.modeling_bert import BertSelfAttention
    except ImportError:  # pragma: no cover
        return None
    return BertSelfAttention


_BERT_ATTENTION = _bert_attention_type()
if _BERT_ATTENTION is not None:
    register_rewrite(_BERT_ATTENTION, "bert_bmm_attention", opt_in=True)(_rewrite_bert_attention)
