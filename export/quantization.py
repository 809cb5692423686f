"""Quantization schemes and the per-architecture policies that say how each backend applies them.

``SCHEMES`` is the one table of precisions (``--precisions``, the manifest's "precision", the
benchmark's names and aliases). ``POLICIES`` is keyed by ``(model_type, scheme)``, in the spirit
of ExecuTorch's per-model quantization config table; each backend asks a policy for its own
part (``QuantPolicy.part``) and gets that part's defaults when the table names none. The
manifest records the policy (``QuantPolicy.to_manifest``) with ``compute_breakdown``, the share
of multiply-adds that runs int8. Why the entries are what they are, with the measurements:
docs/performance.md ("Quantization policy"). This module imports no torch (runtime_bench reads
``SCHEMES`` on ONNX-only hosts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = [
    "ATTENTION_OPS",
    "POLICIES",
    "PRECISIONS",
    "PRECISION_ALIASES",
    "REFERENCE_PRECISION",
    "SCHEMES",
    "TASK_OVERRIDES",
    "QuantPolicy",
    "QuantScheme",
    "compute_breakdown",
    "get_scheme",
    "policy_for",
]


@dataclass(frozen=True)
class QuantScheme:
    """One precision an artifact can be exported in.

    Attributes:
        name: the ``--precisions`` name and the manifest's "precision".
        tag: its short name in ExecuTorch benchmark-app file names (``<model>_xnnpack_q8.pte``).
        compute: the arithmetic of the weight GEMMs ("fp32" or "int8"): selects the roofline
            peak; anything but "fp32" is quantized (calibrated, verified by metric delta).
        line_style: its matplotlib line style in runtime_bench's plots.
    """

    name: str
    tag: str
    compute: str
    line_style: str

    @property
    def quantized(self) -> bool:
        return self.compute != "fp32"


#: Every precision, in the order builds and reports list them.
SCHEMES: dict[str, QuantScheme] = {
    s.name: s
    for s in (
        QuantScheme("fp32", tag="fp32", compute="fp32", line_style="-"),
        QuantScheme("int8", tag="q8", compute="int8", line_style="--"),
    )
}
PRECISIONS = tuple(SCHEMES)
#: the precision of the eager PyTorch reference (and of every unquantized artifact)
REFERENCE_PRECISION = next(s.name for s in SCHEMES.values() if not s.quantized)
#: every name a precision goes by (its name, its file tag) -> its name
PRECISION_ALIASES = {alias: s.name for s in SCHEMES.values() for alias in (s.name, s.tag)}


def get_scheme(precision: str) -> QuantScheme:
    if precision not in SCHEMES:
        raise ValueError(f"unknown precision {precision!r}: choose from {', '.join(SCHEMES)}")
    return SCHEMES[precision]


@dataclass(frozen=True)
class QuantPolicy:
    model_type: str
    #: backend name -> the fields of that backend's settings (a frozen dataclass defined in
    #: its own module) that differ from their defaults for this architecture and scheme
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: whether ``export.rewrite`` changes this architecture before quantization
    rewrite: bool = False
    notes: str = ""

    def part(self, backend: str, default: T) -> T:
        """`backend`'s settings: its `default` with this policy's overrides for it (none when
        the table does not name the backend)."""
        return replace(default, **self.overrides.get(backend, {}))  # type: ignore[type-var]

    def to_manifest(self) -> dict[str, Any]:
        out = asdict(self)
        out["overrides"] = {k: dict(v) for k, v in self.overrides.items()}
        return out


_DEFAULT = QuantPolicy(
    model_type="default",
    notes="Every Linear int8 (dynamic activations), embeddings int8, attention matmuls fp32.",
)

#: Per architecture; the rewrite choices in them hold for every scheme.
_BY_MODEL: dict[str, QuantPolicy] = {
    "default": _DEFAULT,
    "bert": replace(
        _DEFAULT,
        model_type="bert",
        overrides={"litert": {"rewrite": True}},  # 3-D bmm attention: 1.08x, LiteRT int8 L=128
        notes="Linear layers via MatMul/Gemm (ORT) and aten.linear (XNNPACK); embeddings int8.",
    ),
    "squeezebert": replace(
        _DEFAULT,
        model_type="squeezebert",
        rewrite=True,
        overrides={"litert": {"rewrite": True}},
        notes=(
            "Grouped 1x1 Conv1d rewritten to per-group nn.Linear (export.rewrite) first; "
            "without it ORT int8 takes ConvInteger and XNNPACK leaves Conv1d fp32."
        ),
    ),
    "mobilebert": replace(
        _DEFAULT,
        model_type="mobilebert",
        rewrite=True,
        notes=(
            "Every Linear int8 (bottlenecks, 4 stacked FFNs, the split masked-LM decode), "
            "embeddings int8; NoNorm (x*w+b) stays fp32 elementwise; the masked-LM .pte has "
            "4-bit FFN weights (TASK_OVERRIDES). export.rewrite folds 192 of the 193 NoNorms "
            "into the Linear before them and builds the "
            "trigram embedding from one padded copy (dynamic length from 2 on ExecuTorch). "
            "Random-init int8 stays within 1 point on every task (docs/performance.md, "
            "'MobileBERT and DistilBERT'); trained weights need their own measurement."
        ),
    ),
    "distilbert": replace(
        _DEFAULT,
        model_type="distilbert",
        notes=(
            "As BERT: q/k/v/out and FFN Linears int8, embeddings int8 (no token-type table); "
            "no rewrite."
        ),
    ),
}


#: The table, keyed by ``(config.model_type, scheme)``: a scheme that needs other settings for
#: a model gets its own entry. An unknown pair gets the "default" row.
POLICIES: dict[tuple[str, str], QuantPolicy] = {
    (model_type, scheme): policy for model_type, policy in _BY_MODEL.items() for scheme in SCHEMES
}

#: MobileBERT's four stacked FFNs per layer (intermediate and output Linears): 12.6 M of its
#: encoder's 20.1 M weights
MOBILEBERT_FFNS = r"encoder\.layer\.\d+\.(ffn\.\d+\.)?(intermediate|output)\.dense$"

#: What one task of one architecture needs on top of its quantized policy, keyed by
#: ``(model_type, task name)``: backend -> settings, as ``QuantPolicy.overrides``.
TASK_OVERRIDES: dict[tuple[str, str], Mapping[str, Mapping[str, Any]]] = {
    # The masked-LM head adds 11.7 M weights of its own: with int8 FFNs the .pte is 33.7 MB,
    # 27.9 MB with 4-bit ones (1.07x slower on x86; docs/performance.md, "MobileBERT and
    # DistilBERT"). NER and news keep int8 FFNs: 26.2 MB, and faster on x86.
    ("mobilebert", "mlm"): {"executorch": {"int4_linears": MOBILEBERT_FFNS}},
}


def policy_for(config: Any, scheme: str = "int8", task: str = "") -> QuantPolicy:
    """The policy for a Hugging Face config (or a ``model_type`` string), a scheme and a task
    name (its `TASK_OVERRIDES` merged in when the scheme is quantized); a model the table does
    not know gets the default policy under its own name."""
    model_type = config if isinstance(config, str) else getattr(config, "model_type", "")
    policy = POLICIES.get((model_type, scheme)) or POLICIES.get(("default", scheme), _DEFAULT)
    if policy.model_type != model_type:
        policy = replace(policy, model_type=model_type or "default")
    extra = TASK_OVERRIDES.get((model_type, task), {})
    if extra and get_scheme(scheme).quantized:
        merged = {
            b: {**policy.overrides.get(b, {}), **extra.get(b, {})}
            for b in {*policy.overrides, *extra}
        }
        policy = replace(policy, overrides=merged)
    return policy


# --------------------------------------------------------------------------------------------
# How much compute is int8
# --------------------------------------------------------------------------------------------


#: aten ops whose multiply-adds are activation x activation products (attention): fp32 in every
#: artifact (XNNPACK has no int8 bmm; ORT's policy quantizes no attention MatMul)
ATTENTION_OPS = ("bmm", "baddbmm", "scaled_dot_product")


def compute_breakdown(config: Any, seq_len: int) -> dict[str, Any]:
    """Multiply-adds of one sequence through the encoder, split into weight GEMMs (Linear and
    1x1 convolutions: int8 when quantized) and attention matmuls (fp32), for the manifest.

    Counted by torch's FlopCounterMode on the encoder `config` describes, built on the meta
    device (no weights, no arithmetic): exact for every architecture without a formula per
    model (SqueezeBERT's groups, MobileBERT's bottlenecks and stacked FFNs, DistilBERT's
    field names). Embedding lookups, normalisation, softmax and activations are not
    multiply-adds and are listed by name.
    """
    import copy

    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModel

    with torch.device("meta"):
        # eager attention: its matmuls show as bmm (a fused SDPA kernel would hide them)
        encoder = AutoModel.from_config(copy.deepcopy(config), attn_implementation="eager")
        ids = torch.full((1, seq_len), 100, dtype=torch.long)
        additive_mask = torch.zeros((1, 1, 1, seq_len))  # as export.exportable passes it
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        encoder.eval()(input_ids=ids, attention_mask=additive_mask)
    linear = attention = 0.0
    for op, flops in counter.get_flop_counts().get("Global", {}).items():
        if any(name in str(op) for name in ATTENTION_OPS):
            attention += flops / 2
        else:
            linear += flops / 2
    total = linear + attention
    return {
        "seq_len": seq_len,
        "linear_gmac": round(linear / 1e9, 3),
        "attention_matmul_gmac": round(attention / 1e9, 3),
        "int8_share_if_linear_int8": round(linear / total, 3),
        "fp32_ops": ["attention matmuls", "softmax", "LayerNorm/NoNorm", "activations", "adds"],
    }
