"""ExecuTorch backend: torch.export -> (PT2E int8) -> XNNPACK delegate -> .pte.

Artifacts are exported for batch 1 (what a phone runs) with a dynamic sequence axis up to the
model's maximum, and run here through ExecuTorch's own Python runtime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from export.backends import register_backend
from export.backends.base import Backend, ExportRequest, Runner
from export.errors import ExportError, first_line
from export.quiet import native_stderr_filtered

_QUANT_SUFFIX = {"fp32": "fp32", "int8": "q8"}  # ExecuTorch's benchmark app naming


def set_threads(num_threads: int) -> None:
    """ExecuTorch's CPU threadpool is process-wide; resize it before running."""
    from executorch.extension.pybindings.portable_lib import (
        _threadpool_get_thread_count,
        _unsafe_reset_threadpool,
    )

    if _threadpool_get_thread_count() != num_threads:
        _unsafe_reset_threadpool(num_threads)


class ExecuTorchRunner(Runner):
    def __init__(self, path: Path, num_threads: int) -> None:
        from executorch.runtime import Runtime

        from export.quantization import load_executorch_quantized_kernels

        with native_stderr_filtered():  # the runtime's CPU probing and threadpool notes
            load_executorch_quantized_kernels()  # int8 embeddings run on embedding_byte
            set_threads(num_threads)
            self.program = Runtime.get().load_program(Path(path))
            self.method = self.program.load_method("forward")

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        outputs = self.method.execute(
            [torch.from_numpy(np.ascontiguousarray(a, np.int64)) for a in inputs]
        )
        return outputs[0].numpy()


@register_backend
class ExecuTorchBackend(Backend):
    name = "executorch"
    dynamic_batch = False

    def artifact_name(self, model_tag: str, precision: str) -> str:
        return f"{model_tag}_xnnpack_{_QUANT_SUFFIX[precision]}.pte"

    def export(self, request: ExportRequest, out_path: Path) -> dict[str, Any]:
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
        from executorch.devtools.backend_debug import get_delegation_info
        from executorch.exir import (
            EdgeCompileConfig,
            ExecutorchBackendConfig,
            to_edge_transform_and_lower,
        )

        example = tuple(t[:1] for t in request.example_inputs)
        shapes = request.dynamic_shapes(None)
        info: dict[str, Any] = {
            "batch_size": 1,
            "dynamic_axes": {"sequence": [2, request.max_seq_len]},
        }
        try:
            model = request.model
            if request.precision == "int8":
                model, info["quantization"] = self._quantize(request, example, shapes)
            program = torch.export.export(model, example, dynamic_shapes=shapes, strict=False)
            edge = to_edge_transform_and_lower(
                program,
                partitioner=[XnnpackPartitioner()],
                compile_config=EdgeCompileConfig(_check_ir_validity=False, _skip_dim_order=True),
            )
            delegation = get_delegation_info(edge.exported_program().graph_module)
            # Constant propagation fuses dequantize + embedding into embedding_byte.
            executorch_program = edge.to_executorch(
                ExecutorchBackendConfig(
                    extract_delegate_segments=True, do_quant_fusion_and_const_prop=True
                )
            )
        except Exception as exc:
            raise ExportError(f"ExecuTorch export failed: {first_line(exc)}") from exc
        out_path.write_bytes(executorch_program.buffer)
        info["delegation"] = _summarise(delegation)
        return info

    @staticmethod
    def _quantize(request: ExportRequest, example: tuple, shapes: dict) -> tuple[Any, dict]:
        """PT2E: XNNPACK dynamic per-channel int8 for linears (+ int8 embedding tables),
        calibrated on real task inputs."""
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

        from export.quantization import executorch_quantizer

        captured = torch.export.export(
            request.model, example, dynamic_shapes=shapes, strict=False
        ).module()
        prepared = prepare_pt2e(captured, executorch_quantizer(request.quant_policy))
        with torch.no_grad():
            for inputs in request.calibration or [example]:
                prepared(*(t[:1] for t in inputs))
        converted = convert_pt2e(prepared)
        return converted, {
            "method": "pt2e",
            "calibration_examples": len(request.calibration),
            **request.quant_policy.to_manifest()["executorch"],
        }

    def load(self, path: Path, num_threads: int = 1) -> Runner:
        return ExecuTorchRunner(path, num_threads)


def _summarise(delegation: Any) -> dict[str, Any]:
    by_op = {
        op: {"delegated": b.delegated, "not_delegated": b.non_delegated}
        for op, b in sorted(delegation.delegation_by_operator.items())
    }
    return {
        "delegated_subgraphs": delegation.num_delegated_subgraphs,
        "delegated_nodes": delegation.num_delegated_nodes,
        "not_delegated_nodes": delegation.num_non_delegated_nodes,
        "not_delegated_ops": {
            op: v["not_delegated"] for op, v in by_op.items() if v["not_delegated"]
        },
        "by_operator": by_op,
    }
