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

from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = [
    "ORT_SESSION_CONFIG",
    "POLICIES",
    "PRECISIONS",
    "PRECISION_ALIASES",
    "REFERENCE_PRECISION",
    "SCHEMES",
    "ExecuTorchQuant",
    "LiteRTQuant",
    "OrtQuant",
    "QuantPolicy",
    "QuantScheme",
    "compute_breakdown",
    "executorch_quantizer",
    "get_scheme",
    "load_executorch_quantized_kernels",
    "ort_quantize_kwargs",
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


#: onnxruntime session config entries for every artifact, fp32 and int8 (``SessionOptions.
#: add_session_config_entry`` in Python, ``addConfigEntry`` in Java/Kotlin): ORT's
#: ``SkipLayerNormFusion`` measured slower than the two ops it fuses (docs/performance.md).
ORT_SESSION_CONFIG: dict[str, str] = {
    "optimization.disable_specified_optimizers": "SkipLayerNormFusion",
}


@dataclass(frozen=True)
class OrtQuant:
    """onnxruntime ``quantize_dynamic`` settings.

    Attributes:
        op_types: ONNX op types to quantize. Never ``Conv`` (ConvInteger slow path).
        per_channel: per-output-channel weight scales.
        reduce_range: 7-bit weights; only needed on CPUs without VNNI/dot-product int8.
        matmul_const_b_only: ``False`` also quantizes activation x activation MatMuls (the
            attention scores and context); measured no faster (docs/performance.md), so the
            default keeps them fp32.
    """

    op_types: tuple[str, ...] = ("MatMul", "Gemm", "Gather")
    per_channel: bool = True
    reduce_range: bool = False
    matmul_const_b_only: bool = True


@dataclass(frozen=True)
class ExecuTorchQuant:
    """PT2E + XNNPACK settings.

    Attributes:
        linear: ``"dynamic_per_channel"``: int8 symmetric per-channel weights, activations
            quantized at run time (XNNPACK ``qd8-f32-qc8w`` GEMMs).
        embeddings: quantize ``nn.Embedding`` tables to uint8 rows (``embedding_byte``); the
            runtime must have ExecuTorch's quantized kernels registered.
        attention_matmuls: always False on XNNPACK: it has no int8 ``bmm``.
    """

    linear: str = "dynamic_per_channel"
    embeddings: bool = True
    attention_matmuls: bool = False


@dataclass(frozen=True)
class LiteRTQuant:
    """litert-torch + ai-edge-quantizer settings (export.backends.litert).

    Attributes:
        recipe: an ``ai_edge_quantizer.recipe`` function; ``dynamic_wi8_afp32`` is per-channel
            int8 FULLY_CONNECTED/CONV_2D weights, per-row int8 embeddings, fp32 attention
            BATCH_MATMUL, activations quantized at run time.
        rewrite: whether ``export.rewrite`` runs before litert-torch for this architecture:
            the faster of the two, measured side by side (docs/performance.md).
    """

    recipe: str = "dynamic_wi8_afp32"
    rewrite: bool = False


@dataclass(frozen=True)
class QuantPolicy:
    model_type: str
    onnx: OrtQuant = field(default_factory=OrtQuant)
    executorch: ExecuTorchQuant = field(default_factory=ExecuTorchQuant)
    litert: LiteRTQuant = field(default_factory=LiteRTQuant)
    #: whether ``export.rewrite`` changes this architecture before quantization
    rewrite: bool = False
    notes: str = ""

    def part(self, backend: str, default: T) -> T:
        """The settings this policy holds for `backend`, or `default` (the backend's own
        defaults) when the table names none for it."""
        value = getattr(self, backend.replace("-", "_"), None)
        return value if isinstance(value, type(default)) else default

    def to_manifest(self) -> dict[str, Any]:
        out = asdict(self)
        out["onnx"]["op_types"] = list(self.onnx.op_types)
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
        litert=LiteRTQuant(rewrite=True),  # 3-D bmm attention: 1.08x on LiteRT int8, L=128
        notes="Linear layers via MatMul/Gemm (ORT) and aten.linear (XNNPACK); embeddings int8.",
    ),
    "squeezebert": replace(
        _DEFAULT,
        model_type="squeezebert",
        rewrite=True,
        litert=LiteRTQuant(rewrite=True),
        notes=(
            "Grouped 1x1 Conv1d rewritten to per-group nn.Linear (export.rewrite) first; "
            "without it ORT int8 takes ConvInteger and XNNPACK leaves Conv1d fp32."
        ),
    ),
}


#: The table, keyed by ``(config.model_type, scheme)``: a scheme that needs other settings for
#: a model gets its own entry. An unknown pair gets the "default" row.
POLICIES: dict[tuple[str, str], QuantPolicy] = {
    (model_type, scheme): policy for model_type, policy in _BY_MODEL.items() for scheme in SCHEMES
}


