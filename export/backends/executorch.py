"""ExecuTorch backend: torch.export -> (PT2E int8) -> XNNPACK delegate -> .pte.

Artifacts are exported for batch 1 (what a phone runs) with a dynamic sequence axis up to the
model's maximum, and run here through ExecuTorch's own Python runtime.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from export.backends import register_backend
from export.backends.base import Backend, ExportRequest
from export.backends.runner import Runner
from export.errors import ExportError, first_line
from export.quantization import get_scheme
from export.quiet import native_stderr_filtered


@dataclass(frozen=True)
class ExecuTorchQuant:
    """PT2E + XNNPACK settings.

    Every Linear is int8 symmetric per channel with activations quantized at run time
    (XNNPACK ``qd8-f32-qc8w`` GEMMs); attention matmuls stay fp32 (XNNPACK has no int8 bmm).

    Attributes:
        embeddings: quantize ``nn.Embedding`` tables to uint8 rows (``embedding_byte``); the
            runtime must have ExecuTorch's quantized kernels registered.
        tied_table: the masked-LM's tied embedding/decoder table: ``"int8"`` (uint8 lookup,
            int8 per-channel decoder) or ``"int4"`` (both 4-bit in groups of 32,
            export.tied_table): the `.pte` holds two copies either way; 4 bits halve them.
        int4_linears: a regex over the exportable's Linear module names whose weights are
            4-bit (XNNPACK ``qd8-f32-qb4w``, as the 4-bit decoder) instead of int8 per
            channel; "" for none. A size lever for a policy that needs one.
        int4_group: input columns per scale of every 4-bit weight (the tied table's two
            copies and `int4_linears`).
    """

    embeddings: bool = True
    tied_table: str = "int4"
    int4_linears: str = ""
    int4_group: int = 32


TIED_TABLE_BITS = ("int8", "int4")


def executorch_quantizer(settings: ExecuTorchQuant, kept: Sequence[str] = ()) -> Any:
    """The PT2E quantizer for ``prepare_pt2e``: XNNPACK dynamic per-channel (+ embeddings),
    leaving alone the `kept` submodules, already quantized in 4 bits before capture."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantizer import ComposableQuantizer
    from torchao.quantization.pt2e.quantizer.embedding_quantizer import EmbeddingQuantizer

    from export.tied_table import keep_as_is_quantizer

    if settings.tied_table not in TIED_TABLE_BITS:
        raise ValueError(f"unsupported tied table {settings.tied_table!r}: {TIED_TABLE_BITS}")
    xnnpack = XNNPACKQuantizer()
    xnnpack.set_global(get_symmetric_quantization_config(is_per_channel=True, is_dynamic=True))
    quantizers = [EmbeddingQuantizer(), xnnpack] if settings.embeddings else [xnnpack]
    if kept:
        quantizers.insert(0, keep_as_is_quantizer(kept))
    return ComposableQuantizer(quantizers)


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


def threadpool_threads(reset_to: int | None = None) -> int | None:
    """ExecuTorch's process-wide CPU threadpool size, after resizing it to `reset_to` when
    given (`_unsafe_reset_threadpool` is unsafe only while a method runs on the pool: call it
    before loading a program). None when the ExecuTorch runtime is not installed."""
    try:
        with native_stderr_filtered():  # the runtime's CPU probing chatter on some hosts
            from executorch.extension.pybindings import portable_lib
    except ImportError:
        return None
    if reset_to is not None and portable_lib._threadpool_get_thread_count() != reset_to:
        portable_lib._unsafe_reset_threadpool(reset_to)
    return int(portable_lib._threadpool_get_thread_count())


class ExecuTorchRunner(Runner):
    def __init__(self, path: Path, num_threads: int) -> None:
        from executorch.runtime import Runtime

        with native_stderr_filtered():  # the runtime's CPU probing and threadpool notes
            load_executorch_quantized_kernels()  # int8 embeddings run on embedding_byte
            threadpool_threads(reset_to=num_threads)
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
    runtime = "xnnpack"  # ExecuTorch's benchmark app names the delegate: <model>_xnnpack_q8
    dynamic_batch = False
    quant_defaults = ExecuTorchQuant()

    def decoder_layout(self, precision: str) -> str:
        """fp32: the tied table once in the .pte, outside XNNPACK (docs/performance.md)."""
        return "linear" if get_scheme(precision).quantized else "table_mm"

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
            if request.scheme.quantized:
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

    def _quantize(self, request: ExportRequest, example: tuple, shapes: dict) -> tuple[Any, dict]:
        """PT2E: XNNPACK dynamic per-channel int8 for linears (+ int8 embedding tables),
        calibrated on real task inputs."""
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

        from export.tied_table import int4_linears_inplace, int4_table_inplace

        settings = request.plan.quant
        tied = request.plan.decoder_layout is not None  # masked-LM: decodes a tied table
        int4_table = tied and settings.tied_table == "int4"
        model, kept, four_bit = request.model, [], []  # submodules quantized before capture
        if int4_table or settings.int4_linears:
            model = copy.deepcopy(model)  # one copy for both: the request's model is the eager one
        if int4_table:
            kept = int4_table_inplace(model, settings.int4_group)
        if settings.int4_linears:
            four_bit = int4_linears_inplace(model, settings.int4_linears, settings.int4_group)
        captured = torch.export.export(model, example, dynamic_shapes=shapes, strict=False).module()
        prepared = prepare_pt2e(captured, executorch_quantizer(settings, kept + four_bit))
        with torch.no_grad():
            for inputs in request.calibration or [example]:
                prepared(*(t[:1] for t in inputs))
        converted = convert_pt2e(prepared)
        return converted, {
            "method": "pt2e",
            "calibration_examples": len(request.calibration),
            **asdict(settings),
            "tied_table": settings.tied_table if tied else None,
            "int4_linear_layers": len(four_bit),
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
