"""Run an ONNX artifact with onnxruntime alone: this module imports numpy and onnxruntime only.

It is the one ONNX runner of the project. The ONNX backend (``export.backends.onnx``) builds
on it, and the aarch64 check runs it in an emulated ARM Python that has no torch installed,
so the host and the emulated core execute identical code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from export.quantization import ORT_SESSION_CONFIG


class OrtRunner:
    """An onnxruntime CPU session on `num_threads` threads: (ids, mask) -> float32 logits."""

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

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {
            "input_ids": input_ids.astype(np.int64),
            "attention_mask": attention_mask.astype(np.int64),
        }
        return self.session.run([self.output_name], feeds)[0]
