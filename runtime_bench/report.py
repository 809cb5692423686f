"""report.md and PNG plots, generated from results.json alone.

Because the report is a pure function of the results document, the host run and the adb
driver regenerate the same report after merging, and the tests can check it on synthetic
documents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from export.io import atomic_path
from export.quantization import SCHEMES
from runtime_bench.artifacts import BACKEND_COLORS, BACKEND_ORDER, EAGER
from runtime_bench.ratios import BASELINE_MODEL
from runtime_bench.timing import MAX_SINGLE_THREAD_RATIO

PRECISION_STYLES = {name: scheme.line_style for name, scheme in SCHEMES.items()}
MODEL_MARKERS = ("o", "s", "^", "D", "v", "P")
MEDIAN = "median_inference_latency(ms)"
#: ratio kinds drawn in the speedup bar charts (precision ratios are only tabulated)
SPEEDUP_KINDS = ("backend", "model", "best")


def _quantized(precision: str) -> bool:
    """Whether a results.json precision is a quantized scheme (unknown names: no)."""
    scheme = SCHEMES.get(precision)
    return scheme is not None and scheme.quantized


def fmt(value: Any, digits: int = 3) -> str:
    """Compact number: 3 significant digits, no scientific notation for ordinary values."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 10**digits:
        return f"{value:.0f}"
    if magnitude == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
    return f"{value:.{decimals}f}"


def _mb(size_bytes: int | None) -> str:
    return fmt(size_bytes / 1e6) if size_bytes else "–"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _sort_key(record: dict[str, Any]) -> tuple:
    return (
        record["task"],
        record["model"],
        BACKEND_ORDER.get(record["backend"], len(BACKEND_ORDER)),
        record["precision"],
        record.get("seq_len", 0),
    )


# -- sections ----------------------------------------------------------------------------------
def _host_section(doc: dict[str, Any]) -> list[str]:
    host, config, peaks = doc.get("host", {}), doc.get("config", {}), doc.get("peaks", {})
    features = [k for k, v in host.get("isa_features", {}).items() if v]
    packages = ", ".join(f"{k} {v}" for k, v in host.get("packages", {}).items())
    threads = doc.get("threads", {})
    if not doc.get("records"):
        return [
            "## Host",
            "",
            f"- Driven from: {host.get('cpu_model', '?')} ({host.get('machine', '?')}), "
            f"{host.get('os', '?')}; no host benchmark in this results.json "
            "(run `python -m runtime_bench` without --adb for one).",
            "",
        ]
    lines = [
        "## Host",
        "",
        f"- CPU: {host.get('cpu_model', '?')} ({host.get('machine', '?')}), "
        f"{host.get('logical_cpus', '?')} logical CPUs"
        + (" (virtualized)" if host.get("virtualized") else ""),
        *_emulation_lines(host),
        f"- ISA features: {', '.join(features) or 'none detected'}",
        f"- OS: {host.get('os', '?')}, kernel {host.get('kernel', '?')}; "
        f"torch CPU capability {host.get('torch_cpu_capability', '?')}",
        f"- Packages: {packages}",
        f"- Date: {host.get('date_utc', '?')}; load average at start "
        f"{host.get('load_average_at_start', '?')}",
        f"- Run: {config.get('runs', '?')} measured rounds after {config.get('warmup', '?')} "
        f"warm-up rounds, round-robin over all artifacts of a task; batch "
        f"{config.get('batch_size', 1)}; sequence lengths {config.get('seq_lens', '?')}; "
        "inputs are real test examples from bench_inputs.json, truncated or padded.",
        f"- Threads: {', '.join(f'{k} = {v}' for k, v in threads.items()) or 'not recorded'}",
    ]
    for precision, unit in (("fp32", "GFLOP/s"), ("int8", "GOP/s")):
        if precision in peaks:
            peak = peaks[precision]
            lines.append(
                f"- Single-core {precision} matmul peak: {fmt(peak['gops'])} {unit} "
                f"({peak['best_source']})"
            )
    if doc.get("status") in ("running", "interrupted", "failed"):
        lines.append(f"- **Run status: {doc.get('status')}** (records so far are kept)")
    return [*lines, ""]


def _emulation_lines(host: dict[str, Any]) -> list[str]:
    """A plain warning when the host was emulated: its times say nothing about hardware."""
    if not host.get("emulated"):
        return []
    return [
        f"- **Emulated CPU** ({host['emulated']}): every latency and CPU time below was measured "
        "under emulation and is NOT a hardware timing; only outputs, metrics and sizes carry over."
    ]