def policy_for(config: Any, scheme: str = "int8") -> QuantPolicy:
    """The policy for a Hugging Face config (or a ``model_type`` string) and a scheme; a model
    the table does not know gets the default policy under its own name."""
    model_type = config if isinstance(config, str) else getattr(config, "model_type", "")
    policy = POLICIES.get((model_type, scheme)) or POLICIES.get(("default", scheme), _DEFAULT)
    if policy.model_type != model_type:
        policy = replace(policy, model_type=model_type or "default")
    return policy


# --------------------------------------------------------------------------------------------
# Backend adapters
# --------------------------------------------------------------------------------------------


def ort_quantize_kwargs(settings: OrtQuant) -> dict[str, Any]:
    """Keyword arguments for ``onnxruntime.quantization.quantize_dynamic``."""
    from onnxruntime.quantization import QuantType

    return {
        "op_types_to_quantize": list(settings.op_types),
        "per_channel": settings.per_channel,
        "reduce_range": settings.reduce_range,
        "weight_type": QuantType.QInt8,
        "extra_options": {"MatMulConstBOnly": settings.matmul_const_b_only},
    }


def executorch_quantizer(settings: ExecuTorchQuant) -> Any:
    """The PT2E quantizer for ``prepare_pt2e``: XNNPACK dynamic per-channel (+ embeddings)."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    if settings.linear != "dynamic_per_channel":
        raise ValueError(f"unsupported ExecuTorch linear scheme {settings.linear!r}")
    xnnpack = XNNPACKQuantizer()
    xnnpack.set_global(get_symmetric_quantization_config(is_per_channel=True, is_dynamic=True))
    if not settings.embeddings:
        return xnnpack
    from torchao.quantization.pt2e.quantizer import ComposableQuantizer
    from torchao.quantization.pt2e.quantizer.embedding_quantizer import EmbeddingQuantizer

    return ComposableQuantizer([EmbeddingQuantizer(), xnnpack])


_QUANTIZED_KERNELS_LOADED = False


def load_executorch_quantized_kernels() -> None:
    """Register ExecuTorch's quantized CPU kernels (``embedding_byte``) with the Python runtime.

    The ``executorch`` wheel ships them in ``lib/libexecutorch_kernels_quantized.so`` but the
    pybindings do not link it, so a ``.pte`` with int8 embeddings fails to load with a missing
    ``quantized_decomposed::embedding_byte.out`` until this runs. Idempotent. (The AOT side,
    ``executorch.kernels.quantized``, only registers the ops with PyTorch for export.)
    """
    global _QUANTIZED_KERNELS_LOADED
    if _QUANTIZED_KERNELS_LOADED:
        return
    import ctypes
    from pathlib import Path

    import executorch

    libs = [
        p
        for root in executorch.__path__
        for p in (Path(root) / "lib").glob("libexecutorch_kernels_quantized.*")
    ]
    if not libs:
        raise RuntimeError(
            "libexecutorch_kernels_quantized not found in the executorch package; "
            "reinstall executorch==1.5.1"
        )
    ctypes.CDLL(str(libs[0]), mode=ctypes.RTLD_GLOBAL)
    _QUANTIZED_KERNELS_LOADED = True


# --------------------------------------------------------------------------------------------
# How much compute is int8
# --------------------------------------------------------------------------------------------


def compute_breakdown(config: Any, seq_len: int) -> dict[str, Any]:
    """Multiply-adds of one sequence, split into Linear (int8 when quantized) and attention
    matmuls (fp32 on XNNPACK and by default on ORT), for the manifest.

    Grouped projections (SqueezeBERT) count ``1/groups`` of a dense one. Embedding lookups,
    LayerNorm, softmax and activations are not multiply-adds and are listed by name.
    """
    hidden = int(config.hidden_size)
    inter = int(config.intermediate_size)
    layers = int(config.num_hidden_layers)
    groups = {
        name: int(getattr(config, f"{name}_groups", 1))
        for name in ("q", "k", "v", "post_attention", "intermediate", "output")
    }
    per_layer_linear = (
        hidden * hidden * (1 / groups["q"] + 1 / groups["k"] + 1 / groups["v"])
        + hidden * hidden / groups["post_attention"]
        + hidden * inter / groups["intermediate"]
        + inter * hidden / groups["output"]
    ) * seq_len
    per_layer_attention = 2 * seq_len * seq_len * hidden  # QK^T and PV
    linear = per_layer_linear * layers
    attention = per_layer_attention * layers
    total = linear + attention
    return {
        "seq_len": seq_len,
        "linear_gmac": round(linear / 1e9, 3),
        "attention_matmul_gmac": round(attention / 1e9, 3),
        "int8_share_if_linear_int8": round(linear / total, 3),
        "fp32_ops": ["attention matmuls", "softmax", "LayerNorm", "GELU", "residual adds"],
    }
