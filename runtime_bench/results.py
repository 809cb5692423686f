"""results.json: the one format shared by the host benchmark and the phone (adb) benchmark.

One record per artifact x sequence length. Metric names follow ExecuTorch's Android
benchmark app where they fit (`avg_inference_latency(ms)`, `trimmean_inference_latency(ms)`,
`model_load_time(ms)`, `load_status`), and ours use the same style, so a host record and a
phone record can sit in one table. The file is rewritten atomically (temp file + rename)
after every completed length, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from export.io import DiskFullError, atomic_path
from runtime_bench.analysis.stats import summarize

SCHEMA_VERSION = 1
KIND = "squeezebert-mobile/runtime_bench"

#: summarize() key -> metric name
LATENCY_METRICS = {
    "mean": "avg_inference_latency(ms)",
    "trimmean": "trimmean_inference_latency(ms)",
    "median": "median_inference_latency(ms)",
    "p10": "p10_inference_latency(ms)",
    "p90": "p90_inference_latency(ms)",
    "min": "min_inference_latency(ms)",
    "max": "max_inference_latency(ms)",
    "std": "std_inference_latency(ms)",
}
FIRST = "first_inference_latency(ms)"
LOAD = "model_load_time(ms)"
LOAD_STATUS = "load_status"
NUM_ITER = "num_iter"
#: the phone's entry carrying per-sample lists (core, clock, ms) instead of one number
SAMPLES = "samples"
REQUIRED_HOST_METRICS = (*LATENCY_METRICS.values(), FIRST, LOAD, NUM_ITER, "cpu_wall_ratio")

RECORD_FIELDS = {
    "id": str,
    "model": str,
    "model_tag": str,
    "task": str,
    "backend": str,
    "precision": str,
    "file": str,
    "seq_len": int,
    "metrics": dict,
}


def record_id(model_tag: str, task: str, backend: str, precision: str, seq_len: int) -> str:
    return f"{model_tag}/{task}/{backend}/{precision}/L{seq_len}"


def latency_metrics(samples_ms: Sequence[float]) -> dict[str, float]:
    """The latency metric block of a record from its measured samples."""
    summary = summarize(samples_ms)
    metrics = {name: summary[key] for key, name in LATENCY_METRICS.items()}
    metrics[NUM_ITER] = len(samples_ms)
    return metrics


def new_document(host: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """An empty results document for a run on `host`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "status": "running",
        "host": host,
        "config": config,
        "peaks": {},
        "threads": {},
        "flops": [],
        "records": [],
        "evaluations": [],
        "memory": [],
        "ratios": [],
        "devices": [],
    }


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """export.io.atomic_path, with a full disk raised as the OSError itself: runtime_bench's
    CLI names it in its own words, saying what was kept."""
    try:
        with atomic_path(path) as tmp:
            yield tmp
    except DiskFullError as exc:
        if isinstance(exc.cause, OSError):
            raise exc.cause from None
        raise


def write_atomic(path: Path, doc: dict[str, Any]) -> None:
    """Write JSON whole or not at all."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def load_document(path: Path) -> dict[str, Any] | None:
    """A previous results.json, or None if there is none (or it is not ours)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == KIND else None


def load_results(path: Path) -> dict[str, Any]:
    """A results.json to re-render or export; a one-line error when it is missing, unreadable
    or not a runtime_bench file."""
    from runtime_bench.errors import BenchError

    if not path.is_file():
        raise BenchError(f"{path} does not exist; pass the results.json a runtime_bench run wrote")
    doc = load_document(path)
    if doc is None:
        raise BenchError(
            f"{path} is not a runtime_bench results.json (unreadable JSON or another kind); "
            "pass the results.json a runtime_bench run wrote"
        )
    return doc


def validate(doc: dict[str, Any]) -> list[str]:
    """Schema problems of a results document ([] when valid)."""
    problems: list[str] = []
    if doc.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema_version is {doc.get('schema_version')!r}, want {SCHEMA_VERSION}")
    if doc.get("kind") != KIND:
        problems.append(f"kind is {doc.get('kind')!r}, want {KIND!r}")
    for key in ("host", "config", "peaks"):
        if not isinstance(doc.get(key), dict):
            problems.append(f"{key} must be an object")
    for key in ("records", "evaluations", "memory", "ratios", "devices", "flops"):
        if not isinstance(doc.get(key), list):
            problems.append(f"{key} must be a list")
    ids = set()
    for i, record in enumerate(doc.get("records") or []):
        problems += [f"records[{i}]: {p}" for p in _record_problems(record, REQUIRED_HOST_METRICS)]
        if record.get("id") in ids:
            problems.append(f"records[{i}]: duplicate id {record.get('id')}")
        ids.add(record.get("id"))
        samples = record.get("samples_ms")
        if not isinstance(samples, list) or len(samples) != record.get("metrics", {}).get(NUM_ITER):
            problems.append(f"records[{i}]: samples_ms must list num_iter samples")
    for i, evaluation in enumerate(doc.get("evaluations") or []):
        call = evaluation.get("call_ms")  # optional: runs before it have p50/p90/mean only
        if call is not None and (
            not isinstance(call, list) or len(call) != evaluation.get("examples")
        ):
            problems.append(f"evaluations[{i}]: call_ms must list one time per example")
    for d, device in enumerate(doc.get("devices") or []):
        if not isinstance(device.get("device"), dict) or "serial" not in device.get("device", {}):
            problems.append(f"devices[{d}]: device must be an object with a serial")
        for i, record in enumerate(device.get("records") or []):
            found = _record_problems(record, ()) + _phone_record_problems(record)
            problems += [f"devices[{d}].records[{i}]: {p}" for p in found]
    return problems


#: a phone record's per-sample lists, each one entry per timed sample
PHONE_SAMPLE_LISTS = ("samples_ms", "sample_cpu", "sample_freq_khz", "sample_max_freq_khz")


def _phone_record_problems(record: dict[str, Any]) -> list[str]:
    """The phone fields: inputs real|fixed, placement and thermal objects, equal-length samples
    (all optional, so results written before they existed stay valid)."""
    problems = []
    if record.get("inputs", "fixed") not in ("real", "fixed"):
        problems.append(f"inputs is {record.get('inputs')!r}, want 'real' or 'fixed'")
    for key in ("placement", "thermal"):
        if key in record and not isinstance(record[key], dict):
            problems.append(f"{key} must be an object")
    lengths = {len(record[k]) for k in PHONE_SAMPLE_LISTS if isinstance(record.get(k), list)}
    if len(lengths) > 1:
        problems.append(f"{', '.join(PHONE_SAMPLE_LISTS)} must have one entry per sample")
    return problems


def _record_problems(record: dict[str, Any], required_metrics: Sequence[str]) -> list[str]:
    problems = []
    for field, kind in RECORD_FIELDS.items():
        if not isinstance(record.get(field), kind):
            problems.append(f"field {field} must be {kind.__name__}")
    metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
    for name in required_metrics:
        if not isinstance(metrics.get(name), (int, float)):
            problems.append(f"metric {name} missing")
    for name, value in metrics.items():
        if not isinstance(value, (int, float)) and value is not None:
            problems.append(f"metric {name} is not a number")
    return problems
