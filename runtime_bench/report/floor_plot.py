"""Latency against FLOPs with the host's floor: how close each architecture gets to it.

One figure, a panel per task: at FLOOR_SEQ_LEN, each model's int8 artifact on its fastest
exported backend, at its FLOPs per sequence (from the flops phase, as in the latency table),
next to its own floor and the line "FLOPs at this core's int8 matmul peak". Both floors come
from runtime_bench.measure.roofline.floor_ms, the definition behind the latency table's "x floor".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.quantization import REFERENCE_PRECISION
from runtime_bench.analysis.ratios import fastest_exported
from runtime_bench.analysis.study import model_rank, ordered_models
from runtime_bench.artifacts import EAGER
from runtime_bench.measure.roofline import FlopCount, floor_ms
from runtime_bench.report.markdown import _table, fmt
from runtime_bench.report.plot_style import figure_legend, stamp_emulated
from runtime_bench.results import LATENCY_METRICS, atomic_output

FLOOR_PLOT = "flops_floor.png"
#: the length the plot compares models at (the nearest measured one if this one is missing)
FLOOR_SEQ_LEN = 128
FLOOR_PRECISION = "int8"
MEDIAN = LATENCY_METRICS["median"]
MODEL_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass
class FloorPoints:
    """What the plot shows: per task, the fastest int8 record of each model that has FLOPs."""

    seq_len: int | None = None
    by_task: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    no_flops: list[str] = field(default_factory=list)  # "model (task)" left out


def floor_points(doc: dict[str, Any]) -> FloorPoints:
    """The plot's points from a results document (none without int8 exported records)."""
    records = [
        r
        for r in doc.get("records", [])
        if r["precision"] == FLOOR_PRECISION and r["backend"] != EAGER
    ]
    lengths = {r["seq_len"] for r in records}
    if not lengths:
        return FloorPoints()
    seq_len = min(lengths, key=lambda n: (abs(n - FLOOR_SEQ_LEN), n))
    fastest = fastest_exported([r for r in records if r["seq_len"] == seq_len])
    points = FloorPoints(seq_len)
    for (model, task, _, _), record in sorted(
        fastest.items(), key=lambda kv: (kv[0][1], model_rank(kv[0][0]))
    ):
        if record["metrics"].get("flops"):
            points.by_task.setdefault(task, []).append(record)
        else:
            points.no_flops.append(f"{model} ({task})")
    return points


def _peak_rates(doc: dict[str, Any]) -> dict[str, float] | None:
    """{precision: GOP/s} as floor_ms takes them; None unless both peaks it needs were measured."""
    peaks = {p: v.get("gops") for p, v in doc.get("peaks", {}).items()}
    needed = (FLOOR_PRECISION, REFERENCE_PRECISION)
    return {p: peaks[p] for p in needed} if all(peaks.get(p) for p in needed) else None


def write_floor_plot(doc: dict[str, Any], out_dir: Path) -> Path | None:
    """FLOOR_PLOT in `out_dir`, or None when no model has an int8 record with FLOPs."""
    points = floor_points(doc)
    if not points.by_task:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    models = ordered_models(r["model"] for recs in points.by_task.values() for r in recs)
    colors = plt.get_cmap("tab10")
    style = {
        m: (colors(i % 10), MODEL_MARKERS[i % len(MODEL_MARKERS)]) for i, m in enumerate(models)
    }
    peaks = _peak_rates(doc)
    tasks = sorted(points.by_task)
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.2 * len(tasks), 5.2), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        recs = points.by_task[task]
        gflops = [r["metrics"]["flops"] / 1e9 for r in recs]
        for i, (r, x) in enumerate(zip(recs, gflops, strict=True)):
            m = r["metrics"]
            color, marker = style[r["model"]]
            ax.errorbar(
                [x],
                [m[MEDIAN]],
                yerr=[
                    [m[MEDIAN] - m["p10_inference_latency(ms)"]],
                    [m["p90_inference_latency(ms)"] - m[MEDIAN]],
                ],
                fmt=marker,
                color=color,
                markersize=8,
                capsize=3,
                label=f"{r['model']} ({r['backend']})",
            )
            label = r["model"]
            if m.get("floor_latency(ms)"):
                ax.plot([x], [m["floor_latency(ms)"]], marker, color=color, fillstyle="none")
                ax.plot([x, x], [m["floor_latency(ms)"], m[MEDIAN]], ":", color=color, lw=1)
                label += f"\n{fmt(m.get('x_floor'))}x floor"
            ax.annotate(
                label,
                (x, m[MEDIAN]),
                xytext=(6, 4 if i % 2 == 0 else -24),  # alternate: neighbours' labels apart
                textcoords="offset points",
                fontsize=8,
            )
        if peaks is not None:
            lo, hi = min(gflops) / 1.6, max(gflops) * 1.6
            xs = [lo, hi]
            ys = [
                floor_ms(FlopCount(points.seq_len, x * 1e9, 0.0, "none"), FLOOR_PRECISION, peaks)
                for x in xs
            ]
            ax.plot(
                xs,
                ys,
                "--",
                color="black",
                lw=1,
                label=f"FLOPs at the int8 matmul peak ({fmt(peaks[FLOOR_PRECISION])} GOP/s)",
            )
        ax.margins(x=0.15, y=0.15)  # room for the labels
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            axis.set_major_formatter(plain)  # 20, not 2x10^1
            # minor labels only where at most one major (power of ten) tick is in view
            few_majors = math.floor(math.log10(hi)) - math.ceil(math.log10(lo)) < 1
            axis.set_minor_formatter(plain if few_majors else NullFormatter())
        ax.tick_params(which="minor", labelsize=7)
        ax.set_xlabel(f"GFLOP per sequence at L={points.seq_len} (2 per multiply-add)")
        ax.set_ylabel("median latency (ms, log); whiskers p10–p90")
        ax.set_title(f"{task}: int8, each model on its fastest backend", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(
        "latency against FLOPs\nhollow marker: the model's own floor (attention at the fp32 peak)",
        fontsize=9,
    )
    figure_legend(fig, list(axes[0]))  # below the panels: never over a point or its label
    stamp_emulated(fig, doc)
    path = out_dir / FLOOR_PLOT
    with atomic_output(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def floor_section(doc: dict[str, Any]) -> list[str]:
    """The report's paragraph for the plot: the link, its numbers, and what was left out."""
    points = floor_points(doc)
    if not points.by_task and not points.no_flops:
        return []
    lines = ["## Latency against FLOPs", ""]
    if points.by_task:
        lines += [
            f"![latency against FLOPs]({FLOOR_PLOT}) plots, at L={points.seq_len}, each model's "
            f"{FLOOR_PRECISION} artifact on its fastest backend against its FLOPs, next to the "
            "time this core's matmul peaks need for them (x floor = how far above it it runs).",
            "",
        ]
        rows = [
            [
                task,
                r["model"],
                r["backend"],
                fmt(r["metrics"]["flops"] / 1e9),
                fmt(r["metrics"][MEDIAN]),
                fmt(r["metrics"].get("floor_latency(ms)")),
                fmt(r["metrics"].get("x_floor")),
            ]
            for task, recs in sorted(points.by_task.items())
            for r in recs
        ]
        header = ["task", "model", "fastest backend", "GFLOP", "median (ms)", "floor", "x floor"]
        lines += [*_table(header, rows), ""]
    if points.no_flops:
        lines += [
            f"- Not plotted, no FLOPs recorded in results.json: {', '.join(points.no_flops)}.",
            "",
        ]
    return lines
