"""ONNX backend: torch.onnx.export, onnxruntime dynamic int8, onnxruntime for inference.

optimum-onnx is not used: it pins transformers<4.58, which conflicts with transformers 5.
Its validation idea (compare with the eager model, raise a named error with the max
difference) lives in export.verify for both backends.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from export.backends import register_backend
from export.backends.base import Backend, ExportRequest
from export.backends.runner import Runner
from export.errors import ExportError, first_line
from export.ort_runtime import ORT_SESSION_CONFIG, OrtRunner

OPSET = 18


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


class OnnxRunner(OrtRunner, Runner):
    """The backend's runner: the torch-free ``export.ort_runtime.OrtRunner``."""


@register_backend
class OnnxBackend(Backend):
    name = "onnx"
    dynamic_batch = True
    quant_defaults = OrtQuant()

    def export(self, request: ExportRequest, out_path: Path) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            fp32 = Path(tmp) / "model.onnx"
            self._export_fp32(request, fp32)
            if not request.scheme.quantized:
                _save_clean(fp32, out_path)
                return {"opset": OPSET, "session_config": ORT_SESSION_CONFIG}
            settings = request.plan.quant
            self._quantize(fp32, out_path, settings)
            quantization = {"method": "onnxruntime.quantize_dynamic", "weight_type": "QInt8"}
            quantization |= asdict(settings) | {"op_types": list(settings.op_types)}
            return {
                "opset": OPSET,
                "session_config": ORT_SESSION_CONFIG,
                "quantization": quantization,
            }

    def _export_fp32(self, request: ExportRequest, path: Path) -> None:
        shapes = request.dynamic_shapes(torch.export.Dim("batch", min=1, max=1024))
        try:
            program = torch.onnx.export(
                request.model,
                request.example_inputs,
                dynamo=True,
                opset_version=OPSET,
                input_names=list(request.input_names),
                output_names=["logits"],
                dynamic_shapes=shapes,
                external_data=False,
                optimize=True,
                verbose=False,
            )
            program.save(str(path), external_data=False)
        except OSError:
            raise  # a full disk is not an export failure (export.io names it)
        except Exception as exc:
            raise ExportError(f"ONNX export failed: {first_line(exc)}") from exc

    @staticmethod
    def _quantize(src: Path, dst: Path, settings: OrtQuant) -> None:
        from onnxruntime.quantization import quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process

        with tempfile.TemporaryDirectory() as tmp:
            cleaned, prepped = Path(tmp) / "cleaned.onnx", Path(tmp) / "prepped.onnx"
            _save_clean(src, cleaned)
            quant_pre_process(str(cleaned), str(prepped), skip_symbolic_shape=True)
            quantize_dynamic(str(prepped), str(dst), **ort_quantize_kwargs(settings))

    def load(self, path: Path, num_threads: int = 1) -> Runner:
        return OnnxRunner(path, num_threads)


def _save_clean(src: Path, dst: Path) -> None:
    """Drop what the dynamo exporter leaves behind that hurts: value_info hints for
    initializers it later transposed (shape inference then fails) and per-node stack-trace
    metadata (megabytes of text in the artifact)."""
    import onnx

    model = onnx.load(str(src))
    initializers = {init.name for init in model.graph.initializer}
    kept = [v for v in model.graph.value_info if v.name not in initializers]
    del model.graph.value_info[:]
    model.graph.value_info.extend(kept)
    for node in model.graph.node:
        del node.metadata_props[:]
    onnx.save(model, str(dst))