def _thread_section(records: list[dict[str, Any]]) -> list[str]:
    if not records:
        return []
    ratios = [r["metrics"].get("cpu_wall_ratio", 0.0) for r in records]
    worst = [r["metrics"].get("max_cpu_wall_ratio", 0.0) for r in records]
    bad = [
        r["id"] for r in records if r["metrics"].get("cpu_wall_ratio", 0) > MAX_SINGLE_THREAD_RATIO
    ]
    lines = [
        "## Single-thread check",
        "",
        "Process CPU time over wall time of each timed call (1.0 = one busy thread; above "
        "1.0 = extra threads; below = waiting).",
        "",
        f"- Per record (total CPU / total wall): {fmt(min(ratios))} to {fmt(max(ratios))} "
        f"over {len(records)} records.",
        f"- Worst single call: {fmt(max(worst))}.",
    ]
    if bad:
        lines.append(f"- **Above {MAX_SINGLE_THREAD_RATIO}: {', '.join(bad)}**")
    else:
        lines.append(f"- Every record is at or below {MAX_SINGLE_THREAD_RATIO}.")
    return [*lines, ""]


def _study_section(doc: dict[str, Any]) -> list[str]:
    evaluations = doc.get("evaluations", [])
    if not evaluations:
        return []
    memory = {m["id"]: m for m in doc.get("memory", [])}
    lines = [
        "## Task metric and CPU time (the study's tables)",
        "",
        "CPU time: wall time to run the test split (examples column) on one thread.",
        "",
    ]
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in evaluations:
        by_task[ev["task"]].append(ev)
    for task, evs in sorted(by_task.items()):
        names = list(dict.fromkeys(k for ev in evs for k in ev.get("metrics", {})))
        rows = []
        for ev in sorted(evs, key=_sort_key):
            mem = memory.get(ev["id"], {})
            peak = max(mem.get("peak_increase_mb", {}).values(), default=None)
            rows.append(
                [
                    ev["model"],
                    ev["backend"],
                    ev["precision"],
                    *(fmt(ev["metrics"].get(n), 4) for n in names),
                    fmt(ev["seconds"]),
                    str(ev["examples"]),
                    fmt(ev.get("cpu_wall_ratio")),
                    _mb(ev.get("size_bytes")),
                    fmt(peak),
                ]
            )
        header = [
            "model",
            "backend",
            "precision",
            *names,
            "CPU time (s)",
            "examples",
            "CPU/wall",
            "size (MB)",
            "peak RSS (MB)",
        ]
        lines += [f"### {task}", "", *_table(header, rows), ""]
    return lines


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
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_task[record["task"]].append(record)
    for task, recs in sorted(by_task.items()):
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


