"""Quantization schemes, and how much of a model's compute runs int8.

``SCHEMES`` is the one table of precisions (``--precisions``, the manifest's "precision", the
benchmark's names and aliases). How each backend quantizes is its own typed settings
(``OrtQuant``, ``ExecuTorchQuant``, ``LiteRTQuant``) with an architecture's overrides
(export.arch), decided per artifact by its export plan (export.plan). The manifest records
``compute_breakdown``, the share of multiply-adds that runs int8. Why the settings are what
they are: docs/performance.md ("Quantization policy"). This module imports no torch
(runtime_bench reads ``SCHEMES`` on ONNX-only hosts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ATTENTION_OPS",
    "PRECISIONS",
    "PRECISION_ALIASES",
    "REFERENCE_PRECISION",
    "SCHEMES",
    "QuantScheme",
    "compute_breakdown",
    "get_scheme",
]


@dataclass(frozen=True)
class QuantScheme:
    """One precision an artifact can be exported in.

    Attributes:
        name: the ``--precisions`` name and the manifest's "precision".
        tag: its short name in artifact file names (``<model>_<runtime>_<tag>``, export.plan).
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
