"""Export-time rewrites that turn 1x1 Conv1d projections into quantizer-friendly Linear layers.

Why this exists
---------------
SqueezeBERT computes every projection with a (grouped) ``nn.Conv1d(kernel_size=1)`` on
activations laid out as ``[batch, channels, seq]``. Neither runtime handles that well:

* onnxruntime's dynamic int8 sends ``Conv`` to the slow ``ConvInteger`` kernel;
* the XNNPACK dynamic quantizer only quantizes 2-D convolutions, so every Conv1d stays fp32;
* the ``[B, C, L]`` layout needs a transpose around every LayerNorm and attention block.

A grouped 1x1 Conv1d with ``G`` groups is exactly ``G`` independent ``nn.Linear`` layers on
channel slices, and ``nn.Linear`` is what every int8 quantizer understands. Keeping the
activations channels-last (``[B, L, C]``) removes the transposes altogether.

The SqueezeBERT rule replaces the whole ``SqueezeBertModel`` with a channels-last one and uses
the layout that measured fastest (issue 4 report; "per group" below means per conv group):

* SqueezeBERT's groups line up (q/k/v, intermediate and output all use ``G`` groups, and each
  q/k/v group covers whole attention heads), so group ``g`` of q, k and v feeds the attention
  of its own heads directly and group ``g`` of the intermediate layer feeds group ``g`` of the
  output layer: no concatenation between q/k/v and attention, nor between the two FFN GEMMs.
* Residual adds and LayerNorms run on the full ``[B, L, C]`` tensor; the ungrouped
  post-attention projection is one GEMM. (Keeping everything in per-group pieces lets XNNPACK
  delegate LayerNorm too, but needs four column-block post-attention GEMMs that each quantize
  the full input, and measured slower; it is kept as ``RewriteOptions(layer_norm="pieces")``.)
* Attention is explicit 3-D ``bmm`` on ``view``s that keep ``-1`` for the sequence axis:
  XNNPACK refuses reshapes to a symbolic shape, and a 4-D ``torch.matmul`` decomposes into
  symbolic ``expand``/``view`` copies that fall back to the CPU. The ``1/sqrt(head_dim)``
  score scale is folded into the query weights.
* The attention mask is a plain additive mask, ``(1 - mask) * finfo(float32).min``, computed in
  the graph from the ``int64`` ``[B, L]`` mask: transformers 5's index-based
  ``create_bidirectional_mask`` breaks PT2E calibration.

Rejected layouts, all measured: one block-diagonal dense Linear per grouped conv (4x the
multiply-adds; 1.8-2.6x slower on onnxruntime), a single ``bmm``/``einsum`` with a 3-D weight (no quantizer
touches 3-D weights), fused q/k/v GEMMs per group (the ``split`` of their output is a CPU
fallback in ExecuTorch and no faster in onnxruntime), and slicing every grouped projection's
input from one ``[B, L, C]`` state (``RewriteOptions(pieces=False)``; 10-15% slower).

Where the remaining time goes, and what else was tried (ExecuTorch int8, full-size SqueezeBERT,
seq 128, 1 thread, ETDump profile of 32.0 ms): int8 GEMMs 17.9 ms (their floor at this core's
int8 peak is 15.7), fp32 attention ``bmm`` 5.9 (at the fp32 peak; XNNPACK has no int8 kernel
for an activation-by-activation product, and BERT-base pays the same 6.5), ``native_layer_norm``
2.1 (25 calls, not delegated), GELU 1.3, softmax 0.8, everything else 1.8. ETDump books another
1.5-2.2 ms to the 26 delegate calls beyond their operators, but removing the boundaries does not
recover it (below). None of these alternatives measured faster, side by side with the default:

* delegating the per-group ``slice_copy`` nodes (XNNPACK's partitioner refuses them on a
  dynamic sequence axis; a custom config serialising the dynamic size as XNNPACK's inferred
  size ``0`` is exact at every length): 32.1 vs 31.9 ms, so the graph breaks cost nothing;
* LayerNorm decomposed into delegated ``mm``/``sub``/``mul``/``rsqrt`` (standalone: eight
  LayerNorm+Linear pairs 12.6 vs 12.1 ms; ``layer_norm="pieces"`` with delegated slices, one
  delegate per layer pair: 34.8 vs 31.9 ms). The ``mm`` with a ``1/C`` column is the slow part
  (49 us: an N=1 GEMM wastes the kernel's lanes). With the lanes over tokens instead,
  ``bmm(avg[1, 1, C], x^T)``, LayerNorm costs 70 us as XNNPACK ops against 82 us for
  ``native_layer_norm``, and the graph becomes a single delegate, yet eight pairs take 12.01 vs
  11.98 ms end to end. A 4-D ``mean`` (global average pooling) needs two transposes: 12.19 ms.
  A single pass, E[x^2] - E[x]^2 over a ``cat``, gives 12.63 ms. So the delegate boundaries
  themselves cost next to nothing;
* a static-shape export (sequence fixed at 128): 31.51 vs 31.25 ms dynamic. The XNNPACK delegate
  reshapes its runtime on every call either way;
* fused q/k/v per group with delegated slices instead of ``split``: 31.85 vs 31.9 ms;
* grouped ``Conv2d`` (XNNPACK quantizes 2-D grouped convolutions dynamically, as one operator
  per projection): ExecuTorch's channels-last pass rejects the ``[B, L, C]`` -> NCHW view.

What is left is in the runtime's kernels, not the graph, and it is shared with BERT-base: the
fp32 attention products (about 6 ms in both models), a LayerNorm kernel at 82 us per call, and
the epilogue of the K=192 group GEMMs (190 against 214 GMAC/s for the 768-wide ones). By
arithmetic, an int8 activation-by-activation attention kernel (saving about 4 ms in both models)
would take the int8 ratio to BERT-base from 2.06x to about 2.2x. A LayerNorm at XNNPACK's
elementwise speed (saving about 1 ms) would add a few hundredths on top. Both need a
custom-built ExecuTorch runtime, and then NDK builds for the phone.

Contract
--------
``rewrite_for_export(model)`` never touches its argument (unless ``inplace=True``): it deep-copies
the model, rewrites the copy and returns ``RewriteResult(model, report)``. Fine-tuned
checkpoints therefore stay standard Hugging Face directories; the rewrite happens on the way out.
The rewritten task model keeps the Hugging Face call signature
(``model(input_ids=..., attention_mask=...).logits``), so the backends' export wrapper needs no
change. Models without 1x1 Conv1d projections (BERT, MiniLM) come back unchanged with an empty
report, except for ``target="executorch"``, where BERT's self-attention is rewritten to the same
3-D ``bmm`` form (``BertBmmSelfAttention``; 2.4% faster int8 BERT-base in ExecuTorch, because
the 4-D matmul's ``expand``/``view`` copies stop falling back to the CPU).

Rules live in a registry keyed by module type (``@register_rewrite(SomeModule)``), so another
BERT-family architecture plugs in by registering a rule for its encoder module.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

import torch
from torch import nn

__all__ = [
    "REWRITE_VERSION",
    "GroupedLinear",
    "PointwiseConv1dAsLinear",
    "RewriteOptions",
    "RewriteReport",
    "RewriteResult",
    "RewriteRule",
    "additive_attention_mask",
    "options_for_target",
    "register_rewrite",
    "registered_rules",
    "rewrite_for_export",
]

#: Bumped whenever the rewritten graph changes; recorded in the manifest so a rebuild is forced.
REWRITE_VERSION = 1

Target = Literal["generic", "onnx", "executorch", "litert"]


@dataclass(frozen=True)
class RewriteOptions:
    """Layout choices of the rewrite. ``options_for_target`` holds the measured defaults.

    Attributes:
        pieces: when the model's groups line up, run q/k/v, attention and the FFN per group
            (see module docstring). ``False`` treats every grouped projection on its own:
            slice its input, one Linear per group, concatenate its output.
        fuse_qkv: one ``Linear(C/G -> 3C/G)`` per group instead of three, then ``split``
            (saves two activation quantizations per group, costs a split).
        layer_norm: ``"native"`` keeps residual adds and ``nn.LayerNorm`` on the full tensor and
            slices its output into pieces (one post-attention GEMM); ``"pieces"`` keeps every
            residual in pieces (post-attention as ``G`` column-block GEMMs) and normalises the
            pieces directly with mean/variance computed
            by ``torch.mm`` against a constant column (delegated by XNNPACK; never quantized,
            since the XNNPACK quantizer only annotates ``aten.linear``). Do not use ``"pieces"``
            for ONNX: onnxruntime's quantizer would turn those MatMuls into int8.
    """

    pieces: bool = True
    fuse_qkv: bool = False
    layer_norm: Literal["native", "pieces"] = "native"

    def __post_init__(self) -> None:
        if self.layer_norm not in ("native", "pieces"):
            raise ValueError(f"layer_norm must be 'native' or 'pieces', got {self.layer_norm!r}")


#: Measured defaults per backend. Full-size SqueezeBERT int8, 1 thread, seq 128 (CPU ms):
#: ExecuTorch 4-layer slice: default 10.9, layer_norm="pieces" 11.2, fuse_qkv 11.3,
#: pieces=False 12.2, first probe layout (slices + 4-D matmul) 12.9; onnxruntime full model:
#: default 38.7 (with ORT_SESSION_CONFIG), fuse_qkv +0.0, pieces=False +25%. The same layout
#: wins on both, the targets differ only in which registered rules apply (BERT attention).
_TARGET_OPTIONS: dict[str, RewriteOptions] = {
    "generic": RewriteOptions(),
    "onnx": RewriteOptions(),
    "executorch": RewriteOptions(),
    "litert": RewriteOptions(),
}


def options_for_target(target: Target) -> RewriteOptions:
    """The layout that measured fastest for ``target`` ("onnx", "executorch" or "generic")."""
    try:
        return _TARGET_OPTIONS[target]
    except KeyError:
        raise ValueError(
            f"unknown rewrite target {target!r}; use one of {sorted(_TARGET_OPTIONS)}"
        ) from None


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class RewriteRecord:
    """One application of one rule to one module."""

    rule: str
    module: str  # dotted path inside the model ("" for the root)
    replaced: str  # class name of the module that was replaced
    counts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RewriteReport:
    """What ``rewrite_for_export`` changed; ``to_manifest()`` is what the manifest records."""

    target: str
    options: RewriteOptions
    records: list[RewriteRecord] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return bool(self.records)

    @property
    def counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for record in self.records:
            total.update(record.counts)
        return dict(sorted(total.items()))

    def to_manifest(self) -> dict[str, Any]:
        rules = Counter(record.rule for record in self.records)
        return {
            "applied": self.applied,
            "version": REWRITE_VERSION,
            "target": self.target,
            "options": asdict(self.options) if self.applied else None,
            "rules": dict(sorted(rules.items())),
            "counts": self.counts,
            "modules": [
                {"rule": r.rule, "module": r.module, "replaced": r.replaced, **r.notes}
                for r in self.records
            ],
        }


class RewriteResult(NamedTuple):
    model: nn.Module
    report: RewriteReport


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

#: A rule gets (module, options) and returns (replacement, counts, notes); it may return None
#: to decline (the walk then descends into the module's children).
RuleFn = Callable[
    [nn.Module, RewriteOptions], "tuple[nn.Module, dict[str, int], dict[str, Any]] | None"
]


@dataclass(frozen=True)
class RewriteRule:
    name: str
    module_type: type[nn.Module]
    fn: RuleFn
    #: backends the rule is for; None means every target (including "generic")
    targets: frozenset[str] | None = None

    def applies_to(self, target: str) -> bool:
        return self.targets is None or target in self.targets


_RULES: dict[type[nn.Module], RewriteRule] = {}


def register_rewrite(
    module_type: type[nn.Module], name: str, *, targets: Sequence[str] | None = None
) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the export rewrite for modules of exactly ``module_type``.

    ``targets`` limits the rule to some backends (e.g. a layout that only pays off on
    ExecuTorch); by default it applies to every target.

    The walk looks rules up along the module's MRO, so a rule for a base class also applies to
    subclasses that have no rule of their own; the most specific rule wins. Registering a
    second rule for the same type replaces the first (so a project can override a built-in).
    """

    def decorator(fn: RuleFn) -> RuleFn:
        _RULES[module_type] = RewriteRule(
            name=name,
            module_type=module_type,
            fn=fn,
            targets=frozenset(targets) if targets is not None else None,
        )
        return fn

    return decorator


