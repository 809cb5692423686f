"""The PNG plots of a results.json: latency per task, and speedups with their spread."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from export.quantization import SCHEMES
from runtime_bench.artifacts import BACKEND_COLORS, BACKEND_ORDER
from runtime_bench.markdown import by_task
from runtime_bench.ratios import BASELINE_MODEL
from runtime_bench.results import LATENCY_METRICS, atomic_output

PRECISION_STYLES = {name: scheme.line_style for name, scheme in SCHEMES.items()}
MODEL_MARKERS = ("o", "s", "^", "D", "v", "P")
MEDIAN = LATENCY_METRICS["median"]
#: ratio kinds drawn in the speedup bar charts (precision ratios are only tabulated)
SPEEDUP_KINDS = ("backend", "model", "best")


def _quantized(precision: str) -> bool:
    """Whether a results.json precision is a quantized scheme (unknown names: no)."""
    scheme = SCHEMES.get(precision)
    return scheme is not None and scheme.quantized


def write_plots(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """latency_<task>.png and speedup_<task>.png for `doc`; the files written."""
    records = doc.get("records", [])
    written: list[Path] = []
    for task, recs in by_task(records).items():
        path = out_dir / f"latency_{task}.png"
        _plot_latency(task, recs, path)
        written.append(path)
    by_id = {r["id"]: r for r in records}
    speedups = [
        r for r in doc.get("ratios", []) if r["kind"] in SPEEDUP_KINDS and r["numerator"] in by_id
    ]
    for task, ratios in by_task(speedups).items():
        path = out_dir / f"speedup_{task}.png"
        _plot_speedup(task, ratios, by_id, path)
        written.append(path)
    return written


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
    with atomic_output(path) as tmp:  # a failed write (full disk) keeps the previous plot
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
    with atomic_output(path) as tmp:  # a failed write (full disk) keeps the previous plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
