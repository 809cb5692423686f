"""BERT family: self-attention as 3-D ``bmm`` for the backends where that pays (ExecuTorch,
LiteRT): transformers' 4-D ``matmul`` decomposes into copies that leave the delegate.

One attention (`BmmAttention`) serves BERT, MobileBERT and DistilBERT; each architecture's
rule only maps its module's Linear layers and its forward signature onto it."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from export.rewrite.blocks import _heads, _merge_heads, _per_head_mask
from export.rewrite.registry import RewriteOptions, register_rewrite


class BmmAttention(nn.Module):
    """Eager self-attention written with 3-D ``bmm``.

    transformers' eager path multiplies 4-D tensors with ``torch.matmul``, which ExecuTorch
    decomposes into ``expand_copy`` and symbolic ``view_copy`` nodes that XNNPACK refuses, so
    every layer leaves the delegate several times. Same Linear layers (query pre-scaled),
    same output; takes the additive float mask the encoders pass down.
    """

    def __init__(
        self,
        query: nn.Linear,
        key: nn.Linear,
        value: nn.Linear,
        heads: int,
        head_dim: int,
        scale: float,
        out: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.heads, self.head_dim = int(heads), int(head_dim)
        self.query = nn.Linear(query.in_features, query.out_features)
        with torch.no_grad():
            self.query.weight.copy_(query.weight * scale)
            self.query.bias.copy_(query.bias * scale)
        self.key, self.value = key, value
        self.out = out if out is not None else nn.Identity()

    def attend(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        attention_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        b = queries.shape[0]
        q = _heads(self.query(queries), self.heads, self.head_dim, keys=False)
        k = _heads(self.key(keys), self.heads, self.head_dim, keys=True)
        v = _heads(self.value(values), self.heads, self.head_dim, keys=False)
        scores = torch.bmm(q, k)
        if attention_mask is not None:
            scores = scores + _per_head_mask(attention_mask, self.heads, scores.dtype)
        ctx = torch.bmm(torch.softmax(scores, dim=-1), v)
        return self.out(_merge_heads(ctx, b, self.heads, self.head_dim))


class BertBmmSelfAttention(BmmAttention):
    """BERT's ``BertSelfAttention`` signature on `BmmAttention`."""

    def __init__(self, attention: nn.Module) -> None:
        super().__init__(
            attention.query,
            attention.key,
            attention.value,
            attention.num_attention_heads,
            attention.attention_head_size,
            attention.scaling,
        )

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        past_key_values: Any = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, None]:
        if past_key_values is not None:
            raise ValueError("the export-rewritten BERT attention has no KV cache")
        return self.attend(hidden_states, hidden_states, hidden_states, attention_mask), None


class MobileBertBmmSelfAttention(BertBmmSelfAttention):
    """MobileBERT's attention: BERT's Linear names, but separate (bottlenecked) query, key and
    value inputs."""

    def forward(  # type: ignore[override]
        self,
        query_tensor: torch.Tensor,
        key_tensor: torch.Tensor,
        value_tensor: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, None]:
        return self.attend(query_tensor, key_tensor, value_tensor, attention_mask), None


class DistilBertBmmSelfAttention(BmmAttention):
    """DistilBERT's attention holds its output projection (``out_lin``)."""

    def __init__(self, attention: nn.Module) -> None:
        super().__init__(
            attention.q_lin,
            attention.k_lin,
            attention.v_lin,
            attention.n_heads,
            attention.attention_head_size,
            attention.scaling,
            out=attention.out_lin,
        )

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, None]:
        return self.attend(hidden_states, hidden_states, hidden_states, attention_mask), None


_INFO = {"attention": "eager bmm, query pre-scaled; needs an additive float mask"}


def _bmm_rule(bmm_type: type[BmmAttention]) -> Any:
    """The rewrite rule that replaces an encoder's self-attention with `bmm_type`."""

    def rule(
        attention: nn.Module, options: RewriteOptions
    ) -> tuple[nn.Module, dict[str, int], dict[str, Any]] | None:
        config = attention.config
        if getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
            return None
        return bmm_type(attention), {"attention_bmm": 1}, dict(_INFO)

    return rule


def attention_rules() -> dict[str, tuple[type[nn.Module], Any]]:
    """Each architecture's attention module, with its rule (absent where transformers lacks it)."""
    from importlib import import_module

    found = {}
    for module, cls, bmm_type in (
        ("bert", "BertSelfAttention", BertBmmSelfAttention),
        ("mobilebert", "MobileBertSelfAttention", MobileBertBmmSelfAttention),
        ("distilbert", "DistilBertSelfAttention", DistilBertBmmSelfAttention),
    ):
        try:
            found[module] = (
                getattr(import_module(f"transformers.models.{module}.modeling_{module}"), cls),
                _bmm_rule(bmm_type),
            )
        except (ImportError, AttributeError):  # pragma: no cover
            continue
    return found


for _model, (_type, _rule) in attention_rules().items():
    register_rewrite(_type, f"{_model}_bmm_attention")(_rule)
