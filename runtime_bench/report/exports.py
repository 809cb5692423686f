"""results.json in formats other tools read: `--export v3,csv`.

* ``v3``: the PyTorch OSS benchmark-database records that ExecuTorch's dashboard ingests, one
  per artifact and metric, in the shape `transform()` of pytorch/executorch's
  `.github/scripts/extract_benchmark_results.py` writes ("From https://github.com/pytorch/
  pytorch/wiki/How-to-integrate-with-PyTorch-OSS-benchmark-database"): `benchmark` {name,
  mode, extra_info}, `model` {name, type, backend}, `metric` {name, benchmark_values,
  target_value, extra_info}, `runners` [{name, type, avail_mem_in_gb, total_mem_in_gb}].
  Written as one JSON list (`benchmark_v3.json`).
* ``csv``: the same values flat, one row per artifact, view and metric (`benchmark.csv`).

Both cover the host's fixed-length records, its real-traffic evaluations and every phone's
records. Metric names follow ExecuTorch's benchmark app where it has one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from runtime_bench.results import atomic_output

BENCHMARK_NAME = "squeezebert-mobile runtime_bench"
#: fixed-length record metrics exported (ExecuTorch benchmark-app names)
RECORD_METRICS = (
    "avg_inference_latency(ms)",
    "trimmean_inference_latency(ms)",
    "median_inference_latency(ms)",
    "p90_inference_latency(ms)",
    "model_load_time(ms)",
)


def _runner(host: dict[str, Any]) -> dict[str, Any]:
    memory = round(host["memory_bytes"] / 2**30, 1) if host.get("memory_bytes") else ""
    return {
        "name": host.get("cpu_model", "host"),
        "type": f"{host.get('os', '?')} {host.get('machine', '?')}".strip(),
        "avail_mem_in_gb": "",
        "total_mem_in_gb": memory,
    }


def _device_runner(device: dict[str, Any]) -> dict[str, Any]:
    info = device.get("device", {})
    name = " ".join(x for x in (info.get("brand"), info.get("model")) if x) or info.get("serial")
    return {"name": name or "device", "type": info.get("os", ""), "avail_mem_in_gb": "",
            "total_mem_in_gb": ""}  # fmt: skip


def rows(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every exported value as a flat row: runner, view, artifact, length, metric, value."""
    host = _runner(doc.get("host", {}))
    sources = [(host, doc.get("records", []))]
    sources += [(_device_runner(d), d.get("records", [])) for d in doc.get("devices", [])]
    for runner, records in sources:
        for r in records:
            for metric in RECORD_METRICS:
                value = r.get("metrics", {}).get(metric)
                if value is not None:
                    yield _row(runner, "fixed-length", r, r.get("seq_len"), metric, value)
    for ev in doc.get("evaluations", []):
        per = ev.get("per_example_ms", {})
        values = {
            "real_traffic_call_p50_latency(ms)": per.get("call", {}).get("p50"),
            "real_traffic_call_p90_latency(ms)": per.get("call", {}).get("p90"),
            "real_traffic_e2e_p50_latency(ms)": per.get("e2e", {}).get("p50"),
            "real_traffic_call_total(s)": ev.get("seconds"),
        }
        other = ev.get("interpreter", {}).get("per_example_ms", {})
        values["real_traffic_interpreter_p50_latency(ms)"] = other.get("p50")
        for metric, value in values.items():
            if value is not None:
                yield _row(host, "real-traffic", ev, None, metric, value)


def _row(runner: dict[str, Any], view: str, r: dict[str, Any], seq_len: Any, metric: str,
         value: float) -> dict[str, Any]:  # fmt: skip
    return {
        "runner": runner["name"],
        "runner_type": runner["type"],
        "view": view,
        "model": r["model"],
        "model_tag": r["model_tag"],
        "task": r["task"],
        "backend": r["backend"],
        "precision": r["precision"],
        "seq_len": "" if seq_len is None else seq_len,
        "feed": r.get("feed", ""),
        "metric": metric,
        "value": float(value),
        "_runner": runner,
    }


def v3_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The benchmark-database records of `doc` (module docstring: the shape and its source)."""
    out = []
    for row in rows(doc):
        extra = {"app_type": "HOST" if row["runner"] == _runner(doc.get("host", {}))["name"]
                 else "ANDROID_APP", "view": row["view"], "task": row["task"],
                 "precision": row["precision"], "seq_len": row["seq_len"], "feed": row["feed"]}  # fmt: skip
        out.append(
            {
                "benchmark": {"name": BENCHMARK_NAME, "mode": "inference", "extra_info": extra},
                "model": {
                    "name": f"{row['model_tag']}_{row['task']}",
                    "type": "OSS model",
                    "backend": f"{row['backend']}_{row['precision']}",
                },
                "metric": {
                    "name": row["metric"],
                    "benchmark_values": [row["value"]],
                    "target_value": 0,
                    "extra_info": {"method": "forward"},
                },
                "runners": [row["_runner"]],
            }
        )
    return out


def _write_v3(doc: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "benchmark_v3.json"
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(v3_records(doc), indent=1) + "\n", encoding="utf-8")
    return path


def _write_csv(doc: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "benchmark.csv"
    buffer = io.StringIO()
    fields = [k for k in _row({"name": "", "type": ""}, "", _EMPTY, None, "", 0.0) if k[0] != "_"]
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(doc))
    with atomic_output(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
    return path


_EMPTY = {k: "" for k in ("model", "model_tag", "task", "backend", "precision")}

#: --export name -> writer(doc, folder) -> the file written
EXPORTERS: dict[str, Callable[[dict[str, Any], Path], Path]] = {"v3": _write_v3, "csv": _write_csv}


def write_exports(doc: dict[str, Any], out_dir: Path, kinds: list[str]) -> list[Path]:
    """Write each requested export of `doc` into `out_dir`; return the files."""
    return [EXPORTERS[kind](doc, out_dir) for kind in kinds]


def from_results(
    path: Path | None, out: Path | None, report_only: bool, kinds: list[str], adb: bool = False
) -> list[Path]:
    """`--from-results FILE` (or --out's results.json with --report-only): re-render the report
    and/or write the exports beside an existing results.json, benchmarking nothing."""
    from runtime_bench.errors import BenchError
    from runtime_bench.report.render import write_report
    from runtime_bench.results import load_results

    if adb:
        raise BenchError("--from-results and --report-only read a results.json; drop --adb")
    if path is None:
        if out is None:
            raise BenchError("--report-only needs --from-results FILE or --out DIR")
        path = out / "results.json"
    if not kinds and not report_only:
        raise BenchError("--from-results needs --export v3,csv and/or --report-only")
    doc = load_results(path)
    files = write_report(doc, path.parent) if report_only else []
    return files + write_exports(doc, path.parent, kinds)


def add_export_options(p: Any) -> None:
    """--export, --from-results and --report-only on runtime_bench's parser."""
    p.add_argument(
        "--export",
        help="comma list from v3,csv: also write PyTorch OSS benchmark-database records "
        "(benchmark_v3.json) and/or a flat benchmark.csv beside results.json",
    )
    p.add_argument(
        "--from-results",
        type=Path,
        help="benchmark nothing: read this results.json and, beside it, write --export files "
        "and/or (--report-only) report.md and the plots again",
    )
    p.add_argument(
        "--report-only",
        action="store_true",
        help="re-render report.md and the plots from results.json (--from-results, or "
        "--out's) without benchmarking",
    )
