"""Real inputs for LiteRT's C++ `benchmark_model`, which otherwise feeds random int32 ids.

Random ids stop our `.tflite` files at once (an embedding lookup out of bounds), and
`benchmark_model` has no notion of a tokenizer. Its `--input_layer_value_files` flag takes,
per input, a raw binary file whose bytes are copied into the input tensor (tensorflow/lite/
tools/benchmark/README.md, "Model input parameters": "The file format is binary, and the
content should be either a byte array or null-separated strings"). So each file here is the
tensor's int32 values, little-endian, C order, exactly the tensor's byte size.

One set per signature (`seq_<L>`, run with `--signature_to_run_for`), from the task's
`bench_inputs.json` first example fitted to L by the rule runtime_bench and the app use
(longer: first L-1 tokens and [SEP]; shorter: padded with 0, mask 0); masked-LM positions are
padded to the signature's count by repeating the last one (export.backends.litert_runtime).
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import numpy as np

from export.backends.litert_runtime import POSITIONS, pad_to_static_length

#: the dtype every input of our .tflite signatures has (export.backends.litert: INPUT_DTYPE)
DTYPE = np.dtype("<i4")


def _first_example(task_dir: Path) -> tuple[list[int], list[int] | None, int]:
    """bench_inputs.json's first example: ids, masked-LM positions, and the [SEP] id."""
    doc = json.loads((task_dir / "bench_inputs.json").read_text(encoding="utf-8"))
    example = doc["examples"][0]
    sep = 102
    task_json = task_dir / "task.json"
    if task_json.is_file():
        sep = int(json.loads(task_json.read_text(encoding="utf-8"))["special_tokens"]["sep"])
    positions = example.get("mask_positions")
    return list(map(int, example["input_ids"])), positions and list(map(int, positions)), sep


def signature_feeds(task_dir: Path, length: int, masked: int | None) -> dict[str, np.ndarray]:
    """The int32 inputs of signature `seq_<length>` for the task's first bench input."""
    ids, positions, sep = _first_example(task_dir)
    if len(ids) > length:
        ids = [*ids[: length - 1], sep]
    arr = np.asarray([ids], np.int64)
    mask = np.ones_like(arr)
    pos = None
    if masked is not None:
        usable = [p for p in positions or [] if 0 < p < len(ids) - 1] or [1]
        pos = np.asarray([usable[:masked]], np.int64)
    return pad_to_static_length(arr, mask, length, pos, masked)


def write_value_files(tflite: Path, task_dir: Path, out_dir: Path) -> list[dict[str, Any]]:
    """Write one binary file per input of every signature of `tflite` under `out_dir`
    (`seq_<L>/<input>.bin`); return, per signature, its inputs in the interpreter's order,
    shapes and files (what `benchmark_command` needs)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite), num_threads=1)
    written = []
    for key in interpreter.get_signature_list():
        details = interpreter.get_signature_runner(key).get_input_details()
        ordered = sorted(details.items(), key=lambda kv: kv[1]["index"])
        masked = int(details[POSITIONS]["shape"][1]) if POSITIONS in details else None
        feeds = signature_feeds(task_dir, int(key.removeprefix("seq_")), masked)
        folder = out_dir / key
        folder.mkdir(parents=True, exist_ok=True)
        inputs = []
        for name, detail in ordered:
            values = np.ascontiguousarray(feeds[name], dtype=DTYPE)
            if list(values.shape) != [int(d) for d in detail["shape"]]:
                raise ValueError(f"{tflite}: {key}/{name} expects {detail['shape']}")
            path = folder / f"{name}.bin"
            tmp = path.with_suffix(".bin.tmp")
            tmp.write_bytes(values.tobytes())
            os.replace(tmp, path)
            inputs.append({"name": name, "shape": list(values.shape), "file": str(path)})
        written.append({"signature": key, "inputs": inputs})
    return written


def benchmark_command(tflite: Path, signature: dict[str, Any], num_threads: int = 1) -> str:
    """The exact `benchmark_model` command line for one signature of `tflite`."""
    inputs = signature["inputs"]
    args = [
        "benchmark_model",
        f"--graph={tflite}",
        f"--signature_to_run_for={signature['signature']}",
        f"--num_threads={num_threads}",
        "--input_layer=" + ",".join(i["name"] for i in inputs),
        "--input_layer_shape=" + ":".join(",".join(map(str, i["shape"])) for i in inputs),
        "--input_layer_value_files=" + ",".join(f"{i['name']}:{i['file']}" for i in inputs),
    ]
    return shlex.join(args)


def read_value_file(path: Path, shape: list[int]) -> np.ndarray:
    """A value file read back as the tool does: its bytes as the int32 tensor of `shape`."""
    data = np.frombuffer(Path(path).read_bytes(), dtype=DTYPE)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} values, the tensor {shape} holds {np.prod(shape)}")
    return data.reshape(shape)
