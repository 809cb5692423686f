"""Peak resident memory of loading and running one artifact, in a fresh process.

A fresh interpreter per artifact keeps earlier artifacts' allocations (and allocator caches)
out of the number. The probe imports the runtimes first, then resets the kernel's high-water
mark (writing "5" to /proc/self/clear_refs, Linux >= 4.0), so the reported increase covers
only loading the artifact and running it at each sequence length (ascending, so the peak at L
includes everything needed up to L). Where clear_refs is unavailable it falls back to
VmHWM/ru_maxrss and says so in `method`.

Run as `python -m runtime_bench.measure.memory '<json spec>'`; prints one JSON line.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from runtime_bench.artifacts import EAGER, ArtifactSpec
from runtime_bench.errors import BenchError


def _status_kb(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _peak_kb() -> int:
    hwm = _status_kb("VmHWM")
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def probe(spec: dict[str, Any], seq_lens: list[int]) -> dict[str, Any]:
    """Inside the fresh process: load, run each length once, report peak RSS increases in MB."""
    from runtime_bench.measure.inputs import BenchInputs
    from runtime_bench.measure.runners import load_runner, pin_single_thread

    artifact = ArtifactSpec(**{**spec, "task_dir": Path(spec["task_dir"])})
    pin_single_thread()
    if artifact.backend != EAGER:
        from export.backends import get_backend

        get_backend(artifact.backend)  # import the runtime before the baseline
    else:
        import export.models  # noqa: F401
    inputs = {length: BenchInputs(artifact.task_dir, length)[0] for length in seq_lens}
    method = "clear_refs" if _reset_peak() else "VmHWM (not reset: includes imports)"
    baseline = _status_kb("VmRSS") or _peak_kb()
    runner = load_runner(artifact)
    after_load = _peak_kb()
    per_len: dict[str, float] = {}
    for length in sorted(seq_lens):
        runner(*inputs[length])
        per_len[str(length)] = (_peak_kb() - baseline) / 1024.0
    return {
        "baseline_rss_mb": baseline / 1024.0,
        "load_peak_increase_mb": (after_load - baseline) / 1024.0,
        "peak_increase_mb": per_len,
        "method": method,
    }


def measure_peak_rss(
    spec: ArtifactSpec, seq_lens: list[int], timeout: float = 900.0
) -> dict[str, Any]:
    """Run `probe` for `spec` in a fresh interpreter and return its report."""
    payload = {
        **{k: v for k, v in spec.__dict__.items() if k != "task_dir"},
        "task_dir": str(spec.task_dir),
    }
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "runtime_bench.measure.memory",
        json.dumps(payload),
        ",".join(map(str, seq_lens)),
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"memory probe for {spec.key} timed out after {timeout:.0f}s; rerun with --no-memory"
        ) from None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(
            f"memory probe for {spec.key} failed ({last}); rerun with --no-memory to skip it"
        )
    return json.loads(lines[-1])


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    seq_lens = [int(x) for x in argv[1].split(",")]
    print(json.dumps(probe(spec, seq_lens)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
