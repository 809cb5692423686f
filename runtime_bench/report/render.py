"""report.md (and, through runtime_bench.report.plots, the PNG plots), from results.json alone.

Because the report is a pure function of the results document, the host run and the adb
driver regenerate the same report after merging, and the tests can check it on synthetic
documents.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from runtime_bench.analysis.ratios import by_denominator
from runtime_bench.analysis.study import model_rank
from runtime_bench.artifacts import EAGER
from runtime_bench.report.floor_plot import floor_section
from runtime_bench.report.host_section import _host_section, _study_section, _thread_section
from runtime_bench.report.markdown import _mb, _sort_key, _table, by_task, fmt
from runtime_bench.report.phone_section import _device_section
from runtime_bench.report.plots import SPEEDUP_KINDS, speedup_png, write_plots
from runtime_bench.report.traffic_section import (
    headline_section,
    ship_section,
    summary_section,
    tflite_inputs_section,
    traffic_section,
)
from runtime_bench.results import LATENCY_METRICS, atomic_output

MEDIAN = LATENCY_METRICS["median"]


def _latency_section(records: list[dict[str, Any]]) -> list[str]:
    if not records:
        return []
    lines = [
        "## Latency (batch 1, one thread)",
        "",
        "Milliseconds per inference. floor = FLOPs at this core's matmul peak (int8 weight "
        "GEMMs at the int8 peak); x floor = median / floor. RSS = peak resident-memory increase "
        "for loading and running, measured in a fresh process.",
        "",
    ]
    header = [
        "model",
        "backend",
        "precision",
        "L",
        "median",
        "p10",
        "p90",
        "mean",
        "std",
        "min",
        "trimmean",
        "first",
        "load",
        "CPU/wall",
        "floor",
        "x floor",
        "RSS (MB)",
        "size (MB)",
    ]
    for task, recs in sorted(by_task(records).items()):
        rows = []
        for r in sorted(recs, key=_sort_key):
            m = r["metrics"]
            rows.append(
                [
                    r["model"],
                    r["backend"],
                    r["precision"],
                    str(r["seq_len"]),
                    fmt(m.get(MEDIAN)),
                    fmt(m.get("p10_inference_latency(ms)")),
                    fmt(m.get("p90_inference_latency(ms)")),
                    fmt(m.get("avg_inference_latency(ms)")),
                    fmt(m.get("std_inference_latency(ms)")),
                    fmt(m.get("min_inference_latency(ms)")),
                    fmt(m.get("trimmean_inference_latency(ms)")),
                    fmt(m.get("first_inference_latency(ms)")),
                    fmt(m.get("model_load_time(ms)")),
                    fmt(m.get("cpu_wall_ratio")),
                    fmt(m.get("floor_latency(ms)")),
                    fmt(m.get("x_floor")),
                    fmt(m.get("peak_rss_increase(mb)")),
                    _mb(r.get("size_bytes")),
                ]
            )
        lines += [
            f"### {task}",
            "",
            f"![latency vs sequence length](latency_{task}.png)",
            "",
            *_table(header, rows),
            "",
        ]
    return lines


def _fixed_length_ship_section(records: list[dict[str, Any]]) -> list[str]:
    """The second view: the fastest exported artifact of each precision at each fixed length,
    with its margin over the next backend (the ship decision comes from real traffic)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["backend"] != EAGER:
            groups[(r["task"], r["model"], r["precision"], r["seq_len"])].append(r)
    rows = []
    for (task, model, precision, seq_len), recs in sorted(
        groups.items(), key=lambda kv: (kv[0][0], model_rank(kv[0][1]), *kv[0][2:])
    ):
        recs.sort(key=lambda r: r["metrics"][MEDIAN])
        best, runner_up = recs[0], recs[1] if len(recs) > 1 else None
        rows.append(
            [
                task,
                model,
                precision,
                str(seq_len),
                best["backend"],
                fmt(best["metrics"][MEDIAN]),
                runner_up["backend"] if runner_up else "–",
                fmt(runner_up["metrics"][MEDIAN] / best["metrics"][MEDIAN]) if runner_up else "–",
            ]
        )
    if not rows:
        return []
    header = ["task", "model", "precision", "L", "ship", "median", "next", "next / ship"]
    return [
        "## Fixed-length sweep: fastest artifact per length",
        "",
        "The second view: inputs padded or cut to each length L (median ms). Static-shape "
        "runtimes look best here; real inputs are shorter (see the ship table above).",
        "",
        *_table(header, rows),
        "",
    ]


