"""The report's phone section: one table per device, each record with where it ran and how hot.

Per device, the fixed-length table puts the phone's model-only latency next to this host's
median for the same artifact, the phone's memory (minibench's `ram_pss_usage(mb)`, PSS after
load, peak RSS) next to the host's peak RSS, and says per record which cores the samples ran
on, at what clock, how many ran below 90% of their cluster's maximum clock ("throttled"), and
the battery temperature and thermal status before the run. The real-traffic table times each
real example at its own length, model-only beside end to end (tokenize + runtime call +
post-processing).
"""

from __future__ import annotations

import statistics
from typing import Any

from runtime_bench.report.markdown import _table, fmt

MEDIAN = "median_inference_latency(ms)"
TRIMMEAN = "trimmean_inference_latency(ms)"


def _device_label(device: dict[str, Any]) -> str:
    info = device.get("device", {})
    name = " ".join(x for x in (info.get("brand"), info.get("model")) if x) or info.get("serial")
    return f"{name} ({info.get('serial')})" if name != info.get("serial") else str(name)


def _key(r: dict[str, Any]) -> tuple:
    return (r["model_tag"], r["task"], r["backend"], r["precision"], r["seq_len"])


def _clusters(info: dict[str, Any]) -> str:
    parts = [f"{len(c['cpus'])}×{c['max_khz'] // 1000}" for c in info.get("clusters") or []]
    return " + ".join(parts) + " MHz" if parts else "?"


def _host_rss(doc: dict[str, Any], r: dict[str, Any]) -> float | None:
    """This host's peak RSS for the same artifact at the same length (largest for real)."""
    artifact = "/".join(_key(r)[:4])  # memory ids are tag/task/backend/precision
    for m in doc.get("memory", []):
        if m.get("id") == artifact:
            peaks = m.get("peak_increase_mb") or {}
            peak = peaks.get(str(r["seq_len"])) or max(peaks.values(), default=None)
            return None if peak is None else m["baseline_rss_mb"] + peak
    return None


def _placement(r: dict[str, Any]) -> tuple[str, str, str]:
    """Cores seen, median clock in MHz, and throttled samples "n/N" of a record."""
    cpus = sorted(set(r.get("sample_cpu") or []))
    freqs = [f for f in r.get("sample_freq_khz") or [] if f > 0]
    pinned = (r.get("placement") or {}).get("pinned")
    cores = ",".join(map(str, cpus)) if cpus else "?"
    cores += "" if pinned else " (unpinned)"
    mhz = fmt(statistics.median(freqs) / 1000) if freqs else "?"
    throttled = r.get("metrics", {}).get("throttled_samples")
    n = len(r.get("samples_ms") or [])
    return cores, mhz, f"{int(throttled)}/{n}" if throttled is not None and n else "?"


def _thermal(r: dict[str, Any]) -> tuple[str, str]:
    t = r.get("thermal") or {}
    battery = fmt(t.get("battery_c")) if t.get("battery_c") is not None else "?"
    gate = t.get("gate", "?")
    if t.get("waited_s"):
        gate += f" after {t['waited_s']:.1f} s"
    status = t.get("status")
    return battery, f"{'?' if status is None else status} ({gate})"


def _fixed_table(doc: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    host = {_key(r): r for r in doc.get("records", [])}
    rows = []
    for r in sorted(records, key=lambda r: (r["task"], *_key(r))):
        m, host_rec = r["metrics"], host.get(_key(r))
        host_rss = _host_rss(doc, r)
        rows.append([
            r["model_tag"], r["task"], r["backend"], r["precision"], str(r["seq_len"]),
            fmt(host_rec["metrics"].get(MEDIAN)) if host_rec else "–", fmt(m.get(TRIMMEAN)),
            fmt(m.get("ram_pss_after_load(mb)")), fmt(m.get("ram_pss_usage(mb)")),
            fmt(m.get("peak_rss(mb)")), fmt(host_rss) if host_rss is not None else "–",
            *_placement(r), *_thermal(r),
        ])  # fmt: skip
    header = ["model", "task", "backend", "precision", "L", "host median ms", "trimmean ms",
              "PSS after load MB", "ram_pss_usage(mb)", "peak RSS MB", "host peak RSS MB",
              "cores", "MHz", "throttled", "battery °C", "thermal status (gate)"]  # fmt: skip
    return _table(header, rows) if rows else []


def _real_table(records: list[dict[str, Any]]) -> list[str]:
    rows = []
    for r in sorted(records, key=lambda r: (r["task"], *_key(r))):
        m = r["metrics"]
        rows.append([
            r["model_tag"], r["task"], r["backend"], r["precision"],
            fmt(m.get("median_tokens")), fmt(m.get(MEDIAN)), fmt(m.get("p90_inference_latency(ms)")),
            fmt(m.get("median_e2e_latency(ms)")), fmt(m.get("p90_e2e_latency(ms)")),
            fmt(m.get("median_tokenize(ms)")), fmt(m.get("median_postprocess(ms)")),
            fmt(m.get("peak_rss(mb)")), *_placement(r), *_thermal(r),
        ])  # fmt: skip
    header = ["model", "task", "backend", "precision", "tokens (median)", "model-only p50 ms",
              "model-only p90 ms", "end-to-end p50 ms", "end-to-end p90 ms", "tokenize p50 ms",
              "post-process p50 ms", "peak RSS MB", "cores", "MHz", "throttled", "battery °C",
              "thermal status (gate)"]  # fmt: skip
    return _table(header, rows) if rows else []


def _device_section(doc: dict[str, Any]) -> list[str]:
    devices = doc.get("devices", [])
    if not devices:
        return []
    lines = [
        "## Phones (ExecuTorch and LiteRT over adb, one thread)",
        "",
        "Each artifact runs in a fresh app process, after a thermal gate, pinned to one core of "
        "the chosen cluster where the phone allows it. Model-only times are the runtime call; "
        'end-to-end adds tokenization and post-processing. "throttled" counts samples whose '
        "core ran below 90% of its cluster's maximum clock.",
        "",
    ]
    info_rows = []
    for dev in devices:
        info = dev.get("device", {})
        config = dev.get("config", {})
        info_rows.append([
            info.get("serial", "?"), info.get("brand", "?"), info.get("model", "?"),
            info.get("soc", "?"), info.get("os", "?"), _clusters(info),
            str(config.get("cluster", "?")), dev.get("status", "?"),
            str(len(dev.get("records", []))),
        ])  # fmt: skip
    header = ["serial", "brand", "model", "SoC", "OS", "clusters", "pinned to", "status",
              "records"]  # fmt: skip
    lines += [*_table(header, info_rows), ""]
    for dev in devices:
        label = _device_label(dev)
        records = dev.get("records", [])
        real = [r for r in records if r.get("inputs") == "real"]
        fixed = [r for r in records if r.get("inputs") != "real"]
        if real:
            lines += [f"### {label}: real inputs at their own lengths", "", *_real_table(real), ""]
        if fixed:
            lines += [f"### {label}: fixed lengths", "", *_fixed_table(doc, fixed), ""]
        if dev.get("missing"):
            lines.append(f"- {label} is missing: {', '.join(dev['missing'])}")
        unpinned = {(r.get("placement") or {}).get("note") for r in records}
        for note in sorted(n for n in unpinned if n and "refused" in n):
            lines.append(f"- {label}: {note}")
    return [*lines, ""]
