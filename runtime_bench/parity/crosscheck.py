"""Compare two recordings of `runtime_bench.parity.outputs` (host vs emulated core) against the bounds.

Bounds, per artifact, over the real (non-padding) tokens of the real benchmark inputs:

* fp32 (eager, ONNX, .pte): max |emulated - host| <= 1e-5.
* int8: max |emulated - host| <= the artifact's own int8 parity, i.e. the max |int8 - eager|
  that `export.verify` measured on real test examples and the manifest records
  (`artifacts.<file>.parity.max_abs_diff`): moving to ARM may not change int8 logits by more
  than quantization itself did. `export.verify` bounds int8 only through the task metric
  (flagged beyond 1 point), so the recorded parity is the project's int8 logit bound.
* every precision: the same argmax on at least 99% of real tokens (examples, for sequence
  classification).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.io import atomic_path, write_json
from export.manifest import load_manifest
from export.quantization import get_scheme
from runtime_bench.errors import BenchError
from runtime_bench.parity import outputs

FP32_MAX_ABS_DIFF = 1e-5
MIN_ARGMAX_AGREEMENT = 0.99


@dataclass(frozen=True)
class Comparison:
    key: str
    precision: str
    rows: int
    max_abs_diff: float
    bound: float
    argmax_agree: int
    passed: bool
    problem: str
    host_seconds: float
    emulated_seconds: float

    @property
    def argmax_share(self) -> float:
        return self.argmax_agree / self.rows if self.rows else 0.0


def int8_bound(task_dir: Path, artifact: str) -> float:
    """The artifact's recorded int8 parity (max |int8 - eager| on real test examples)."""
    manifest = load_manifest(task_dir, verify=False)
    try:
        return float(manifest.artifacts[artifact]["parity"]["max_abs_diff"])
    except (KeyError, ValueError, TypeError):
        raise BenchError(
            f"{manifest.path} records no parity.max_abs_diff for {artifact}; rebuild with "
            "`python -m export.build --force`"
        ) from None


def compare_arrays(host: np.ndarray, guest: np.ndarray) -> tuple[float, int]:
    """Max absolute difference and the number of rows whose argmax agrees."""
    diff = float(np.max(np.abs(guest.astype(np.float64) - host))) if host.size else 0.0
    agree = int(np.sum(np.argmax(host, axis=-1) == np.argmax(guest, axis=-1)))
    return diff, agree


def compare_entry(
    key: str,
    entry: dict[str, Any],
    host_dir: Path,
    guest_dir: Path,
    guest_entry: dict[str, Any] | None,
) -> Comparison:
    """One artifact's verdict; a missing or mis-shaped emulated output fails with a reason."""
    precision = entry["precision"]
    bound = (
        int8_bound(Path(entry["task_dir"]), entry["artifact"])
        if get_scheme(precision).quantized
        else FP32_MAX_ABS_DIFF
    )
    host = np.load(host_dir / entry["file"])
    common = {
        "key": key,
        "precision": precision,
        "rows": int(host.shape[0]),
        "bound": bound,
        "host_seconds": float(entry["seconds"]),
    }
    if guest_entry is None:
        return Comparison(
            **common,
            max_abs_diff=float("nan"),
            argmax_agree=0,
            passed=False,
            problem="not recorded on the emulated core",
            emulated_seconds=0.0,
        )
    guest = np.load(guest_dir / guest_entry["file"])
    seconds = float(guest_entry["seconds"])
    if guest.shape != host.shape:
        return Comparison(
            **common,
            max_abs_diff=float("nan"),
            argmax_agree=0,
            passed=False,
            problem=f"shape {guest.shape} != host {host.shape}",
            emulated_seconds=seconds,
        )
    diff, agree = compare_arrays(host, guest)
    problems = []
    if not diff <= bound:  # NaN fails too
        problems.append(f"max |diff| {diff:.3g} > {bound:.3g}")
    if agree < MIN_ARGMAX_AGREEMENT * host.shape[0]:
        problems.append(f"argmax agrees on {agree}/{host.shape[0]} (< 99%)")
    return Comparison(
        **common,
        max_abs_diff=diff,
        argmax_agree=agree,
        passed=not problems,
        problem="; ".join(problems),
        emulated_seconds=seconds,
    )


def compare(host_dir: Path, guest_dir: Path) -> list[Comparison]:
    """Every artifact the host recorded, compared with the emulated recording."""
    host_doc, guest_doc = outputs.load(host_dir), outputs.load(guest_dir)
    return [
        compare_entry(key, entry, host_dir, guest_dir, guest_doc["artifacts"].get(key))
        for key, entry in host_doc["artifacts"].items()
    ]


def write_report(out: Path, runs: dict[str, dict[str, Any]], setup: dict[str, Any]) -> bool:
    """report.json and report.md for every CPU model's comparisons; True when all passed.

    `runs` maps a CPU model to {"description", "seconds", "comparisons": list[Comparison]}.
    """
    passed = all(c.passed for run in runs.values() for c in run["comparisons"])
    doc = {
        "passed": passed,
        "bounds": {
            "fp32_max_abs_diff": FP32_MAX_ABS_DIFF,
            "int8_max_abs_diff": "the artifact's recorded int8 parity (manifest)",
            "min_argmax_agreement": MIN_ARGMAX_AGREEMENT,
        },
        "setup": setup,
        "cpus": {
            cpu: {
                "description": run["description"],
                "seconds": round(run["seconds"], 1),
                "comparisons": [asdict(c) for c in run["comparisons"]],
            }
            for cpu, run in runs.items()
        },
    }
    write_json(out / "report.json", doc)
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(_markdown(doc), encoding="utf-8")
    return passed


def _markdown(doc: dict[str, Any]) -> str:
    setup = doc["setup"]
    lines = [
        "# aarch64 check under emulation",
        "",
        f"Verdict: **{'PASS' if doc['passed'] else 'FAIL'}**. Emulator: {setup.get('qemu', '?')}; "
        f"guest Python {setup.get('guest_python', '?')}; mode: {setup.get('mode', '?')}.",
        "",
        "Outputs of every artifact on an emulated core are compared with the host's outputs on "
        "the same real inputs (bench_inputs.json), over real tokens only. Bounds: fp32 "
        f"max |diff| <= {FP32_MAX_ABS_DIFF:g}; int8 max |diff| <= the artifact's recorded int8 "
        "parity; the same argmax on >= 99% of real tokens. Seconds under emulation are not "
        "hardware timings.",
    ]
    for cpu, run in doc["cpus"].items():
        lines += [
            "",
            f"## {cpu}: {run['description']} ({run['seconds']:.0f} s)",
            "",
            "| artifact | max abs diff | bound | same argmax | emulated s | verdict |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for c in run["comparisons"]:
            verdict = "pass" if c["passed"] else f"FAIL: {c['problem']}"
            lines.append(
                f"| {c['key']} | {c['max_abs_diff']:.2e} | {c['bound']:.1e} | "
                f"{c['argmax_agree']}/{c['rows']} | {c['emulated_seconds']:.1f} | {verdict} |"
            )
    return "\n".join(lines) + "\n"