def registered_rules() -> list[RewriteRule]:
    return list(_RULES.values())


def _rule_for(module: nn.Module, target: str) -> RewriteRule | None:
    for cls in type(module).__mro__:
        rule = _RULES.get(cls)
        if rule is not None and rule.applies_to(target):
            return rule
    return None


def rewrite_for_export(
    model: nn.Module,
    *,
    target: Target = "generic",
    options: RewriteOptions | None = None,
    inplace: bool = False,
) -> RewriteResult:
    """Apply every registered rewrite to (a deep copy of) ``model``.

    Args:
        model: an eval-mode model, typically a Hugging Face task model.
        target: backend the result is for; selects the measured-fastest ``RewriteOptions``.
        options: explicit layout options (overrides ``target``'s defaults).
        inplace: rewrite ``model`` itself instead of a deep copy. Only for callers that made
            their own copy; the default never mutates the caller's model.

    Returns:
        ``RewriteResult(model, report)``; ``report.applied`` is False when nothing matched, in
        which case the returned model is an unchanged copy.
    """
    opts = options if options is not None else options_for_target(target)
    out = model if inplace else copy.deepcopy(model)
    out.eval()
    report = RewriteReport(target=target, options=opts)

    root_rule = _rule_for(out, target)
    if root_rule is not None:
        applied = root_rule.fn(out, opts)
        if applied is not None:
            new, counts, notes = applied
            report.records.append(
                RewriteRecord(root_rule.name, "", type(out).__name__, counts, notes)
            )
            return RewriteResult(new.eval(), report)

    _walk(out, "", opts, report)
    return RewriteResult(out, report)


