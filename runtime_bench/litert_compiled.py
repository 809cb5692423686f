"""A `.tflite` run through LiteRT's `CompiledModel` API, the one Google's `litert-benchmark`
console script uses, next to the `Interpreter` that export.backends.litert (and the Android
app) use.

It subclasses the Interpreter runner so that both pick the same signature, pad the same way and
keep the same rows: only the call into the runtime differs. Input and output TensorBuffers
are created once per signature and reused, as `litert-benchmark` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from export.backends.litert_runtime import POSITIONS, LiteRTRunner

#: the API each runner class stands for, as the report names it
INTERPRETER_API = "Interpreter"
COMPILED_MODEL_API = "CompiledModel"


class _CompiledSignature:
    """One signature of a CompiledModel as a callable(**feeds) -> {output name: array}."""

    def __init__(self, model: Any, key: str) -> None:
        self.model, self.key = model, key
        self.index = model.get_signature_index(key)
        names = model.get_signature_list()[key]
        self.inputs, self.outputs = list(names["inputs"]), list(names["outputs"])
        self.input_details = model.get_input_tensor_details(key)
        details = model.get_output_tensor_details(key)
        self.out_shapes = {n: tuple(int(d) for d in details[n]["shape"]) for n in self.outputs}
        self.in_buffers = model.create_input_buffers(self.index)
        self.out_buffers = model.create_output_buffers(self.index)

    def __call__(self, **feeds: np.ndarray) -> dict[str, np.ndarray]:
        for name, buffer in zip(self.inputs, self.in_buffers, strict=True):
            buffer.write(np.ascontiguousarray(feeds[name]))
        self.model.run_by_index(self.index, self.in_buffers, self.out_buffers)
        out = {}
        for name, buffer in zip(self.outputs, self.out_buffers, strict=True):
            shape = self.out_shapes[name]
            out[name] = buffer.read(int(np.prod(shape)), np.float32).reshape(shape)
        return out


class CompiledModelRunner(LiteRTRunner):
    """LiteRTRunner's signature choice and padding, with `CompiledModel` (CPU, XNNPACK) as the
    runtime, on `num_threads` threads."""

    def __init__(self, path: Path, num_threads: int) -> None:
        from ai_edge_litert.compiled_model import CompiledModel
        from ai_edge_litert.cpu_options import CpuOptions
        from ai_edge_litert.options import Options

        options = Options(cpu_options=CpuOptions(num_threads=num_threads))
        self.model = CompiledModel.from_file(str(path), options=options)
        self._runners = {
            int(key.removeprefix("seq_")): _CompiledSignature(self.model, key)
            for key in self.model.get_signature_list()
        }
        self.buckets = sorted(self._runners)
        self.masked = {
            bucket: int(sig.input_details[POSITIONS]["shape"][1])
            for bucket, sig in self._runners.items()
            if POSITIONS in sig.input_details
        }
