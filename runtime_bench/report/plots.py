"""The PNG plots of a results.json: latency per task, speedups with their spread (one figure
per task and comparison kind), and (through runtime_bench.report.floor_plot) latency against FLOPs.

A run with one sequence length gets a bar chart instead of lines (a line through one point is
a column of dots); legends sit below the panels; emulated runs carry an EMULATED stamp.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from export.quantization import SCHEMES
from runtime_bench.analysis.ratios import by_denominator
from runtime_bench.analysis.study import model_rank, ordered_models
from runtime_bench.artifacts import BACKEND_COLORS, BACKEND_ORDER
from runtime_bench.report.floor_plot import write_floor_plot
from runtime_bench.report.markdown import by_task
from runtime_bench.report.plot_style import figure_legend, stamp_emulated
from runtime_bench.results import LATENCY_METRICS, atomic_output

PRECISION_STYLES = {name: scheme.line_style for name, scheme in SCHEMES.items()}
#: speedup figure per ratio kind: its file-name part and title
SPEEDUP_FIGURES = {"backend": "over eager PyTorch fp32", "model": "model over model",
                   "best": "each model on its fastest backend"}  # fmt: skip
#: speedup panels per comparison kind, one per denominator model
COMPARISON_PANELS = {
    "model": "speedup over {den} (same backend and precision)",
    "best": "speedup over {den}, each on its fastest backend (bar: numerator's)",
}
#: latency panels (one per model) per row of the figure
LATENCY_PANELS_PER_ROW = 3
MEDIAN = LATENCY_METRICS["median"]
#: ratio kinds drawn in the speedup bar charts (precision ratios are only tabulated)
SPEEDUP_KINDS = ("backend", "model", "best")


def _quantized(precision: str) -> bool:
    """Whether a results.json precision is a quantized scheme (unknown names: no)."""
    scheme = SCHEMES.get(precision)
    return scheme is not None and scheme.quantized


def speedup_png(kind: str, task: str) -> str:
    """File name of one task's speedup figure for one ratio kind."""
    return f"speedup_{kind}_{task}.png"


