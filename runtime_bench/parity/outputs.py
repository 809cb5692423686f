"""Record every artifact's outputs on the real benchmark inputs, so two machines can be compared.

`python -m runtime_bench.parity.outputs --artifacts DIR --out OUT` runs each artifact on the examples
of its task's bench_inputs.json (fitted to one sequence length with the benchmark's own rule)
and writes, per artifact, the logits at real (non-padding) tokens as `.npy`, then
`outputs.json` last, which lists them. The same code runs on the host and inside the emulated
aarch64 Python of `tools/aarch64-check`; `runtime_bench.parity.crosscheck` compares the two.

ONNX artifacts load through `export.ort_runtime` (numpy + onnxruntime only), so
`--backends onnx` runs where torch is not installed; eager and `.pte` load through
`runtime_bench.measure.runners` (torch, ExecuTorch, LiteRT).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from export.backends import CATALOG
from export.errors import BuildError
from export.io import atomic_path, write_json
from runtime_bench.artifacts import BACKENDS, EAGER, ArtifactSpec, discover, parse_list
from runtime_bench.errors import BenchError
from runtime_bench.measure.inputs import BenchInputs

#: run(input_ids, attention_mask[, mask_positions]) -> logits
Runner = Callable[..., np.ndarray]
OUTPUTS_JSON = "outputs.json"
DEFAULT_SEQ_LEN = 64


def _torch_free_runner(spec: ArtifactSpec) -> Runner:
    """The backend's torch-free runner (export.backends.CATALOG), on one thread."""
    import importlib

    module, name = str(CATALOG[spec.backend].torch_free_runner).split(":")
    return getattr(importlib.import_module(module), name)(spec.path, num_threads=1)


def _torch_runner(spec: ArtifactSpec) -> Runner:
    from runtime_bench.measure.runners import load_runner

    return load_runner(spec)


#: backend -> loader. Backends with a torch-free runner (ONNX) avoid the backend modules.
LOADERS: dict[str, Callable[[ArtifactSpec], Runner]] = {EAGER: _torch_runner} | {
    name: _torch_free_runner if info.torch_free_runner else _torch_runner
    for name, info in CATALOG.items()
}


def file_name(spec: ArtifactSpec) -> str:
    """A flat, directory-safe file name for one artifact's outputs."""
    return spec.key.replace("/", "__") + ".npy"


def real_token_logits(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Token-level logits [1, seq, C] at mask==1 positions -> [real, C]; [1, C] stays [1, C]."""
    if logits.ndim == 3:
        return logits[0][mask[0].astype(bool)]
    return logits


def record(spec: ArtifactSpec, seq_len: int, limit: int | None) -> tuple[np.ndarray, int, float]:
    """The artifact's real-token logits over all its inputs, their example count, and seconds."""
    inputs = BenchInputs(spec.task_dir, min(seq_len, spec.max_seq_len))
    count = len(inputs) if limit is None else min(limit, len(inputs))
    started = time.perf_counter()
    run = LOADERS[spec.backend](spec)
    rows = []
    for index in range(count):
        arrays = inputs[index]  # ids, mask[, mask_positions]
        logits = np.asarray(run(*arrays), dtype=np.float32)
        # masked-LM artifacts return the masked rows only: every row is a real token
        rows.append(logits[0] if len(arrays) > 2 else real_token_logits(logits, arrays[1]))
    return np.concatenate(rows), count, time.perf_counter() - started


def record_all(
    root: Path, out: Path, backends: list[str] | None, seq_len: int, limit: int | None
) -> dict[str, Any]:
    """Record every selected artifact under `root` into `out`; return what outputs.json says."""
    specs = discover(root, backends=backends)
    out.mkdir(parents=True, exist_ok=True)
    entries: dict[str, Any] = {}
    for spec in specs:
        print(f"  {spec.key} ...", end="", flush=True)
        logits, examples, seconds = record(spec, seq_len, limit)
        with atomic_path(out / file_name(spec)) as tmp, tmp.open("wb") as fh:
            np.save(fh, logits)
        entries[spec.key] = {
            "file": file_name(spec),
            "backend": spec.backend,
            "precision": spec.precision,
            "task_dir": str(spec.task_dir),
            "artifact": spec.file,
            "examples": examples,
            "rows": int(logits.shape[0]),
            "seconds": round(seconds, 3),
        }
        print(f" {examples} examples, {seconds:.1f} s", flush=True)
    doc = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "seq_len": seq_len,
        "versions": _versions(),
        "artifacts": entries,
    }
    write_json(out / OUTPUTS_JSON, doc)
    return doc


def _versions() -> dict[str, str]:
    from export.manifest import package_versions

    return package_versions()


def load(out: Path) -> dict[str, Any]:
    """outputs.json of a finished recording; a one-line error when it is missing or broken."""
    try:
        return json.loads((out / OUTPUTS_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"{out / OUTPUTS_JSON} is missing: the recording did not finish") from None
    except ValueError as exc:
        raise BenchError(f"{out / OUTPUTS_JSON} is malformed ({exc}); record again") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m runtime_bench.parity.outputs", description=__doc__)
    p.add_argument("--artifacts", type=Path, required=True, help="export.build output directory")
    p.add_argument("--out", type=Path, required=True, help="directory for the .npy files")
    p.add_argument("--backends", help=f"comma list from {','.join(BACKENDS)} (default: all)")
    p.add_argument("--seq-len", type=int, default=DEFAULT_SEQ_LEN, help="default: %(default)s")
    p.add_argument("--limit", type=int, help="examples per task (default: all)")
    args = p.parse_args(argv)
    try:
        backends = parse_list(args.backends, BACKENDS, "--backends")
        record_all(args.artifacts, args.out, backends, args.seq_len, args.limit)
    except (BuildError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
