"""The hardware floor: this core's peak matmul throughput and each model's FLOPs.

A latency means little alone; "3.1x the floor" says how far a runtime is from what the
silicon could do. The floor of an artifact at a sequence length is

    weight-GEMM FLOPs / peak(precision) + attention-matmul FLOPs / peak(fp32)

because int8 artifacts quantize the weight matmuls/convolutions (activation x activation
attention products stay fp32). FLOPs are counted with torch's FlopCounterMode on the eager
model (2 FLOPs per multiply-add), so nothing depends on an architecture's config fields
(MobileBERT's bottlenecks, DistilBERT's dim/n_layers): the counter sees the actual graph. The
CPU's fused attention kernel, which torch's counter has no formula for, is counted with torch's
own scaled-dot-product formula (QK^T and attention x V at the heads' real width).

Peaks come from single-threaded matmul microbenchmarks through two independent libraries:

* fp32: torch.mm (MKL / OpenBLAS / Arm Compute, depending on the wheel) and onnxruntime MatMul
  (MLAS); the best of both.
* int8: torch._int_mm (s8 x s8 -> s32; oneDNN VNNI/AMX on x86) and onnxruntime
  MatMulInteger with u8 activations x s8 weights (MLAS; VNNI on x86, dotprod/i8mm on ARM) —
  the exact kernel our dynamically quantized ONNX models call. s8 x s8 MatMulInteger is not
  used: MLAS has no fast path for it on x86 and it would understate the peak. The best of the
  two is the int8 peak, since either library's best shows what the core can actually sustain.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from export.quantization import REFERENCE_PRECISION, get_scheme
from runtime_bench.measure.timing import timed

#: Ops whose FLOPs are activation x activation products (attention), never quantized.
ATTENTION_OPS = ("bmm", "baddbmm", "scaled_dot_product")

DEFAULT_SIZES = (256, 512, 1024)

log = logging.getLogger("runtime_bench")


@dataclass(frozen=True)
class PeakResult:
    """Peak throughput of one precision, with every library/size measurement behind it."""

    precision: str
    gops: float  # GFLOP/s for fp32, GOP/s for int8
    best_source: str
    measurements: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "gops": self.gops,
            "best_source": self.best_source,
            "measurements": self.measurements,
        }


def _best_rate(fn: Callable[[], object], ops: float, min_seconds: float, max_reps: int) -> float:
    """Ops per second of the fastest call of `fn` over a short time budget (after one warm-up)."""
    fn()
    best = float("inf")
    spent = 0.0
    reps = 0
    while reps < 3 or (spent < min_seconds and reps < max_reps):
        _, t = timed(fn)
        best = min(best, t.wall_ms / 1e3)
        spent += t.wall_ms / 1e3
        reps += 1
    return ops / best / 1e9


def _ort_matmul_session(kind: str, n: int) -> Any:
    """An onnxruntime session holding one n x n MatMul (fp32) or MatMulInteger (u8 x s8)."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    if kind == "fp32":
        a_type, b_type, y_type, op = (
            TensorProto.FLOAT,
            TensorProto.FLOAT,
            TensorProto.FLOAT,
            "MatMul",
        )
    else:
        a_type, b_type, y_type, op = (
            TensorProto.UINT8,
            TensorProto.INT8,
            TensorProto.INT32,
            "MatMulInteger",
        )
    graph = helper.make_graph(
        [helper.make_node(op, ["A", "B"], ["Y"])],
        f"peak_{kind}",
        [
            helper.make_tensor_value_info("A", a_type, [n, n]),
            helper.make_tensor_value_info("B", b_type, [n, n]),
        ],
        [helper.make_tensor_value_info("Y", y_type, [n, n])],
    )
    # IR version 8 / opset 13: old enough for every onnxruntime we support.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def measure_peaks(
    sizes: Sequence[int] = DEFAULT_SIZES, min_seconds: float = 0.15, max_reps: int = 50
) -> dict[str, PeakResult]:
    """Single-threaded fp32 GFLOP/s and int8 GOP/s peaks over square matmuls of `sizes`."""
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, float]] = {"fp32": {}, "int8": {}}
    for n in sizes:
        ops = 2.0 * n**3
        a32 = rng.standard_normal((n, n), dtype=np.float32)
        b32 = rng.standard_normal((n, n), dtype=np.float32)
        ta, tb = torch.from_numpy(a32), torch.from_numpy(b32)
        results["fp32"][f"torch.mm n={n}"] = _best_rate(
            lambda ta=ta, tb=tb: torch.mm(ta, tb), ops, min_seconds, max_reps
        )
        sess = _ort_matmul_session("fp32", n)
        results["fp32"][f"onnxruntime MatMul n={n}"] = _best_rate(
            lambda s=sess, a=a32, b=b32: s.run(None, {"A": a, "B": b}), ops, min_seconds, max_reps
        )
        a8 = rng.integers(-128, 128, (n, n), dtype=np.int8)
        b8 = rng.integers(-128, 128, (n, n), dtype=np.int8)
        ta8, tb8 = torch.from_numpy(a8), torch.from_numpy(b8)
        # Some CPU builds lack an int8 mm kernel; onnxruntime still measures int8 then.
        with contextlib.suppress(RuntimeError):
            results["int8"][f"torch._int_mm n={n}"] = _best_rate(
                lambda x=ta8, y=tb8: torch._int_mm(x, y), ops, min_seconds, max_reps
            )
        u8 = rng.integers(0, 256, (n, n), dtype=np.uint8)
        sess8 = _ort_matmul_session("int8", n)
        results["int8"][f"onnxruntime MatMulInteger u8s8 n={n}"] = _best_rate(
            lambda s=sess8, a=u8, b=b8: s.run(None, {"A": a, "B": b}), ops, min_seconds, max_reps
        )
    peaks = {}
    for precision, measured in results.items():
        source = max(measured, key=measured.__getitem__)
        peaks[precision] = PeakResult(precision, measured[source], source, measured)
    return peaks


