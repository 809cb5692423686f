"""The report's opening sections: the host, its threads, and the study's accuracy table."""

from __future__ import annotations

from typing import Any

from runtime_bench.measure.timing import MAX_SINGLE_THREAD_RATIO, MIN_BUSY_RATIO
from runtime_bench.report.markdown import _mb, _sort_key, _table, by_task, fmt


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
        f"- Run: {config.get('runs', '?')} measured rounds, round-robin over all artifacts of "
        f"a task, split over {config.get('sessions', 1)} fresh load(s) of each, every load "
        f"after {config.get('warmup', '?')} warm-up rounds; batch "
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
    starved = [r["id"] for r in records if r["metrics"].get("cpu_wall_ratio", 1.0) < MIN_BUSY_RATIO]
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
        lines.append(f"- **Above {MAX_SINGLE_THREAD_RATIO} (oversubscribed): {', '.join(bad)}**")
    if starved:
        lines.append(
            f"- **Below {MIN_BUSY_RATIO} (STARVED: the process waited for a core, times are "
            f"inflated): {', '.join(starved)}**"
        )
    if not bad and not starved:
        lines.append(
            f"- Every record is within {MIN_BUSY_RATIO}-{MAX_SINGLE_THREAD_RATIO} (one busy thread)."
        )
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
    for task, evs in sorted(by_task(evaluations).items()):
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