def write_plots(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """latency_<task>.png and speedup_<task>.png for `doc`; the files written."""
    records = doc.get("records", [])
    written: list[Path] = []
    for task, recs in by_task(records).items():
        path = out_dir / f"latency_{task}.png"
        _plot_latency(task, recs, path, doc)
        written.append(path)
    by_id = {r["id"]: r for r in records}
    speedups = [
        r
        for r in doc.get("ratios", [])
        if r["kind"] in SPEEDUP_KINDS and r["numerator"] in by_id and r["denominator"] in by_id
    ]
    for task, ratios in by_task(speedups).items():
        for kind in SPEEDUP_KINDS:
            of_kind = [r for r in ratios if r["kind"] == kind]
            if of_kind:
                path = out_dir / speedup_png(kind, task)
                _plot_speedup(task, kind, of_kind, by_id, path, doc)
                written.append(path)
    floor = write_floor_plot(doc, out_dir)
    return [*written, floor] if floor is not None else written


def _plot_latency(task: str, records: list[dict[str, Any]], path: Path, doc: dict) -> None:
    """One panel per model (shared y axis): a line per backend/precision, plus its floors;
    with a single length, bars (whiskers p10-p90) and the floors as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    models = ordered_models(r["model"] for r in records)
    ncols = min(len(models), LATENCY_PANELS_PER_ROW)
    nrows = math.ceil(len(models) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5.2 * ncols + 2.6, 5 * nrows), sharey=True, squeeze=False
    )
    for ax in axes.flat[len(models) :]:
        ax.set_visible(False)
    lengths = sorted({r["seq_len"] for r in records})
    for ax, model in zip(axes.flat, models, strict=False):
        series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        floors: dict[str, dict[int, float]] = defaultdict(dict)
        for r in records:
            if r["model"] != model:
                continue
            series[(r["backend"], r["precision"])].append(r)
            if r["metrics"].get("floor_latency(ms)"):
                floors[r["precision"]][r["seq_len"]] = r["metrics"]["floor_latency(ms)"]
        ordered = sorted(
            series.items(),
            key=lambda kv: (BACKEND_ORDER.get(kv[0][0], len(BACKEND_ORDER)), kv[0][1]),
        )
        if len(lengths) == 1:
            _latency_bars(ax, ordered, floors)
            continue
        for (backend, precision), recs in ordered:
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
    band = "whiskers" if len(lengths) == 1 else "band"
    for row in axes:
        row[0].set_ylabel(f"median latency (ms, log); {band} = p10–p90")
    what = f"at L={lengths[0]}" if len(lengths) == 1 else "vs sequence length"
    fig.suptitle(f"{task}: latency {what} (batch 1, one thread)")
    figure_legend(fig, list(axes.flat[: len(models)]))
    stamp_emulated(fig, doc)
    with atomic_output(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _latency_bars(ax: Any, ordered: list, floors: dict[str, dict[int, float]]) -> None:
    """A single-length panel: one bar per backend/precision, floors as horizontal lines."""
    for i, ((backend, precision), recs) in enumerate(ordered):
        m = recs[0]["metrics"]
        ax.bar(
            i,
            m[MEDIAN],
            0.8,
            yerr=[[m[MEDIAN] - m["p10_inference_latency(ms)"]],
                  [m["p90_inference_latency(ms)"] - m[MEDIAN]]],
            capsize=3,
            color=BACKEND_COLORS.get(backend, "gray"),
            hatch="//" if _quantized(precision) else None,
            edgecolor="black",
            linewidth=0.4,
            label=f"{backend} {precision}",
        )  # fmt: skip
    for precision, points in sorted(floors.items()):
        style = ":" if _quantized(precision) else "-."
        (value,) = points.values()
        ax.axhline(
            value, linestyle=style, color="black", lw=0.9, label=f"hardware floor {precision}"
        )
    ax.set_yscale("log")
    ax.set_xticks(range(len(ordered)), [f"{b}\n{p}" for (b, p), _ in ordered], fontsize=7)
    ax.set_title(recs[0]["model"] if ordered else "")
    ax.grid(True, axis="y", which="both", alpha=0.3)


def _plot_speedup(
    task: str,
    kind: str,
    ratios: list[dict[str, Any]],
    by_id: dict[str, Any],
    path: Path,
    doc: dict[str, Any],
) -> None:
    """One comparison kind for one task: a panel per model (backend kind) or per
    denominator model (model and best kinds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # One panel per model for "backend over eager", then per denominator model for the
    # model and best comparisons (runtime_bench.analysis.study's pairs).
    panels: list[tuple[str, list[dict[str, Any]], bool]] = []  # title, ratios, name models
    if kind == "backend":
        for model in ordered_models(by_id[r["numerator"]]["model"] for r in ratios):
            chosen = [r for r in ratios if by_id[r["numerator"]]["model"] == model]
            panels.append((f"{model}: speedup over eager PyTorch fp32", chosen, False))
    else:
        title = COMPARISON_PANELS[kind]
        panels += [
            (title.format(den=den), chosen, True) for den, chosen in by_denominator(ratios, by_id)
        ]
    groups_per_panel = [_bar_groups(chosen, by_id) for _, chosen, _ in panels]
    width_in = max(10.0, 0.9 * max(len(g) for g in groups_per_panel) + 4.0)
    height = 3.4 * len(panels) + 1.0
    fig, axes = plt.subplots(len(panels), 1, figsize=(width_in, height), squeeze=False)
    for ax, (title, chosen, name_models), groups in zip(
        axes[:, 0], panels, groups_per_panel, strict=True
    ):
        bars: dict[tuple[str, str], dict[tuple[int, str], dict[str, Any]]] = defaultdict(dict)
        for r in chosen:
            num = by_id[r["numerator"]]
            bars[(num["backend"], num["precision"])][(r["seq_len"], num["model"])] = r
        width = 0.8 / max(1, len(bars))
        ordered = sorted(
            bars.items(), key=lambda kv: (BACKEND_ORDER.get(kv[0][0], len(BACKEND_ORDER)), kv[0])
        )
        for i, ((backend, precision), per_group) in enumerate(ordered):
            xs, heights, err_lo, err_hi = [], [], [], []
            for j, group in enumerate(groups):
                r = per_group.get(group)
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
                label=f"{backend} {precision}",
            )
        labels = [f"L={n}" + (f"\n{model}" if name_models else "") for n, model in groups]
        ax.set_xticks(range(len(groups)), labels, fontsize=8)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_ylabel("speedup (x)")
        ax.set_title(f"{task} — {title}", fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(
        f"{task}: speedup, {SPEEDUP_FIGURES[kind]}\nbars: median of per-round latency ratios "
        "(inverted); whiskers: p10–p90",
        fontsize=9,
    )
    figure_legend(fig, list(axes[:, 0]))
    stamp_emulated(fig, doc)
    with atomic_output(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _bar_groups(ratios: list[dict[str, Any]], by_id: dict[str, Any]) -> list[tuple[int, str]]:
    """The x positions of a speedup panel: (length, numerator model), in length/model order."""
    groups = {(r["seq_len"], by_id[r["numerator"]]["model"]) for r in ratios}
    return sorted(groups, key=lambda g: (g[0], model_rank(g[1])))
