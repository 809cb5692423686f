"""Building blocks the architecture rules share: 1x1 Conv1d as Linear, masks, 3-D bmm attention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from export.rewrite.registry import RewriteOptions, register_rewrite


def _is_pointwise_conv1d(conv: nn.Module) -> bool:
    return (
        isinstance(conv, nn.Conv1d)
        and conv.kernel_size == (1,)
        and conv.stride == (1,)
        and conv.dilation == (1,)
        and conv.padding in ((0,), "valid")
        and conv.padding_mode == "zeros"
    )


def _conv_group_linears(conv: nn.Conv1d, scale: float = 1.0) -> list[nn.Linear]:
    """The ``groups`` Linear layers equivalent to a 1x1 Conv1d, group g reading slice g."""
    groups = conv.groups
    cin, cout = conv.in_channels // groups, conv.out_channels // groups
    weight = conv.weight.detach()[:, :, 0]  # [out_channels, in_channels / groups]
    bias = conv.bias.detach() if conv.bias is not None else None
    linears = []
    for g in range(groups):
        lin = nn.Linear(cin, cout, bias=bias is not None)
        with torch.no_grad():
            lin.weight.copy_(weight[g * cout : (g + 1) * cout] * scale)
            if bias is not None:
                lin.bias.copy_(bias[g * cout : (g + 1) * cout] * scale)
        linears.append(lin)
    return linears


def _slices(x: torch.Tensor, size: int, count: int) -> list[torch.Tensor]:
    """``count`` consecutive slices of ``size`` channels along the last axis."""
    if count == 1:
        return [x]
    return [x[..., i * size : (i + 1) * size] for i in range(count)]


class GroupedLinear(nn.Module):
    """A grouped 1x1 convolution as ``groups`` nn.Linear on channel slices, concatenated.

    Operates channels-last (``[..., C]``). With one group it is a plain ``nn.Linear``.
    A block-diagonal dense Linear is the obvious alternative; it costs ``groups`` times the
    multiply-adds and measured 1.8x (int8) to 2.6x (fp32) slower on onnxruntime.
    """

    def __init__(self, linears: Sequence[nn.Linear]) -> None:
        super().__init__()
        self.linears = nn.ModuleList(linears)
        self.in_group = linears[0].in_features

    @classmethod
    def from_conv(cls, conv: nn.Conv1d, scale: float = 1.0) -> GroupedLinear:
        return cls(_conv_group_linears(conv, scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.linears) == 1:
            return self.linears[0](x)
        parts = _slices(x, self.in_group, len(self.linears))
        return torch.cat([lin(p) for lin, p in zip(self.linears, parts, strict=True)], dim=-1)


class PointwiseConv1dAsLinear(nn.Module):
    """Drop-in for any 1x1 ``nn.Conv1d``: same ``[B, C, L]`` interface, Linear inside.

    The generic fallback for architectures without a dedicated rule. It keeps the transposes
    (the surrounding code expects ``[B, C, L]``) but makes the projection quantizable.
    """

    def __init__(self, conv: nn.Conv1d) -> None:
        super().__init__()
        self.proj = GroupedLinear.from_conv(conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x.transpose(1, 2)).transpose(1, 2)


@register_rewrite(nn.Conv1d, "pointwise_conv1d_as_linear")
def rewrite_pointwise_conv1d(
    conv: nn.Module, options: RewriteOptions
) -> tuple[nn.Module, dict[str, int], dict[str, Any]] | None:
    if not _is_pointwise_conv1d(conv):
        return None
    assert isinstance(conv, nn.Conv1d)
    return (
        PointwiseConv1dAsLinear(conv),
        {"conv1d_to_linear": 1, "linear_layers": conv.groups},
        {"groups": conv.groups},
    )


def additive_attention_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``[B, L]`` 0/1 mask -> ``[B, L]`` additive mask: 0 where attended, ``finfo.min`` where not.

    ``finfo.min`` matches transformers' eager masks bit for bit (softmax gives exactly 0 to
    masked keys) and, unlike ``-inf``, a fully padded row still softmaxes to finite numbers.
    """
    return (1.0 - attention_mask.to(dtype)) * torch.finfo(dtype).min


def _per_head_mask(mask: torch.Tensor, heads: int, dtype: torch.dtype) -> torch.Tensor:
    """A prepared 4-D ``[B, 1, 1 or Lq, L]`` mask -> additive, broadcastable against scores
    ``[B*heads, Lq, L]``. Float masks are already additive; bool masks mean True = attend."""
    if mask.dtype == torch.bool:
        mask = additive_attention_mask(mask, dtype)
    mask = mask.to(dtype)
    batch = mask.shape[0]
    if _static_one(batch):
        return mask[0]  # [1, Lq or 1, L], broadcasts over [heads, Lq, L]
    return mask.expand(batch, heads, mask.shape[2], mask.shape[3]).reshape(
        batch * heads, mask.shape[2], -1
    )


def _static_one(size: Any) -> bool:
    """True when ``size`` is the Python int 1 (a static batch of one at export time).

    Deliberately never compares a SymInt, which would add a guard to a dynamic batch axis.
    """
    return isinstance(size, int) and size == 1


def _heads(x: torch.Tensor, heads: int, head_dim: int, *, keys: bool) -> torch.Tensor:
    """``[B, L, heads*head_dim]`` -> ``[B*heads, L, head_dim]`` (``[B*heads, head_dim, L]`` for keys).

    For a static batch of one it uses only a ``view`` with ``-1`` for the sequence axis and a
    ``permute``: XNNPACK delegates both with a dynamic sequence length, whereas a reshape after
    a permute becomes a ``view_copy`` to a symbolic shape that stays on the CPU fallback.
    """
    b = x.shape[0]
    if _static_one(b):
        t = x.view(-1, heads, head_dim)
        return t.permute(1, 2, 0) if keys else t.permute(1, 0, 2)
    t = x.view(b, -1, heads, head_dim)
    if keys:
        return t.permute(0, 2, 3, 1).reshape(b * heads, head_dim, -1)
    return t.permute(0, 2, 1, 3).reshape(b * heads, -1, head_dim)


def _merge_heads(ctx: torch.Tensor, batch: Any, heads: int, head_dim: int) -> torch.Tensor:
    """``[B*heads, L, head_dim]`` -> ``[B, L, heads*head_dim]``."""
    if _static_one(batch):
        return ctx.permute(1, 0, 2).contiguous().view(1, -1, heads * head_dim)
    return (
        ctx.view(batch, heads, -1, head_dim)
        .permute(0, 2, 1, 3)
        .reshape(batch, -1, heads * head_dim)
    )


def _attend(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor, heads: int, head_dim: int
) -> torch.Tensor:
    """Eager softmax attention with 3-D bmm; queries are pre-scaled by 1/sqrt(head_dim)."""
    scores = torch.bmm(
        _heads(q, heads, head_dim, keys=False), _heads(k, heads, head_dim, keys=True)
    )
    probs = torch.softmax(scores + mask, dim=-1)
    ctx = torch.bmm(probs, _heads(v, heads, head_dim, keys=False))
    return _merge_heads(ctx, q.shape[0], heads, head_dim)
