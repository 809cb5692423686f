"""The report's first screen and its real-traffic sections (issue 25 item 1, issue 28 item 5).

The ship decision comes from real traffic: each task's test split, every example at its own
length (runtime_bench.measure.traffic). Runs written before that view existed have one `seconds` per
artifact and split (the whole test loop) and no per-example times: their ship table ranks by
that mean, says so, and leaves p50/p90 empty, so every committed results.json still renders.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from runtime_bench.analysis.stats import paired_ratios, summarize
from runtime_bench.analysis.study import comparisons, model_rank
from runtime_bench.artifacts import EAGER, STOCK_OF
from runtime_bench.measure.timing import MAX_SINGLE_THREAD_RATIO, MIN_BUSY_RATIO
from runtime_bench.measure.traffic import FEED_STOCK
from runtime_bench.report.markdown import _sort_key, _table, by_task, fmt

#: shown when a record has no per-example times (a run from before the real-traffic view)
OLD_TIMING = "whole test loop, mean per example"


def per_example(ev: dict[str, Any], kind: str = "call") -> dict[str, float | None]:
    """p50/p90/mean ms per example; older records have only the mean of the whole loop."""
    stats = ev.get("per_example_ms", {}).get(kind)
    if stats:
        return stats
    examples = ev.get("examples") or 0
    seconds = ev.get("seconds") if kind == "call" else ev.get("e2e_seconds")
    mean = seconds * 1e3 / examples if examples and seconds is not None else None
    return {"p50": None, "p90": None, "mean": mean}


def rank_ms(ev: dict[str, Any]) -> float:
    """What the ship decision ranks by: the runtime call's p50, else the old loop mean."""
    stats = per_example(ev)
    value = stats["p50"] if stats["p50"] is not None else stats["mean"]
    return float("inf") if value is None else value


#: stock exports (litert-stock): the reference a rewrite is measured against, never shipped
STOCK_BACKENDS = frozenset(STOCK_OF.values())


def _is_stock(ev: dict[str, Any]) -> bool:
    return ev.get("feed") == FEED_STOCK


def _candidate(ev: dict[str, Any]) -> bool:
    """An artifact the ship decision may pick: exported, and not a stock reference export."""
    return ev["backend"] != EAGER and ev["backend"] not in STOCK_BACKENDS and not _is_stock(ev)


def shippable(evaluations: list[dict[str, Any]]) -> dict[tuple, list[dict[str, Any]]]:
    """(task, model, precision) -> exported artifacts, fastest first (the stock route is a
    reference row, never a candidate)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for ev in evaluations:
        if _candidate(ev):
            groups[(ev["task"], ev["model"], ev["precision"])].append(ev)
    for recs in groups.values():
        recs.sort(key=rank_ms)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][0], model_rank(kv[0][1]), kv[0][2])))


def flag_lines(doc: dict[str, Any]) -> list[str]:
    """Everything that makes this run's times suspect, loudest first."""
    host, flags = doc.get("host", {}), []
    if host.get("emulated"):
        flags.append(
            f"**EMULATED CPU ({host['emulated']})**: no time here is a hardware timing; only "
            "metrics, outputs and sizes carry over."
        )
    if doc.get("status") not in (None, "complete", "device-only"):
        flags.append(f"**Run status: {doc['status']}**: only the records written so far.")
    timed = [(r["id"], r["metrics"].get("cpu_wall_ratio")) for r in doc.get("records", [])]
    timed += [
        (e["id"] + " (real traffic)", e.get("cpu_wall_ratio")) for e in doc.get("evaluations", [])
    ]
    timed = [(i, v) for i, v in timed if v]
    for label, bad in (
        ("STARVED", [(i, v) for i, v in timed if v < MIN_BUSY_RATIO]),
        ("OVERSUBSCRIBED", [(i, v) for i, v in timed if v > MAX_SINGLE_THREAD_RATIO]),
    ):
        if not bad:
            continue
        worst = min(bad, key=lambda x: x[1]) if label == "STARVED" else max(bad, key=lambda x: x[1])
        bound = (
            f"below {MIN_BUSY_RATIO}" if label == "STARVED" else f"above {MAX_SINGLE_THREAD_RATIO}"
        )
        why = (
            "the process waited for a core: times are inflated"
            if label == "STARVED"
            else "more than one thread ran"
        )
        flags.append(
            f"**{label}: CPU/wall {bound} in {len(bad)} of {len(timed)} timed records** "
            f"(worst {fmt(worst[1])}, {worst[0]}): {why}."
        )
    if not flags and timed:
        flags.append(
            f"No flags: every timed record's CPU/wall is within {MIN_BUSY_RATIO}-"
            f"{MAX_SINGLE_THREAD_RATIO} (one busy thread)."
        )
    return flags