def _ship_section(records: list[dict[str, Any]]) -> list[str]:
    """Which artifact to ship per model on this host: the fastest exported one of each
    precision at each length, with its margin over the next backend."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["backend"] != EAGER:
            groups[(r["task"], r["model"], r["precision"], r["seq_len"])].append(r)
    rows = []
    for (task, model, precision, seq_len), recs in sorted(groups.items()):
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
        "## Which artifact to ship on this host",
        "",
        "The fastest exported artifact per model, precision and length (median ms); check its "
        "metric delta in the study table before shipping int8.",
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
        "round-robin round.",
        "",
    ]
    titles = {
        "model": f"Model over {BASELINE_MODEL} (same task, backend, precision)",
        "precision": "int8 over fp32 (same model, task, backend)",
        "backend": "Backend over eager PyTorch fp32 (same model, task)",
        "best": f"Model on its fastest backend over {BASELINE_MODEL} on its fastest backend "
        "(same task, precision)",
        "rewrite": "Rewritten export over the same runtime's stock export (same model, task, "
        "precision)",
    }
    for kind, title in titles.items():
        rows = []
        for ratio in (r for r in ratios if r["kind"] == kind):
            num, den = by_id.get(ratio["numerator"]), by_id.get(ratio["denominator"])
            if num is None or den is None:
                continue
            rows.append(
                [
                    ratio["task"],
                    str(ratio["seq_len"]),
                    f"{num['model']} {num['backend']} {num['precision']}",
                    f"{den['model']} {den['backend']} {den['precision']}",
                    fmt(ratio["median"]),
                    f"{fmt(ratio['p10'])}–{fmt(ratio['p90'])}",
                    fmt(1.0 / ratio["median"]) if ratio["median"] else "–",
                ]
            )
        if rows:
            header = ["task", "L", "numerator", "denominator", "ratio", "p10–p90", "speedup"]
            lines += [f"### {title}", "", *_table(header, rows), ""]
    tasks = sorted({r["task"] for r in ratios if r["kind"] in SPEEDUP_KINDS})
    lines += [f"![speedup](speedup_{task}.png)" for task in tasks]
    return [*lines, ""]


def _device_label(device: dict[str, Any]) -> str:
    info = device.get("device", {})
    name = " ".join(x for x in (info.get("brand"), info.get("model")) if x) or info.get("serial")
    return f"{name} ({info.get('serial')})" if name != info.get("serial") else str(name)


def _device_section(doc: dict[str, Any]) -> list[str]:
    devices = doc.get("devices", [])
    if not devices:
        return []
    lines = [
        "## Phones (ExecuTorch and LiteRT over adb, one thread)",
        "",
        "trimmean_inference_latency(ms) per device (ExecuTorch benchmark-app metric), next to this "
        "host's median for the same artifact.",
        "",
    ]
    info_rows = []
    for dev in devices:
        info = dev.get("device", {})
        info_rows.append(
            [
                info.get("serial", "?"),
                info.get("brand", "?"),
                info.get("model", "?"),
                info.get("soc", "?"),
                info.get("os", "?"),
                dev.get("status", "?"),
                str(len(dev.get("records", []))),
            ]
        )
    lines += _table(["serial", "brand", "model", "SoC", "OS", "status", "records"], info_rows)
    lines.append("")

    def key(r: dict[str, Any]) -> tuple:
        return (r["model_tag"], r["task"], r["backend"], r["precision"], r["seq_len"])

    host = {key(r): r for r in doc.get("records", [])}
    keys: dict[tuple, None] = {}
    for dev in devices:
        for r in dev.get("records", []):
            keys[key(r)] = None
    labels = [_device_label(d) for d in devices]
    index = [{key(r): r for r in d.get("records", [])} for d in devices]
    rows = []
    for k in sorted(keys, key=lambda k: (k[1], k[0], k[2], k[3], k[4])):
        tag, task, backend, precision, seq_len = k
        host_rec = host.get(k)
        row = [
            tag,
            task,
            backend,
            precision,
            str(seq_len),
            fmt(host_rec["metrics"].get(MEDIAN)) if host_rec else "–",
        ]
        for dev_index in index:
            rec = dev_index.get(k)
            row.append(fmt(rec["metrics"].get("trimmean_inference_latency(ms)")) if rec else "–")
        rows.append(row)
    lines += _table(["model", "task", "backend", "precision", "L", "host median", *labels], rows)
    lines.append("")
    for dev, label in zip(devices, labels, strict=True):
        if dev.get("missing"):
            lines.append(f"- {label} is missing: {', '.join(dev['missing'])}")
    return [*lines, ""]


# -- plots -------------------------------------------------------------------------------------
def _plot_latency(task: str, records: list[dict[str, Any]], path: Path) -> None:
    """One panel per model (shared y axis): a line per backend/precision, plus its floors."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    models = sorted({r["model"] for r in records})
    fig, axes = plt.subplots(
        1, len(models), figsize=(5.2 * len(models) + 2.6, 5), sharey=True, squeeze=False
    )
    lengths = sorted({r["seq_len"] for r in records})
    for ax, model in zip(axes[0], models, strict=True):
        series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        floors: dict[str, dict[int, float]] = defaultdict(dict)
        for r in records:
            if r["model"] != model:
                continue
            series[(r["backend"], r["precision"])].append(r)
            if r["metrics"].get("floor_latency(ms)"):
                floors[r["precision"]][r["seq_len"]] = r["metrics"]["floor_latency(ms)"]
        for (backend, precision), recs in sorted(
            series.items(),
            key=lambda kv: (BACKEND_ORDER.get(kv[0][0], len(BACKEND_ORDER)), kv[0][1]),
        ):
            recs.sort(key=lambda r: r["seq_len"])
            x = [r["seq_len"] for r in recs]
            color = BACKEND_COLORS.get(backend, "black")
            ax.plot(
                x,
                [r["metrics"][MEDIAN] for r in recs],
                PRECISION_STYLES.get(precision, ":"),
                color=color,
                marker="s" if _quantized(precision) else "o",
                label=f"{backend} {precision}",
            )
            ax.fill_between(
                x,
                [r["metrics"]["p10_inference_latency(ms)"] for r in recs],
                [r["metrics"]["p90_inference_latency(ms)"] for r in recs],
                color=color,
                alpha=0.12,
                linewidth=0,
            )
        for precision, points in sorted(floors.items()):
            xs = sorted(points)
            ax.plot(
                xs,
                [points[x] for x in xs],
                ":" if _quantized(precision) else "-.",
                color="black",
                linewidth=0.9,
                label=f"hardware floor {precision}",
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        plain = FuncFormatter(lambda value, _pos: f"{value:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_xticks(lengths, [str(v) for v in lengths])
        ax.set_xlabel("sequence length (tokens)")
        ax.set_title(model)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("median latency (ms, log); band = p10–p90")
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(f"{task}: latency vs sequence length (batch 1, one thread)")
    fig.tight_layout()
    with atomic_path(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _plot_speedup(
    task: str, ratios: list[dict[str, Any]], by_id: dict[str, Any], path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # One panel per model for "backend over eager", then one for "model over baseline".
    panels: list[tuple[str, list[dict[str, Any]]]] = []
    for model in sorted({by_id[r["numerator"]]["model"] for r in ratios if r["kind"] == "backend"}):
        chosen = [
            r for r in ratios if r["kind"] == "backend" and by_id[r["numerator"]]["model"] == model
        ]
        panels.append((f"{model}: speedup over eager PyTorch fp32", chosen))
    model_ratios = [r for r in ratios if r["kind"] == "model"]
    if model_ratios:
        panels.append((f"speedup over {BASELINE_MODEL} (same backend and precision)", model_ratios))
    best_ratios = [r for r in ratios if r["kind"] == "best"]
    if best_ratios:
        title = f"speedup over {BASELINE_MODEL}, each on its fastest backend (bar: numerator's)"
        panels.append((title, best_ratios))
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 3.6 * len(panels)), squeeze=False)
    for ax, (title, chosen) in zip(axes[:, 0], panels, strict=True):
        lengths = sorted({r["seq_len"] for r in chosen})
        bars: dict[tuple[str, str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
        for r in chosen:
            num = by_id[r["numerator"]]
            bars[(num["model"], num["backend"], num["precision"])][r["seq_len"]] = r
        width = 0.8 / max(1, len(bars))
        for i, ((model, backend, precision), per_len) in enumerate(sorted(bars.items())):
            xs, heights, err_lo, err_hi = [], [], [], []
            for j, length in enumerate(lengths):
                r = per_len.get(length)
                if r is None:
                    continue
                speed = 1.0 / r["median"]
                xs.append(j + (i - (len(bars) - 1) / 2) * width)
                heights.append(speed)
                # The ratio's p90 is the slow end, so the speedup band is [1/p90, 1/p10].
                err_lo.append(max(0.0, speed - 1.0 / r["p90"]))
                err_hi.append(max(0.0, 1.0 / r["p10"] - speed))
            ax.bar(
                xs,
                heights,
                width * 0.95,
                yerr=[err_lo, err_hi],
                capsize=2,
                color=BACKEND_COLORS.get(backend, "gray"),
                hatch="//" if _quantized(precision) else None,
                edgecolor="black",
                linewidth=0.4,
                label=f"{model} {backend} {precision}",
            )
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(lengths)), [f"L={v}" for v in lengths])
        ax.set_ylabel("speedup (x)")
        ax.set_title(f"{task} — {title}", fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(
        "bars: median of per-round latency ratios (inverted); whiskers: p10–p90",
        fontsize=8,
        y=0.995,
    )
    fig.tight_layout()
    with atomic_path(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def write_report(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.md and the PNG plots for `doc` into `out_dir`; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = doc.get("records", [])
    written: list[Path] = []
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_task[r["task"]].append(r)
    for task, recs in by_task.items():
        path = out_dir / f"latency_{task}.png"
        _plot_latency(task, recs, path)
        written.append(path)
    by_id = {r["id"]: r for r in records}
    ratio_tasks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ratio in doc.get("ratios", []):
        if ratio["kind"] in SPEEDUP_KINDS and ratio["numerator"] in by_id:
            ratio_tasks[ratio["task"]].append(ratio)
    for task, ratios in ratio_tasks.items():
        path = out_dir / f"speedup_{task}.png"
        _plot_speedup(task, ratios, by_id, path)
        written.append(path)
    lines = [
        "# runtime_bench report",
        "",
        "Generated by `python -m runtime_bench` from results.json in this directory.",
        "",
        *_host_section(doc),
        *_thread_section(records),
        *_study_section(doc),
        *_latency_section(records),
        *_ship_section(records),
        *_ratio_section(doc),
        *_device_section(doc),
    ]
    report = out_dir / "report.md"
    with atomic_path(report) as tmp:
        tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    written.append(report)
    return written
