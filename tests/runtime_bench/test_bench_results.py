"""runtime_bench.results and .ratios: the shared result schema and round-by-round ratios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchfakes import synthetic_results

from runtime_bench.analysis.ratios import compute_ratios
from runtime_bench.results import (
    KIND,
    latency_metrics,
    load_document,
    validate,
    write_atomic,
)


def test_latency_metrics_use_executorch_benchmark_app_names() -> None:
    metrics = latency_metrics([1.0, 2.0, 3.0, 4.0])
    for name in ("avg_inference_latency(ms)", "trimmean_inference_latency(ms)",
                 "median_inference_latency(ms)", "p10_inference_latency(ms)",
                 "p90_inference_latency(ms)", "min_inference_latency(ms)",
                 "std_inference_latency(ms)"):  # fmt: skip
        assert name in metrics
    assert metrics["avg_inference_latency(ms)"] == pytest.approx(2.5)
    assert metrics["num_iter"] == 4


def test_a_complete_document_validates() -> None:
    assert validate(synthetic_results()) == []


def test_validation_names_a_missing_metric_and_a_sample_count_mismatch() -> None:
    doc = synthetic_results()
    del doc["records"][0]["metrics"]["model_load_time(ms)"]
    doc["records"][1]["samples_ms"] = doc["records"][1]["samples_ms"][:-1]
    problems = validate(doc)
    assert any("records[0]" in p and "model_load_time(ms)" in p for p in problems)
    assert any("records[1]" in p and "num_iter" in p for p in problems)


def test_atomic_write_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "out" / "results.json"
    write_atomic(path, {"kind": KIND, "n": 1})
    write_atomic(path, {"kind": KIND, "n": 2})
    assert json.loads(path.read_text())["n"] == 2
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]
    assert load_document(path) == {"kind": KIND, "n": 2}


def test_load_document_ignores_foreign_or_broken_files(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("{not json")
    assert load_document(path) is None
    path.write_text(json.dumps({"kind": "something-else"}))
    assert load_document(path) is None


def test_ratios_pair_rounds_so_shared_drift_cancels() -> None:
    ratios = synthetic_results()["ratios"]
    model = [r for r in ratios if r["kind"] == "model"]
    precision = [r for r in ratios if r["kind"] == "precision"]
    backend = [r for r in ratios if r["kind"] == "backend"]
    # squeezebert / bert-base for 2 backends x 2 precisions + eager, at 2 lengths
    assert len(model) == 5 * 2 and len(precision) == 2 * 2 * 2 and len(backend) == 2 * 4 * 2
    for r in model:
        assert r["median"] == pytest.approx(0.25) and r["p10"] == pytest.approx(0.25)
        assert r["numerator"].startswith("squeezebert-random/")
    for r in precision:
        assert r["median"] == pytest.approx(0.5)
    assert {round(r["median"], 6) for r in backend} == {0.4, 0.2}


def test_best_backend_ratio_pairs_each_models_fastest_backend() -> None:
    doc = synthetic_results(seq_lens=(128,))
    for record in doc["records"]:  # make bert-base fastest on onnx, squeezebert on executorch
        slower = (record["model"] == "bert-base") == (record["backend"] == "executorch")
        if record["backend"] != "eager" and slower:
            record["samples_ms"] = [x * 1.5 for x in record["samples_ms"]]
    best = [r for r in compute_ratios(doc["records"]) if r["kind"] == "best"]
    assert {(r["numerator"], r["denominator"]) for r in best} == {
        (f"squeezebert-random/ner/executorch/{p}/L128", f"bert-base-random/ner/onnx/{p}/L128")
        for p in ("fp32", "int8")
    }
    assert all(r["median"] == pytest.approx(0.25) for r in best)


def test_records_from_different_groups_are_never_paired() -> None:
    doc = synthetic_results(seq_lens=(32,))
    for record in doc["records"]:
        if record["model"] == "bert-base":
            record["group"] = "ner/L32-another-run"
    kinds = {r["kind"] for r in compute_ratios(doc["records"])}
    assert "model" not in kinds and {"precision", "backend"} <= kinds


def _with_mlm_twin(records: list[dict], factor: float, interleave: str | None) -> list[dict]:
    """NER records plus a masked-LM copy of each, `factor` slower in every round."""
    out = []
    for record in records:
        ner = {**record, "interleave": interleave, "session_medians_ms": [1.0, 1.0]}
        mlm = {
            **ner,
            "id": record["id"].replace("/ner/", "/mlm/"),
            "task": "mlm",
            "group": record["group"].replace("ner/", "mlm/"),
            "samples_ms": [x * factor for x in record["samples_ms"]],
        }
        out += [ner, mlm]
    return out


def test_masked_lm_over_ner_pairs_rounds_of_interleaved_loads() -> None:
    records = _with_mlm_twin(synthetic_results(seq_lens=(128,))["records"], 1.08, "L128")
    task = [r for r in compute_ratios(records) if r["kind"] == "task"]
    assert len(task) == 2 * 5  # two models x (eager fp32 + onnx/executorch x fp32/int8)
    assert all(r["numerator"].split("/")[1] == "mlm" for r in task)
    assert all(r["denominator"].split("/")[1] == "ner" for r in task)
    assert all(r["median"] == pytest.approx(1.08) for r in task)


def test_tasks_whose_loads_did_not_take_turns_are_never_paired() -> None:
    records = _with_mlm_twin(synthetic_results(seq_lens=(128,))["records"], 1.08, None)
    assert not [r for r in compute_ratios(records) if r["kind"] == "task"]


def test_a_rewritten_export_is_compared_with_its_stock_export_only_at_lengths_both_hold() -> None:
    # litert at 32 and 128 (its signatures), litert-stock at 128 only, 3x slower in every round
    records = []
    for record in synthetic_results(seq_lens=(32, 128))["records"]:
        records.append(record)
        if record["backend"] != "executorch":
            continue
        litert = {**record, "backend": "litert", "id": record["id"].replace("executorch", "litert")}
        records.append(litert)
        if record["seq_len"] == 128:
            stock = {
                **litert,
                "backend": "litert-stock",
                "id": litert["id"].replace("litert", "litert-stock"),
                "samples_ms": [x * 3 for x in record["samples_ms"]],
            }
            records.append(stock)
    rewrite = [r for r in compute_ratios(records) if r["kind"] == "rewrite"]
    assert {(r["numerator"], r["denominator"]) for r in rewrite} == {
        (f"{m}-random/ner/litert/{p}/L128", f"{m}-random/ner/litert-stock/{p}/L128")
        for m in ("squeezebert", "bert-base")
        for p in ("fp32", "int8")
    }
    assert all(r["median"] == pytest.approx(1 / 3) for r in rewrite)