def summary_section(doc: dict[str, Any]) -> list[str]:
    """Host, run settings and flags in a few lines (the full host section follows later)."""
    host, config = doc.get("host", {}), doc.get("config", {})
    lines = [
        f"- Host: {host.get('cpu_model', '?')} ({host.get('machine', '?')}), "
        f"{host.get('logical_cpus', '?')} logical CPUs"
        + (" (virtualized)" if host.get("virtualized") else "")
        + f"; {host.get('date_utc', '?')}; load average at start "
        f"{host.get('load_average_at_start', '?')}",
    ]
    if doc.get("records"):
        limit, rounds = config.get("eval_limit"), config.get("traffic_rounds", 1)
        lines.append(
            f"- Run: one thread, batch {config.get('batch_size', 1)}; real traffic over "
            f"{'the first ' + str(limit) + ' examples of ' if limit else ''}each test split"
            f"{f' ({rounds} passes, median per example)' if rounds > 1 else ''}; "
            f"fixed lengths {config.get('seq_lens', '?')} with {config.get('runs', '?')} "
            f"round-robin rounds over {config.get('sessions', 1)} load(s)"
        )
    return ["## Summary", "", *lines, *(f"- {f}" for f in flag_lines(doc)), ""]


def ship_section(doc: dict[str, Any]) -> list[str]:
    """The ship decision, from real traffic: the fastest exported artifact per task, model and
    precision, by the runtime call's p50 per example."""
    groups = shippable(doc.get("evaluations", []))
    if not groups:
        if not doc.get("records"):
            return []
        return [
            "## Which artifact to ship on this host",
            "",
            "Not decided: this run has no real-traffic measurements (run without --no-eval). "
            "The fixed-length sweep below times padded inputs only, which favours static-shape "
            "runtimes over what real, shorter inputs cost.",
            "",
        ]
    old = any("per_example_ms" not in ev for recs in groups.values() for ev in recs)
    rows = []
    for (task, model, precision), recs in groups.items():
        best, nxt = recs[0], recs[1] if len(recs) > 1 else None
        stats = per_example(best)
        rows.append(
            [
                task,
                model,
                precision,
                f"**{best['backend']}**",
                fmt(stats["p50"]),
                fmt(stats["p90"]),
                fmt(stats["mean"]),
                fmt(best.get("seconds")),
                str(best.get("examples", "–")),
                nxt["backend"] if nxt else "–",
                fmt(rank_ms(nxt) / rank_ms(best)) if nxt else "–",
            ]
        )
    header = ["task", "model", "precision", "ship", "p50", "p90", "mean", "total (s)",
              "examples", "next", "next / ship"]  # fmt: skip
    how = (
        f"ms per example: **{OLD_TIMING}** (this run predates per-example timing; ranked by "
        "that mean, no p50/p90)"
        if old
        else "ms per example of the runtime call alone, each example at its own length, "
        "artifacts interleaved example by example; ranked by p50"
    )
    return [
        "## Which artifact to ship on this host",
        "",
        f"From real traffic: the test split, {how}. Check the metric delta in the "
        "real-traffic details before shipping int8; the fixed-length sweep is the second view.",
        "",
        *_table(header, rows),
        "",
    ]


def _best(evs: list[dict[str, Any]], model: str, precision: str) -> dict[str, Any] | None:
    cands = [e for e in evs if e["model"] == model and e["precision"] == precision]
    cands = [e for e in cands if _candidate(e)]
    return min(cands, key=rank_ms) if cands else None


def paired_speedup(fast: dict[str, Any], slow: dict[str, Any]) -> dict[str, float] | None:
    """`slow`'s call time over `fast`'s, example by example (median, p10, p90) and of the
    totals; None without per-example times (older runs) or for different examples. Both ran
    each example moments apart (interleaved), so its ratio cancels drift; a ratio of two p50s
    can compare two different examples (1.65x-2.09x across runs of the same two files)."""
    a, b = fast.get("call_ms"), slow.get("call_ms")
    if not a or not b or len(a) != len(b) or min(a) <= 0:
        return None
    summary = summarize(paired_ratios(b, a))
    return {
        "median": summary["median"],
        "p10": summary["p10"],
        "p90": summary["p90"],
        "total": sum(b) / sum(a),
        "examples": len(a),
    }


def _speedup_phrase(fast: dict[str, Any], slow: dict[str, Any]) -> tuple[str, str]:
    """("N.NNx faster" or "N.NNx slower", "; how it was taken"): the median per-example ratio
    when the records allow, else the ratio of what the ship table ranks by (the section's
    title names it)."""
    paired = paired_speedup(fast, slow)
    of_p50s = rank_ms(slow) / rank_ms(fast)
    ratio = of_p50s if paired is None else paired["median"]
    verdict = f"{fmt(ratio)}x faster" if ratio >= 1 else f"{fmt(1 / ratio)}x slower"
    if paired is None:
        return verdict, ""
    how = (
        f"; median of {paired['examples']} per-example ratios (p10-p90 {fmt(paired['p10'])}-"
        f"{fmt(paired['p90'])}), totals {fmt(paired['total'])}x, p50s {fmt(of_p50s)}x"
    )
    return verdict, how


