"""The report's first screen: the ship decision from real traffic, the stock route, flags, the
EMULATED stamp, the committed reports, and the v3/CSV exports (synthetic documents; the run
itself is covered by test_bench_e2e and test_bench_litert_traffic)."""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

from benchfakes import REPO, synthetic_results

from runtime_bench.measure.timing import Timing
from runtime_bench.measure.traffic import (
    FEED_BUCKET,
    FEED_OWN,
    FEED_STOCK,
    length_summary,
    median_timing,
)
from runtime_bench.report.exports import v3_records, write_exports
from runtime_bench.report.render import write_report
from runtime_bench.report.traffic_section import paired_speedup

RESULTS = REPO / "runtime_bench" / "results"
FIRST_SCREEN = 80


def _first_screen(folder: Path) -> str:
    return "\n".join((folder / "report.md").read_text().splitlines()[:FIRST_SCREEN])


def _real_traffic(doc: dict, p50: dict[tuple[str, str, str], float]) -> dict:
    """`doc` with per-example real-traffic times: p50 per (model, backend, precision)."""
    for ev in doc["evaluations"]:
        ms = p50.get((ev["model"], ev["backend"], ev["precision"]), 50.0)
        ev["per_example_ms"] = {
            "call": {"p50": ms, "p90": 2 * ms, "mean": 1.2 * ms},
            "e2e": {"p50": ms + 1, "p90": 2 * ms + 1, "mean": 1.2 * ms + 1},
        }
        ev["seconds"], ev["e2e_seconds"] = ms * 1.2 * ev["examples"] / 1e3, ms
        ev["feed"] = FEED_OWN
    return doc


def _with_litert(doc: dict) -> dict:
    """Add litert (fastest at every fixed length) and litert-stock records/evaluations."""
    for backend in ("litert", "litert-stock"):
        for r in [r for r in doc["records"] if r["backend"] == "onnx"]:
            new = copy.deepcopy(r)
            new["backend"] = backend
            new["id"] = r["id"].replace("/onnx/", f"/{backend}/")
            for key in new["metrics"]:
                if key.endswith("latency(ms)"):
                    new["metrics"][key] *= 0.1
            doc["records"].append(new)
        for ev in [e for e in doc["evaluations"] if e["backend"] == "onnx"]:
            new = copy.deepcopy(ev)
            new["backend"] = backend
            new["id"] = ev["id"].replace("/onnx/", f"/{backend}/")
            doc["evaluations"].append(new)
    return doc


def test_ship_decision_comes_from_real_traffic_not_the_fixed_length_sweep(tmp_path: Path) -> None:
    # LiteRT wins every fixed length (0.1x ONNX), but on real inputs the .pte is fastest
    doc = _real_traffic(
        _with_litert(synthetic_results(seq_lens=(128,))),
        {(m, "executorch", "int8"): 5.0 for m in ("squeezebert", "bert-base")}
        | {(m, "litert", "int8"): 9.0 for m in ("squeezebert", "bert-base")},
    )
    for ev in doc["evaluations"]:
        if ev["backend"] == "litert-stock":
            ev["feed"] = FEED_STOCK
            ev["per_example_ms"]["call"]["p50"] = 30.0
        elif ev["backend"] == "litert":
            ev["feed"] = FEED_BUCKET
    write_report(doc, tmp_path)
    screen = _first_screen(tmp_path)
    ship = screen[screen.index("## Which artifact to ship on this host") :]
    assert "| ner | squeezebert | int8 | **executorch** | 5.00 | 10.0 | 6.00 |" in ship
    assert "| ner | bert-base | int8 | **executorch** |" in ship
    assert "litert-stock" not in ship.split("## Headline")[0]  # a reference row, never shipped
    # the stock route's speed-up is stated on the first screen: 30 / 5
    assert "squeezebert int8 executorch is **6.00x faster than the stock route**" in screen
    # the fixed-length sweep stays, as the second view, below the first screen
    report = (tmp_path / "report.md").read_text()
    assert report.index("## Fixed-length sweep") > report.index("## Real traffic: every artifact")


