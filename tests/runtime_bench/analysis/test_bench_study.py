"""runtime_bench with the study's four models side by side: comparisons, tables, FLOPs plot.

Synthetic results documents (made-up samples with exact paired ratios): these tests check the
report's formatting and pairing, not measurements.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchfakes import FOUR_MODELS, synthetic_results

from runtime_bench.analysis.ratios import compute_ratios
from runtime_bench.analysis.study import comparisons
from runtime_bench.report.floor_plot import FLOOR_PLOT
from runtime_bench.report.render import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _section(report: str, heading: str, after: str = "") -> str:
    """The text from `heading` (the first one after `after`) up to the next heading."""
    start = report.index(heading, report.index(after))
    return report[start : report.find("\n#", start + 1)]


def test_comparisons_are_every_model_over_the_baseline_then_squeezebert_over_mobilebert() -> None:
    assert comparisons(["distilbert", "mobilebert", "bert-base", "squeezebert"]) == [
        ("squeezebert", "bert-base"),
        ("mobilebert", "bert-base"),
        ("distilbert", "bert-base"),
        ("squeezebert", "mobilebert"),
    ]
    assert comparisons(["squeezebert", "mobilebert"]) == [("squeezebert", "mobilebert")]
    assert comparisons(["squeezebert", "bert-base"]) == [("squeezebert", "bert-base")]


def test_squeezebert_over_mobilebert_is_paired_round_by_round_per_backend_and_best() -> None:
    doc = synthetic_results(seq_lens=(128,), models=FOUR_MODELS)
    by_id = {r["id"]: r for r in doc["records"]}
    over_mobilebert = [
        r
        for r in compute_ratios(doc["records"])
        if r["kind"] in ("model", "best") and by_id[r["denominator"]]["model"] == "mobilebert"
    ]
    assert {by_id[r["numerator"]]["model"] for r in over_mobilebert} == {"squeezebert"}
    assert {r["kind"] for r in over_mobilebert} == {"model", "best"}
    # same backend and precision: eager fp32 + onnx/executorch x fp32/int8; best: per precision
    assert len(over_mobilebert) == 5 + 2
    for ratio in over_mobilebert:
        num, den = by_id[ratio["numerator"]], by_id[ratio["denominator"]]
        assert num["precision"] == den["precision"]
        if ratio["kind"] == "model":
            assert num["backend"] == den["backend"]
        assert ratio["median"] == pytest.approx(1.0 / 1.6)  # the scales' ratio, drift cancelled
        assert ratio["rounds"] == 9


def test_report_has_a_squeezebert_over_mobilebert_table_with_the_paired_value(
    tmp_path: Path,
) -> None:
    write_report(synthetic_results(seq_lens=(128,), models=FOUR_MODELS), tmp_path)
    report = (tmp_path / "report.md").read_text()
    table = _section(report, "### Model over mobilebert (same task, backend, precision)")
    assert "| ner | 128 | squeezebert onnx int8 | mobilebert onnx int8 | 0.625 |" in table
    assert "| 1.60 |" in table  # the speedup column
    best = _section(report, "### Model on its fastest backend over mobilebert")
    assert "mobilebert" in best and "| 0.625 |" in best
    baseline = _section(report, "### Model over bert-base (same task, backend, precision)")
    for model, scale in FOUR_MODELS[2:]:
        assert f"| ner | 128 | {model} onnx int8 | bert-base onnx int8 | {scale / 4:.3f} |" in (
            baseline
        )
    assert report.index("Model over bert-base") < report.index("Model over mobilebert")


def test_latency_and_ship_tables_have_rows_for_every_model_in_study_order(tmp_path: Path) -> None:
    write_report(synthetic_results(seq_lens=(128,), models=FOUR_MODELS), tmp_path)
    report = (tmp_path / "report.md").read_text()
    latency = _section(report, "### ner", after="## Latency (batch 1")
    ship = _section(report, "## Fixed-length sweep: fastest artifact per length")
    order = ["squeezebert", "bert-base", "mobilebert", "distilbert"]
    rows = [latency.index(f"| {m} | executorch | int8 | 128 |") for m in order]
    assert rows == sorted(rows)
    for model in order:
        assert f"| ner | {model} | int8 | 128 |" in ship


def test_flops_plot_is_written_linked_and_tabulated_for_every_model(tmp_path: Path) -> None:
    written = write_report(synthetic_results(seq_lens=(32, 128), models=FOUR_MODELS), tmp_path)
    assert tmp_path / FLOOR_PLOT in written
    data = (tmp_path / FLOOR_PLOT).read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    report = (tmp_path / "report.md").read_text()
    section = _section(report, "## Latency against FLOPs")
    assert f"]({FLOOR_PLOT}) plots, at L=128," in section
    # GFLOP at L=128 = 4 x the model's scale; synthetic floors are a tenth of the latency
    for model, gflop in (("squeezebert", "4.00"), ("bert-base", "16.0"), ("mobilebert", "6.40"),
                         ("distilbert", "8.00")):  # fmt: skip
        assert f"| ner | {model} | onnx | {gflop} |" in section
    assert section.count("| 10.0 |") == 4
    assert "Not plotted" not in section


def test_a_model_without_flops_is_left_out_of_the_plot_and_named(tmp_path: Path) -> None:
    doc = synthetic_results(seq_lens=(128,), models=FOUR_MODELS)
    for record in doc["records"]:
        if record["model"] == "distilbert":
            del record["metrics"]["flops"]
    written = write_report(doc, tmp_path)
    assert tmp_path / FLOOR_PLOT in written
    section = _section((tmp_path / "report.md").read_text(), "## Latency against FLOPs")
    assert "Not plotted, no FLOPs recorded in results.json: distilbert (ner)." in section
    assert "| ner | distilbert |" not in section and "| ner | mobilebert |" in section


def test_two_model_run_renders_without_any_mobilebert_table_or_panel(tmp_path: Path) -> None:
    doc = synthetic_results(seq_lens=(128,))
    written = write_report(doc, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "mobilebert" not in report and "distilbert" not in report
    assert "### Model over bert-base" in report
    assert {"latency_ner.png", "speedup_model_ner.png", FLOOR_PLOT} <= {p.name for p in written}
