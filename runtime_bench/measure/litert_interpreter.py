"""A `.tflite` run through LiteRT's older `Interpreter` API, next to the `CompiledModel` (with
XNNPACK's weight cache) that export.backends.litert_runtime, the verification and the Android
app use.

It subclasses that runner so that both pick the same signature, pad the same way and keep the
same rows: only the call into the runtime differs. Each signature's runner is made once and
reused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from export.backends.litert_runtime import POSITIONS, LiteRTRunner
from export.quiet import native_stderr_filtered

#: the API each runner class stands for, as the report names it
INTERPRETER_API = "Interpreter"
COMPILED_MODEL_API = "CompiledModel"


class InterpreterRunner(LiteRTRunner):
    """LiteRTRunner's signature choice and padding, with `Interpreter` signature runners (no
    weight cache: XNNPACK packs each signature's weights) on `num_threads` threads."""

    def __init__(self, path: Path, num_threads: int) -> None:
        with native_stderr_filtered():  # TensorFlow Lite's import and delegate notes
            from ai_edge_litert.interpreter import Interpreter

            self.interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._runners = {
            int(key.removeprefix("seq_")): self.interpreter.get_signature_runner(key)
            for key in self.interpreter.get_signature_list()
        }
        self.buckets = sorted(self._runners)
        self.masked = {
            bucket: int(runner.get_input_details()[POSITIONS]["shape"][1])
            for bucket, runner in self._runners.items()
            if POSITIONS in runner.get_input_details()
        }

    def _run(self, bucket: int, feeds: dict[str, np.ndarray]) -> np.ndarray:
        (logits,) = self._runners[bucket](**feeds).values()
        return logits