@dataclass(frozen=True)
class FlopCount:
    """FLOPs of one forward pass at batch 1, split by what quantization can speed up."""

    seq_len: int
    weight_flops: float  # linear layers and convolutions (quantized in int8 artifacts)
    attention_flops: float  # QK^T and attention x V (fp32 in every artifact)
    attention_source: str  # "counted" | "none" (no attention op seen)

    @property
    def total(self) -> float:
        return self.weight_flops + self.attention_flops

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq_len": self.seq_len,
            "weight_flops": self.weight_flops,
            "attention_flops": self.attention_flops,
            "total_flops": self.total,
            "attention_source": self.attention_source,
        }


def _cpu_sdpa_flops(query: Any, key: Any, value: Any, *_args: Any, **_kwargs: Any) -> int:
    """FLOPs of aten._scaled_dot_product_flash_attention_for_cpu (the counter passes shapes)."""
    from torch.utils.flop_counter import sdpa_flop_count

    return sdpa_flop_count(query, key, value)


def _attention_formulas() -> dict[Any, Any]:
    """FLOP formulas for the fused attention kernels torch's counter does not know: on CPU,
    SDPA runs a kernel with no entry in torch's flop registry (the CUDA ones have one)."""
    import torch

    return {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flops}


def count_flops(module: Any, seq_len: int) -> FlopCount:
    """Count one batch-1 forward's FLOPs at `seq_len` with torch's FlopCounterMode."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    input_ids = torch.full((1, seq_len), 100, dtype=torch.long)  # FLOPs do not depend on ids
    inputs = [input_ids, torch.ones((1, seq_len), dtype=torch.long)]
    if "mask_positions" in getattr(module, "input_names", ()):
        # masked-LM decodes M rows, as many as the benchmark's inputs carry
        from runtime_bench.measure.inputs import masked_count

        inputs.append(torch.ones((1, masked_count(seq_len)), dtype=torch.long))
    counter = FlopCounterMode(display=False, custom_mapping=_attention_formulas())
    with torch.no_grad(), counter:
        module(*inputs)
    weight = 0.0
    attention = 0.0
    for op, flops in counter.get_flop_counts().get("Global", {}).items():
        if any(name in str(op) for name in ATTENTION_OPS):
            attention += float(flops)
        else:
            weight += float(flops)
    if attention == 0:
        log.warning(
            "the FLOP counter saw no attention matmul at L=%d: the floor counts weight GEMMs "
            "only (an attention kernel without a flop formula?)",
            seq_len,
        )
    return FlopCount(seq_len, weight, attention, "counted" if attention else "none")


def floor_ms(flops: FlopCount, precision: str, peaks: dict[str, float]) -> float:
    """Lowest possible latency at these peaks: weight GEMMs at the precision's peak."""
    weight_peak = peaks[get_scheme(precision).compute]
    seconds = flops.weight_flops / (weight_peak * 1e9) + flops.attention_flops / (
        peaks[REFERENCE_PRECISION] * 1e9
    )
    return seconds * 1e3