def test_headline_ratios_pair_the_two_models_example_by_example(tmp_path: Path) -> None:
    # SqueezeBERT's p50 (1 ms) and BERT-base's (5 ms) fall on different examples: their ratio
    # (5x) is no example's speed-up. Per example: 3, 3, 5, 1.25, 1.25 -> median 3.
    sqb, bert = [1.0, 1.0, 1.0, 4.0, 4.0], [3.0, 3.0, 5.0, 5.0, 5.0]
    doc = _real_traffic(
        synthetic_results(seq_lens=(32,)),
        {("squeezebert", "executorch", "int8"): 1.0, ("bert-base", "executorch", "int8"): 5.0},
    )
    for ev in doc["evaluations"]:
        ev["examples"] = 5
        ev["call_ms"] = {"squeezebert": sqb, "bert-base": bert}[ev["model"]]
        if ev["backend"] != "executorch":  # slower everywhere else: not the best of either
            ev["call_ms"] = [50.0] * 5
    paired = paired_speedup(
        next(
            e
            for e in doc["evaluations"]
            if e["id"].startswith("squeezebert") and "/executorch/int8" in e["id"]
        ),
        next(
            e
            for e in doc["evaluations"]
            if e["id"].startswith("bert-base") and "/executorch/int8" in e["id"]
        ),
    )
    assert paired is not None
    assert paired["median"] == 3.0 and paired["examples"] == 5
    assert abs(paired["total"] - 21 / 11) < 1e-12
    write_report(doc, tmp_path)
    screen = _first_screen(tmp_path)
    assert "## Headline ratios (real traffic, runtime call, paired example by example)" in screen
    assert (
        "- ner: squeezebert (executorch int8) is 3.00x faster than bert-base (executorch int8)"
        "; median of 5 per-example ratios (p10-p90 1.25-4.20), totals 1.91x, p50s 5.00x"
    ) in screen


def test_records_of_different_examples_are_not_paired() -> None:
    fast = {"call_ms": [1.0, 2.0], "per_example_ms": {"call": {"p50": 1.5}}}
    assert paired_speedup(fast, {"call_ms": [2.0, 4.0, 6.0]}) is None
    assert paired_speedup(fast, {"per_example_ms": {"call": {"p50": 3.0}}}) is None
    assert paired_speedup(fast, {"call_ms": [2.0, 4.0]})["median"] == 2.0


def test_an_example_keeps_the_round_with_its_median_wall_time() -> None:
    rounds = [Timing(5.0, 5.1), Timing(3.0, 3.2), Timing(9.0, 4.0)]
    assert median_timing(rounds) == Timing(5.0, 5.1)
    assert median_timing(rounds[:2]) == Timing(3.0, 3.2)  # even count: the lower middle
    assert median_timing([Timing(7.0, 7.0)]) == Timing(7.0, 7.0)


def test_old_results_without_per_example_times_still_render_and_say_what_they_rank_by(
    tmp_path: Path,
) -> None:
    doc = synthetic_results(seq_lens=(128,))  # evaluations with `seconds` and `examples` only
    write_report(doc, tmp_path)
    screen = _first_screen(tmp_path)
    assert "whole test loop, mean per example" in screen
    # 12.5 s x scale over 3453 examples: SqueezeBERT 3.62 ms, every backend alike -> eager out
    assert "| ner | squeezebert | fp32 | **onnx** | – | – | 3.62 | 12.5 | 3453 |" in screen
    assert "not measured in this run" in screen


def test_a_starved_run_is_flagged_on_the_first_screen(tmp_path: Path) -> None:
    doc = synthetic_results(seq_lens=(32,))
    for r in doc["records"]:
        r["metrics"]["cpu_wall_ratio"] = 0.2
    write_report(doc, tmp_path)
    screen = _first_screen(tmp_path)
    assert "**STARVED: CPU/wall below 0.9 in 10 of 20 timed records** (worst 0.200" in screen
    assert "No flags" not in screen