def _walk(parent: nn.Module, prefix: str, opts: RewriteOptions, report: RewriteReport) -> None:
    for name, child in list(parent.named_children()):
        path = f"{prefix}.{name}" if prefix else name
        rule = _rule_for(child, report.target)
        applied = rule.fn(child, opts) if rule is not None else None
        if applied is None:
            _walk(child, path, opts, report)
            continue
        new, counts, notes = applied
        setattr(parent, name, new.eval())
        report.records.append(RewriteRecord(rule.name, path, type(child).__name__, counts, notes))


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


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
def _rewrite_pointwise_conv1d(
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


class PiecewiseLayerNorm(nn.Module):
    """LayerNorm over the channel-concatenation of ``pieces``, returning pieces again.

    Mean and variance are sums of per-piece ``torch.mm`` products with a constant
    ``1/C`` column: XNNPACK delegates ``mm`` (and leaves it fp32: its quantizer only annotates
    ``aten.linear``), while ``native_layer_norm`` and 3-D ``mean`` are CPU fallbacks that split
    the delegate graph.
    """

    def __init__(self, ln: nn.LayerNorm, sizes: Sequence[int]) -> None:
        super().__init__()
        channels = sum(sizes)
        if tuple(ln.normalized_shape) != (channels,):
            raise ValueError(f"LayerNorm over {ln.normalized_shape} does not cover {channels}")
        self.eps = float(ln.eps)
        self.sizes = list(sizes)
        weight = ln.weight.detach() if ln.weight is not None else torch.ones(channels)
        bias = ln.bias.detach() if ln.bias is not None else torch.zeros(channels)
        self.weights = nn.ParameterList(nn.Parameter(w.clone()) for w in weight.split(self.sizes))
        self.biases = nn.ParameterList(nn.Parameter(b.clone()) for b in bias.split(self.sizes))
        for i, size in enumerate(self.sizes):
            self.register_buffer(f"avg{i}", torch.full((size, 1), 1.0 / channels), persistent=False)

    def _mean(self, parts: Sequence[torch.Tensor]) -> torch.Tensor:
        total: torch.Tensor | None = None
        for i, part in enumerate(parts):
            col = torch.mm(part.view(-1, part.shape[-1]), getattr(self, f"avg{i}"))
            total = col if total is None else total + col
        assert total is not None
        return total.view(parts[0].shape[0], -1, 1)

    def forward(self, parts: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        mean = self._mean(parts)
        centered = [p - mean for p in parts]
        inv_std = torch.rsqrt(self._mean([c * c for c in centered]) + self.eps)
        return [
            c * inv_std * w + b for c, w, b in zip(centered, self.weights, self.biases, strict=True)
        ]


# --------------------------------------------------------------------------------------------
# SqueezeBERT
# --------------------------------------------------------------------------------------------


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
    """One SqueezeBertModule on channels-last pieces; see the module docstring for the layout."""

    def __init__(self, layer: nn.Module, config: Any, pieces: int, options: RewriteOptions) -> None:
        super().__init__()
        att = layer.attention
        hidden = int(config.hidden_size)
        self.heads = int(config.num_attention_heads)
        self.head_dim = hidden // self.heads
        self.pieces = pieces
        self.piece = hidden // pieces
        self.heads_per_piece = self.heads // pieces
        scale = 1.0 / math.sqrt(self.head_dim)

        def projection(conv: nn.Conv1d, scale: float = 1.0) -> nn.ModuleList:
            # pieces > 1: the conv's groups equal the pieces, one plain Linear per piece.
            if pieces > 1:
                return nn.ModuleList(_conv_group_linears(conv, scale))
            return nn.ModuleList([GroupedLinear.from_conv(conv, scale)])

        self.fuse_qkv = options.fuse_qkv and pieces > 1
        if self.fuse_qkv:
            fused = []
            for lq, lk, lv in zip(
                _conv_group_linears(att.query, scale),
                _conv_group_linears(att.key),
                _conv_group_linears(att.value),
                strict=True,
            ):
                lin = nn.Linear(lq.in_features, 3 * lq.out_features)
                with torch.no_grad():
                    lin.weight.copy_(torch.cat([lq.weight, lk.weight, lv.weight]))
                    lin.bias.copy_(torch.cat([lq.bias, lk.bias, lv.bias]))
                fused.append(lin)
            self.qkv = nn.ModuleList(fused)
        else:
            self.query = projection(att.query, scale)
            self.key = projection(att.key)
            self.value = projection(att.value)

        post_conv = layer.post_attention.conv1d
        self.piecewise_norm = options.layer_norm == "pieces" and pieces > 1
        if self.piecewise_norm:
            # Column blocks: the post-attention output is produced directly in pieces.
            (post,) = _conv_group_linears(post_conv)
            blocks = []
            for g in range(pieces):
                lin = nn.Linear(hidden, self.piece)
                with torch.no_grad():
                    lin.weight.copy_(post.weight[g * self.piece : (g + 1) * self.piece])
                    lin.bias.copy_(post.bias[g * self.piece : (g + 1) * self.piece])
                blocks.append(lin)
            self.post_attention = nn.ModuleList(blocks)
        else:
            self.post_attention = nn.ModuleList([GroupedLinear.from_conv(post_conv)])
        self.intermediate = projection(layer.intermediate.conv1d)
        self.act = layer.intermediate.act
        self.output = projection(layer.output.conv1d)

        def norm(ln: nn.LayerNorm) -> nn.Module:
            plain = nn.LayerNorm(hidden, eps=ln.eps)
            plain.weight, plain.bias = ln.weight, ln.bias
            if self.piecewise_norm:
                return PiecewiseLayerNorm(plain, [self.piece] * pieces)
            return plain

        self.post_attention_norm = norm(layer.post_attention.layernorm)
        self.output_norm = norm(layer.output.layernorm)

    def _attention(self, parts: Sequence[torch.Tensor], mask: torch.Tensor) -> torch.Tensor:
        contexts = []
        for g, x in enumerate(parts):
            if self.fuse_qkv:
                q, k, v = torch.split(self.qkv[g](x), self.piece, dim=-1)
            else:
                q, k, v = self.query[g](x), self.key[g](x), self.value[g](x)
            contexts.append(_attend(q, k, v, mask, self.heads_per_piece, self.head_dim))
        return contexts[0] if len(contexts) == 1 else torch.cat(contexts, dim=-1)

    def _ffn(self, parts: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [self.output[g](self.act(self.intermediate[g](x))) for g, x in enumerate(parts)]

    def forward(self, state: Any, mask: torch.Tensor) -> Any:
        """``state`` is the ``[B, L, C]`` hidden state, or its list of pieces when the
        LayerNorms are piecewise (then every residual stays in pieces too)."""
        if self.piecewise_norm:
            parts = state
            ctx = self._attention(parts, mask)
            h = self.post_attention_norm(
                [lin(ctx) + x for lin, x in zip(self.post_attention, parts, strict=True)]
            )
            return self.output_norm([y + x for y, x in zip(self._ffn(h), h, strict=True)])
        # Native LayerNorm: residuals and norms on the full tensor, pieces are slices of it.
        # One post-attention GEMM (its input is quantized once, not once per column block).
        ctx = self._attention(_slices(state, self.piece, self.pieces), mask)
        h = self.post_attention_norm(self.post_attention[0](ctx) + state)
        ffn = self._ffn(_slices(h, self.piece, self.pieces))
        f = ffn[0] if len(ffn) == 1 else torch.cat(ffn, dim=-1)
        return self.output_norm(f + h)


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
        self.mask_heads = config.num_attention_heads // self.pieces

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
        x = self._embed(input_ids, token_type_ids, position_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        mask = self._mask(attention_mask, x.dtype)
        state: Any = x
        if self.layers and self.layers[0].piecewise_norm:
            state = [p.contiguous() for p in _slices(x, self.piece, self.pieces)]
        for layer in self.layers:
            state = layer(state, mask)
        hidden = torch.cat(state, dim=-1) if isinstance(state, list) else state
        pooled = self.pooler(hidden)
        use_dict = return_dict if return_dict is not None else self.config.return_dict
        if not use_dict:
            return (hidden, pooled)
        return BaseModelOutputWithPooling(last_hidden_state=hidden, pooler_output=pooled)


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
        "attention": "eager bmm, query pre-scaled by 1/sqrt(head_dim)",
        "attention_mask": "additive (1 - mask) * finfo(float32).min, computed from int64 [B, L]",
    }
    return new, counts, notes


_SQUEEZEBERT = _squeezebert_model_type()
if _SQUEEZEBERT is not None:
    register_rewrite(_SQUEEZEBERT, "squeezebert_channels_last")(_rewrite_squeezebert)


# --------------------------------------------------------------------------------------------
# BERT family (ExecuTorch only)
# --------------------------------------------------------------------------------------------


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
    register_rewrite(_BERT_ATTENTION, "bert_bmm_attention", targets=("executorch", "litert"))(
        _rewrite_bert_attention
    )