def _ratio_section(doc: dict[str, Any]) -> list[str]:
    ratios = doc.get("ratios", [])
    if not ratios:
        return []
    by_id = {r["id"]: r for r in doc.get("records", [])}
    lines = [
        "## Ratios (median of round-by-round ratios, p10–p90)",
        "",
        "Below 1.0 the numerator is faster. Each ratio pairs two measurements from the same "
        "round-robin round (task over task: the same round of two loads that ran one after "
        "the other).",
        "",
    ]
    for title, chosen in _ratio_tables(ratios, by_id):
        rows = []
        for ratio in chosen:
            num, den = by_id[ratio["numerator"]], by_id[ratio["denominator"]]
            rows.append(
                [
                    ratio["task"],
                    str(ratio["seq_len"]),
                    _ratio_label(num, den),
                    _ratio_label(den, num),
                    fmt(ratio["median"]),
                    f"{fmt(ratio['p10'])}–{fmt(ratio['p90'])}",
                    fmt(1.0 / ratio["median"]) if ratio["median"] else "–",
                ]
            )
        header = ["task", "L", "numerator", "denominator", "ratio", "p10–p90", "speedup"]
        lines += [f"### {title}", "", *_table(header, rows), ""]
    drawn = sorted({(r["task"], r["kind"]) for r in ratios if r["kind"] in SPEEDUP_KINDS})
    lines += [f"![speedup {kind} {task}]({speedup_png(kind, task)})" for task, kind in drawn]
    return [*lines, ""]


def _ratio_label(record: dict[str, Any], other: dict[str, Any]) -> str:
    """`record` as a ratio table names it: model, backend, precision (and task, when the
    ratio is across tasks)."""
    task = f" {record['task']}" if record["task"] != other["task"] else ""
    return f"{record['model']} {record['backend']} {record['precision']}{task}"


#: ratio kind -> table title; model and best tables get one table per denominator model
RATIO_TITLES = {
    "model": "Model over {den} (same task, backend, precision)",
    "precision": "int8 over fp32 (same model, task, backend)",
    "backend": "Backend over eager PyTorch fp32 (same model, task)",
    "best": "Model on its fastest backend over {den} on its fastest backend (same task, precision)",
    "rewrite": "Rewritten export over the same runtime's stock export (same model, task, precision)",
    "task": "Task over task: the masked-LM decode's cost (same model, backend, precision)",
}


def _ratio_tables(
    ratios: list[dict[str, Any]], by_id: dict[str, Any]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(title, ratios) per table, in RATIO_TITLES order; model and best ratios split by their
    denominator model (the baseline first, see runtime_bench.analysis.study); empty tables left out."""
    known = [r for r in ratios if r["numerator"] in by_id and r["denominator"] in by_id]
    tables = []
    for kind, title in RATIO_TITLES.items():
        of_kind = [r for r in known if r["kind"] == kind]
        if "{den}" not in title:
            tables.append((title, of_kind))
            continue
        tables += [
            (title.format(den=den), chosen) for den, chosen in by_denominator(of_kind, by_id)
        ]
    return [(title, chosen) for title, chosen in tables if chosen]


def _contents(doc: dict[str, Any]) -> list[str]:
    """Where the details are: the sections below, and the exported files beside this one."""
    return [
        "Details below: real traffic per artifact and input lengths, the host, the single-"
        "thread check, task metrics, the fixed-length sweep (latency, floor, ratios), phones. "
        "`--export v3,csv` writes this run as PyTorch OSS benchmark-database records and a CSV.",
        "",
    ]


def write_report(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.md and the PNG plots for `doc` into `out_dir`; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = doc.get("records", [])
    written = write_plots(doc, out_dir)
    first_screen = [
        "# runtime_bench report",
        "",
        "Generated by `python -m runtime_bench` from results.json in this directory "
        "(`--report-only` re-renders it). The first screen answers; details follow.",
        "",
        *summary_section(doc),
        *ship_section(doc),
        *headline_section(doc),
        *_contents(doc),
    ]
    lines = [
        *first_screen,
        *traffic_section(doc),
        *tflite_inputs_section(doc),
        *_host_section(doc),
        *_thread_section(records),
        *_study_section(doc),
        *_latency_section(records),
        *floor_section(doc),
        *_fixed_length_ship_section(records),
        *_ratio_section(doc),
        *_device_section(doc),
    ]
    report = out_dir / "report.md"
    with atomic_output(report) as tmp:
        tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    written.append(report)
    return written