def test_emulated_runs_are_flagged_and_every_png_is_stamped(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from runtime_bench.report.plot_style import EMULATED_TEXT, stamp_emulated

    doc = synthetic_results(seq_lens=(32,))
    doc["host"]["emulated"] = "qemu-user -cpu neoverse-n1"
    fig = plt.figure()
    stamp_emulated(fig, doc)
    assert any(EMULATED_TEXT in t.get_text() for t in fig.texts)
    plt.close(fig)
    plain, stamped = tmp_path / "plain", tmp_path / "stamped"
    write_report(synthetic_results(seq_lens=(32,)), plain)
    written = write_report(doc, stamped)
    assert "**EMULATED CPU (qemu-user -cpu neoverse-n1)**" in _first_screen(stamped)
    for png in (p for p in written if p.suffix == ".png"):
        assert png.read_bytes() != (plain / png.name).read_bytes(), png.name


def test_length_summary_counts_every_example_once_in_its_bin() -> None:
    summary = length_summary([5, 16, 17, 32, 33, 128, 129, 600])
    assert summary["histogram"] == {"1-16": 2, "17-32": 2, "33-64": 1, "65-128": 1,
                                    "129-256": 1, "257-512": 0, ">512": 1}  # fmt: skip
    assert summary["examples"] == 8 and summary["max"] == 600 and summary["p50"] == 32.5


def test_committed_reports_are_current_and_answer_on_the_first_screen(tmp_path: Path) -> None:
    folders = sorted(p.parent for p in RESULTS.rglob("results.json"))
    assert folders
    for folder in folders:
        doc = json.loads((folder / "results.json").read_text())
        write_report(doc, tmp_path / folder.name)
        regenerated = (tmp_path / folder.name / "report.md").read_text()
        assert regenerated == (folder / "report.md").read_text(), f"{folder}: re-render it"
        screen = _first_screen(folder)
        assert "## Summary" in screen
        if doc.get("records"):  # a host benchmark; a phone-only file has no host to ship on
            assert "## Which artifact to ship on this host" in screen, folder


def _check_v3_shape(record: dict) -> None:
    """The record shape that pytorch/executorch's .github/scripts/extract_benchmark_results.py
    `transform()` writes for the PyTorch OSS benchmark database (and its dashboard reads)."""
    assert set(record) == {"benchmark", "model", "metric", "runners"}
    assert {"name", "mode", "extra_info"} <= set(record["benchmark"])
    assert isinstance(record["benchmark"]["extra_info"], dict)
    assert record["benchmark"]["mode"] == "inference"
    assert {"name", "type", "backend"} <= set(record["model"])
    assert all(isinstance(record["model"][k], str) for k in ("name", "type", "backend"))
    metric = record["metric"]
    assert {"name", "benchmark_values", "target_value"} <= set(metric)
    assert isinstance(metric["benchmark_values"], list) and metric["benchmark_values"]
    assert all(isinstance(v, float) for v in metric["benchmark_values"])
    assert isinstance(record["runners"], list) and record["runners"]
    for runner in record["runners"]:
        assert {"name", "type", "avail_mem_in_gb", "total_mem_in_gb"} <= set(runner)


def test_v3_export_has_the_record_shape_the_executorch_dashboard_reads(tmp_path: Path) -> None:
    doc = _real_traffic(synthetic_results(seq_lens=(32,)), {})
    records = v3_records(doc)
    for record in records:
        _check_v3_shape(record)
    # 5 latency metrics per fixed-length record, 4 real-traffic metrics per evaluation
    assert len(records) == 5 * len(doc["records"]) + 4 * len(doc["evaluations"])
    first = doc["records"][0]
    match = [r for r in records if r["model"]["backend"] == f"{first['backend']}_fp32"]
    assert match[0]["metric"]["benchmark_values"] == [first["metrics"]["avg_inference_latency(ms)"]]
    written = write_exports(doc, tmp_path, ["v3", "csv"])
    assert json.loads(written[0].read_text()) == records
    rows = list(csv.DictReader(written[1].open()))
    assert len(rows) == len(records)
    assert {r["view"] for r in rows} == {"fixed-length", "real-traffic"}


def test_from_results_exports_and_re_renders_without_benchmarking(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(synthetic_results(seq_lens=(32,))))
    cmd = [sys.executable, "-m", "runtime_bench", "--from-results", str(folder / "results.json")]
    proc = subprocess.run([*cmd, "--export", "v3,csv", "--report-only"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert {"benchmark_v3.json", "benchmark.csv", "report.md"} <= {p.name for p in folder.iterdir()}
    for bad, why in (
        ([*cmd[:-1], str(tmp_path / "missing.json"), "--export", "v3"], "does not exist"),
        (cmd, "needs --export v3,csv and/or --report-only"),
        ([*cmd, "--export", "v4"], "unknown export 'v4'"),
    ):
        proc = subprocess.run(bad, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert proc.returncode != 0 and why in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
