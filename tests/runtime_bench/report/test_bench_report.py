"""runtime_bench.report.render: report.md tables and PNG plots from a results document."""

from __future__ import annotations

from pathlib import Path

from benchfakes import synthetic_results

from runtime_bench.report.render import fmt, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_has_the_study_tables_ratios_floor_and_thread_check(tmp_path: Path) -> None:
    write_report(synthetic_results(), tmp_path)
    report = (tmp_path / "report.md").read_text()
    for heading in ("## Host", "## Single-thread check", "## Task metric and CPU time",
                    "## Latency", "## Ratios", "Model over bert-base", "int8 over fp32",
                    "Backend over eager"):  # fmt: skip
        assert heading in report, heading
    assert "| model | backend | precision | entity_f1 | CPU time (s) |" in report
    assert "| floor | x floor |" in report
    assert "Every record is within 0.9-1.15 (one busy thread)." in report
    assert "| ner | 32 | squeezebert onnx int8 | bert-base onnx int8 | 0.250 |" in report


def test_plots_are_written_as_png_and_linked_from_the_report(tmp_path: Path) -> None:
    written = write_report(synthetic_results(), tmp_path)
    names = {p.name for p in written}
    speedups = {f"speedup_{kind}_ner.png" for kind in ("backend", "model", "best")}
    assert {"latency_ner.png", "report.md", *speedups} <= names
    for name in ("latency_ner.png", *speedups):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    report = (tmp_path / "report.md").read_text()
    assert "(latency_ner.png)" in report
    assert all(f"({name})" in report for name in speedups)


def test_a_record_above_the_thread_limit_is_called_out(tmp_path: Path) -> None:
    doc = synthetic_results(seq_lens=(32,))
    doc["records"][0]["metrics"]["cpu_wall_ratio"] = 1.6
    write_report(doc, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert f"**Above 1.15 (oversubscribed): {doc['records'][0]['id']}**" in report
    assert "**OVERSUBSCRIBED: CPU/wall above 1.15 in 1 of" in report


def test_interrupted_runs_are_marked_in_the_report(tmp_path: Path) -> None:
    doc = synthetic_results(seq_lens=(32,))
    doc["status"] = "interrupted"
    write_report(doc, tmp_path)
    assert "Run status: interrupted" in (tmp_path / "report.md").read_text()


def test_fmt_keeps_three_significant_digits() -> None:
    assert [fmt(1234.5), fmt(12.345), fmt(0.012345), fmt(None), fmt(3)] == [
        "1234", "12.3", "0.0123", "–", "3",
    ]  # fmt: skip


def test_masked_lm_over_ner_gets_its_own_table_naming_both_tasks(tmp_path: Path) -> None:
    from runtime_bench.analysis.ratios import compute_ratios

    doc = synthetic_results(seq_lens=(128,))
    twins = []
    for record in doc["records"]:
        record.update(interleave="L128", session_medians_ms=[1.0])
        twins.append({**record, "id": record["id"].replace("/ner/", "/mlm/"), "task": "mlm",
                      "group": "mlm/L128", "samples_ms": [x * 1.1 for x in record["samples_ms"]]})  # fmt: skip
    doc["records"] += twins
    doc["ratios"] = compute_ratios(doc["records"])
    write_report(doc, tmp_path)
    report = (tmp_path / "report.md").read_text()
    section = report.split("### Task over task")[1].split("###")[0]
    assert "| mlm | 128 | squeezebert onnx int8 mlm | squeezebert onnx int8 ner | 1.10 |" in section
