"""Run an ONNX artifact with onnxruntime alone: this module imports numpy and onnxruntime only.

It is the one ONNX runner of the project. The ONNX backend (``export.backends.onnx``) builds
on it, and the aarch64 check runs it in an emulated ARM Python that has no torch installed,
so the host and the emulated core execute identical code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: onnxruntime session config entries for every artifact, fp32 and int8 (``SessionOptions.
#: add_session_config_entry`` in Python, ``addConfigEntry`` in Java/Kotlin): ORT's
#: ``SkipLayerNormFusion`` measured slower than the two ops it fuses (docs/performance.md).
ORT_SESSION_CONFIG: dict[str, str] = {
    "optimization.disable_specified_optimizers": "SkipLayerNormFusion",
}


class OrtRunner:
    """An onnxruntime CPU session on `num_threads` threads: the model's int64 inputs, in its
    declared order (ids, mask and, for masked-LM, mask_positions) -> float32 logits."""

    def __init__(self, path: Path, num_threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = num_threads
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        for key, value in ORT_SESSION_CONFIG.items():
            options.add_session_config_entry(key, value)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.output_name = self.session.get_outputs()[0].name
        self.input_names = [i.name for i in self.session.get_inputs()]

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        if len(inputs) != len(self.input_names):
            raise ValueError(f"this model takes {self.input_names}, got {len(inputs)} arrays")
        feeds = {n: a.astype(np.int64) for n, a in zip(self.input_names, inputs, strict=True)}
        return self.session.run([self.output_name], feeds)[0]
