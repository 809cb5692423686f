"""Per-architecture int8 quantization policies: one table, one lookup.

In the spirit of ExecuTorch's examples, which keep a per-model quantization config table, each
``model_type`` gets one ``QuantPolicy`` that says what both backends quantize and how. The
backends read it (``ort_quantize_kwargs``, ``executorch_quantizer``); the manifest records it
(``QuantPolicy.to_manifest``) together with ``compute_breakdown``, the share of multiply-adds
that runs int8.

Why the entries are what they are (measured on the 2-core AVX-512 VNNI machine, 1 thread,
batch 1, seq 128; numbers in the issue 4 report):

* ONNX Runtime quantizes ``MatMul``/``Gemm`` (every Linear) and ``Gather`` (the embedding
  tables, so the word-embedding table shrinks 4x) but never ``Conv``: ``ConvInteger`` is a slow
  reference kernel. SqueezeBERT has no Conv left after ``export.rewrite``; listing the op types
  explicitly keeps a model that was not rewritten from silently taking that path.
* ExecuTorch quantizes every Linear with ``XNNPACKQuantizer`` (dynamic activations, symmetric
  per-channel int8 weights) and the embedding table with the PT2E ``EmbeddingQuantizer``
  (uint8 per row, lowered to ``quantized_decomposed::embedding_byte``). XNNPACK has no int8
  batched matmul, so the attention score/context matmuls stay fp32 there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

__all__ = [
    "ORT_SESSION_CONFIG",
    "POLICIES",
    "ExecuTorchQuant",
    "LiteRTQuant",
    "OrtQuant",
    "QuantPolicy",
    "compute_breakdown",
    "executorch_quantizer",
    "load_executorch_quantized_kernels",
    "ort_quantize_kwargs",
    "policy_for",
]


#: onnxruntime session config entries for every artifact, fp32 and int8 (``SessionOptions.
#: add_session_config_entry`` in Python, ``addConfigEntry`` in Java/Kotlin). ORT 1.31 fuses
#: ``Add + LayerNormalization`` into ``SkipLayerNormalization``, whose CPU kernel measured ~4x
#: slower than the two ops it replaces on these graphs: +10 ms on SqueezeBERT int8 (39.5 -> 50 ms)
#: and on BERT-base int8 (76 -> 86 ms), 1 thread, seq 128.
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
            attention scores and context) with dynamically quantized uint8 inputs. Measured on
            full-size SqueezeBERT at seq 128: 38.3 vs 39.1 ms, inside run-to-run noise, with the
            same parity, so the default keeps them fp32.
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

    def to_manifest(self) -> dict[str, Any]:
        out = asdict(self)
        out["onnx"]["op_types"] = list(self.onnx.op_types)
        return out


_DEFAULT = QuantPolicy(
    model_type="default",
    notes="Every Linear int8 (dynamic activations), embeddings int8, attention matmuls fp32.",
)

#: The table. Keys are ``config.model_type``; unknown types get ``"default"``.
POLICIES: dict[str, QuantPolicy] = {
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


def policy_for(config: Any) -> QuantPolicy:
    """The quantization policy for a Hugging Face config (or a ``model_type`` string)."""
    model_type = config if isinstance(config, str) else getattr(config, "model_type", "")
    return POLICIES.get(model_type, replace(_DEFAULT, model_type=model_type or "default"))


# --------------------------------------------------------------------------------------------
# Backend adapters
# --------------------------------------------------------------------------------------------


def ort_quantize_kwargs(policy: QuantPolicy) -> dict[str, Any]:
    """Keyword arguments for ``onnxruntime.quantization.quantize_dynamic``."""
    from onnxruntime.quantization import QuantType

    return {
        "op_types_to_quantize": list(policy.onnx.op_types),
        "per_channel": policy.onnx.per_channel,
        "reduce_range": policy.onnx.reduce_range,
        "weight_type": QuantType.QInt8,
        "extra_options": {"MatMulConstBOnly": policy.onnx.matmul_const_b_only},
    }


def executorch_quantizer(policy: QuantPolicy) -> Any:
    """The PT2E quantizer for ``prepare_pt2e``: XNNPACK dynamic per-channel (+ embeddings)."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    if policy.executorch.linear != "dynamic_per_channel":
        raise ValueError(f"unsupported ExecuTorch linear scheme {policy.executorch.linear!r}")
    xnnpack = XNNPACKQuantizer()
    xnnpack.set_global(get_symmetric_quantization_config(is_per_channel=True, is_dynamic=True))
    if not policy.executorch.embeddings:
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