def headline_section(doc: dict[str, Any]) -> list[str]:
    """Real-traffic headline ratios: each model over the baseline (best int8 each), our best
    over the stock mobile route, and LiteRT's Interpreter over its CompiledModel."""
    evaluations = doc.get("evaluations", [])
    if not evaluations:
        return []
    old = any("per_example_ms" not in e for e in evaluations)
    paired = all(e.get("call_ms") for e in evaluations)
    basis = (
        OLD_TIMING
        if old
        else "runtime call, paired example by example"
        if paired
        else "runtime call p50 per example"
    )
    lines = [f"## Headline ratios (real traffic, {basis})", ""]
    for task, evs in sorted(by_task(evaluations).items()):
        for num, den in comparisons({e["model"] for e in evs}):
            a, b = _best(evs, num, "int8"), _best(evs, den, "int8")
            if a and b:
                verdict, how = _speedup_phrase(a, b)
                lines.append(
                    f"- {task}: {num} ({a['backend']} int8) is {verdict} than {den} "
                    f"({b['backend']} int8){how}"
                )
    stock = [e for e in evaluations if _is_stock(e)]
    for ev in stock:
        ours = _best(by_task(evaluations)[ev["task"]], ev["model"], ev["precision"])
        if ours:
            verdict, how = _speedup_phrase(ours, ev)
            lines.append(
                f"- {ev['task']}: {ev['model']} {ev['precision']} {ours['backend']} is "
                f"**{verdict} than the stock route** "
                f"(stock LiteRT export padded to 128: p50 {fmt(rank_ms(ev))} ms{how})"
            )
    if not stock:
        lines.append("- Stock route (stock LiteRT export padded to 128): not measured in this run.")
    both = [e for e in evaluations if e.get("interpreter")]
    if both:
        ratios = [
            e["interpreter"]["per_example_ms"]["p50"] / e["per_example_ms"]["call"]["p50"]
            for e in both
        ]
        lines.append(
            f"- LiteRT Interpreter over CompiledModel (p50 per example, {len(ratios)} files): "
            f"{fmt(min(ratios))}-{fmt(max(ratios))}x; the Android app and the verification use "
            "CompiledModel (XNNPACK's weight cache)."
        )
    return [*lines, ""]


def traffic_section(doc: dict[str, Any]) -> list[str]:
    """Every artifact on real traffic (call and whole path), and each split's lengths."""
    evaluations = doc.get("evaluations", [])
    if not evaluations or not any("per_example_ms" in e for e in evaluations):
        return []
    lines = [
        "## Real traffic: every artifact",
        "",
        "call = the runtime call alone; e2e = the whole per-example path (tokenize the raw "
        "example, build the inputs, the call, decode). ms per example; totals in seconds.",
        "",
    ]
    for task, evs in sorted(by_task(evaluations).items()):
        names = list(dict.fromkeys(k for ev in evs for k in ev.get("metrics", {})))
        rows = []
        for ev in sorted(evs, key=_sort_key):
            call, e2e = per_example(ev), per_example(ev, "e2e")
            other = ev.get("interpreter", {}).get("per_example_ms", {})
            rows.append(
                [ev["model"], ev["backend"], ev["precision"], ev.get("feed", "–"),
                 *(fmt(ev["metrics"].get(n), 4) for n in names),
                 fmt(call["p50"]), fmt(call["p90"]), fmt(ev.get("seconds")),
                 fmt(e2e["p50"]), fmt(e2e["p90"]), fmt(ev.get("e2e_seconds")),
                 fmt(other.get("p50")), fmt(ev.get("cpu_wall_ratio"))]
            )  # fmt: skip
        header = ["model", "backend", "precision", "fed", *names, "call p50", "call p90",
                  "call total", "e2e p50", "e2e p90", "e2e total", "Interpreter p50",
                  "CPU/wall"]  # fmt: skip
        lines += [f"### {task}", "", *_table(header, rows), ""]
    lengths = doc.get("lengths", [])
    if lengths:
        bins = list(lengths[0]["histogram"])
        rows = [
            [x["task"], x["model_tag"], str(x["examples"]), fmt(x["p50"]), fmt(x["p90"]),
             str(x["max"]), *(str(x["histogram"].get(b, 0)) for b in bins)]
            for x in lengths
        ]  # fmt: skip
        header = ["task", "model", "examples", "p50 tokens", "p90", "max", *bins]
        lines += ["### Input lengths (tokens per example)", "", *_table(header, rows), ""]
    return lines


def tflite_inputs_section(doc: dict[str, Any]) -> list[str]:
    """The exact `benchmark_model` command per .tflite, on the run's real-input files."""
    entries = doc.get("tflite_inputs", [])
    if not entries:
        return []
    from export.tflite_inputs import benchmark_command

    lines = [
        "## LiteRT's own benchmark_model on these inputs",
        "",
        "Raw int32 input files for every signature of every .tflite (the first bench input "
        "fitted to the signature), for the C++ `benchmark_model`'s `--input_layer_value_files`; "
        "shown for the 128 signature (others: change `seq_128` in both places).",
        "",
    ]
    for entry in entries:
        sigs = {s["signature"]: s for s in entry["signatures"]}
        sig = sigs.get("seq_128") or next(iter(sigs.values()))
        lines += [
            f"- `{entry['id']}`:",
            "",
            "  ```",
            f"  {benchmark_command(entry['file'], sig)}",
            "  ```",
            "",
        ]
    return lines
