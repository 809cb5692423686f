"""LiteRT, the third backend: without its extra, export, verification and benchmark.

The fast tests need nothing built. The slow ones use the session's `tiny_litert_artifacts`
(conftest: tiny random SqueezeBERT on mlm, news and ner with --formats onnx,executorch,litert,
and ner also with litert-stock) and run the real litert-torch, ai-edge-quantizer and LiteRT.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from export.io import sha256_file
from export.lengths import MOST_SIGNATURES, fewest_padding_lengths, static_length_grid
from export.tasks import get_task
from export.verify import FP32_MAX_ABS_DIFF

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "tests" / "fixtures" / "android" / "litert_signatures.json"
MLM_FIXTURE = REPO / "tests" / "fixtures" / "android" / "litert_signatures_mlm.json"
TASKS = ("mlm", "news", "ner")


def test_formats_litert_without_the_extra_is_one_line_naming_it(tmp_path: Path) -> None:
    # The packages are made unimportable (None in sys.modules), as in an install without [litert].
    code = (
        "import sys; sys.modules['litert_torch'] = None; from export.build import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    args = ["--model", "squeezebert", "--init", "random", "--tiny", "--tasks", "ner"]
    args += ["--data-dir", "tests/fixtures/data", "--out", str(tmp_path), "--formats", "litert"]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "pip install -e '.[litert]'" in lines[0] and "litert_torch" in lines[0]
    assert not any(tmp_path.iterdir())


def test_the_default_signatures_are_the_fewest_that_pad_the_tasks_own_lengths_little() -> None:
    from export.backends.litert import LiteRTBackend

    backend = LiteRTBackend()
    sentences = [9, 12, 12, 14, 14, 14, 15, 20, 31, 38, 60]  # NER-like: short, a long tail
    ner = backend.static_lengths(512, 100, None, sentences)
    assert ner[-1] == 100 and len(ner) <= MOST_SIGNATURES  # the cap: nothing is longer
    assert ner == fewest_padding_lengths(sentences, 100)
    assert 128 not in ner  # no real input reaches the reference length below a cap of 100
    articles = [300] * 40 + [280]
    assert backend.static_lengths(512, 300, None, articles) == [128, 300]  # 128: reachable
    assert backend.static_lengths(64, 100, None, sentences)[-1] == 64  # model max wins
    assert backend.static_lengths(512, 100, (128, 64, 64), sentences) == [64, 128]  # asked win
    # without a sample (a plan made outside a build): the sqrt(2) grid up to the cap
    assert backend.static_lengths(512, 100, None) == static_length_grid(100)
    assert backend.static_lengths(512, 300, None) == static_length_grid(300)


def test_the_stock_route_holds_one_128_signature_plus_a_longer_tasks_cap() -> None:
    from export.backends.litert import LiteRTStockBackend

    stock = LiteRTStockBackend()
    assert stock.static_lengths(512, 100, None) == [128]  # fed at 128, as the examples do
    assert stock.static_lengths(512, 50, None) == [128]
    assert stock.static_lengths(512, 300, None) == [128, 300]  # articles keep their tokens
    assert stock.static_lengths(64, 100, None) == [64]
    assert stock.static_lengths(512, 100, (32,)) == [32]


def _manifest(root: Path, task: str) -> dict:
    return json.loads((root / "squeezebert-random-tiny" / task / "manifest.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
def test_litert_artifacts_are_verified_hashed_and_censused_on_every_task(
    tiny_litert_artifacts: Path, task: str
) -> None:
    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / task
    manifest = _manifest(tiny_litert_artifacts, task)
    litert = {n: e for n, e in manifest["artifacts"].items() if e["format"] == "litert"}
    assert set(litert) == {
        "squeezebert_random_tiny_litert_fp32.tflite",
        "squeezebert_random_tiny_litert_q8.tflite",
    }
    for name, entry in litert.items():
        assert entry["sha256"] == sha256_file(task_dir / name)
        assert entry["size_bytes"] == (task_dir / name).stat().st_size
        assert entry["rewrite"]["applied"] is True  # SqueezeBERT's policy: rewrite for LiteRT
        assert [(i["name"], i["dtype"]) for i in entry["inputs"]] == [
            (name, "int32") for name in get_task(task).input_names
        ]
        assert entry["fingerprint"]["versions"]["ai-edge-litert"] != "not installed"
        census = entry["op_census"]
        assert census["signature"].startswith("seq_") and census["operators"] > 0
        assert "CONV_2D" not in census["by_operator"]  # the rewrite left no convolution
        # one attention per layer over all heads (scores and context), not one per group
        layers = json.loads((task_dir / "config.json").read_text())["num_hidden_layers"]
        assert sum(census["by_operator"]["BATCH_MATMUL"].values()) == 2 * layers
        assert entry["metric_deltas_points"] and set(entry["metric_deltas_points"]) <= set(
            entry["metrics"]
        )
    fp32 = litert["squeezebert_random_tiny_litert_fp32.tflite"]
    assert fp32["parity"]["max_abs_diff"] <= FP32_MAX_ABS_DIFF
    assert fp32["op_census"]["int8_ops"] == []
    int8 = litert["squeezebert_random_tiny_litert_q8.tflite"]
    assert int8["quantization"] == {"method": "ai_edge_quantizer", "recipe": "dynamic_wi8_afp32"}
    assert {"FULLY_CONNECTED", "EMBEDDING_LOOKUP"} <= set(int8["op_census"]["int8_ops"])
    assert "BATCH_MATMUL" in int8["op_census"]["fp32_only_ops"]  # attention stays fp32
    assert int8["size_bytes"] < fp32["size_bytes"]
    # The earlier formats were reused, not re-exported, when litert was added.
    assert {e["format"] for e in manifest["artifacts"].values()} >= {"onnx", "executorch"}


@pytest.mark.slow
def test_task_json_tells_the_phone_to_feed_int32_per_signature(
    tiny_litert_artifacts: Path,
) -> None:
    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "news"
    runtime = json.loads((task_dir / "task.json").read_text())["runtimes"]["litert"]
    assert runtime["input_dtype"] == "int32"
    assert runtime["input_names"] == ["input_ids", "attention_mask"]
    # the plan's lengths: chosen from the training articles, up to the cap (a 300-token article
    # pads not at all), and the reference length, which articles reach
    lengths = _manifest(tiny_litert_artifacts, "news")["artifacts"][
        "squeezebert_random_tiny_litert_q8.tflite"
    ]["plan"]["static_lengths"]
    assert lengths[-1] == 300 and 128 in lengths
    assert runtime["signatures"] == {f"seq_{n}": n for n in lengths}
    assert set(runtime["artifacts"]) == {"fp32", "int8"}
    for name in runtime["artifacts"].values():
        assert (task_dir / name).is_file()


@pytest.mark.slow
def test_task_json_tells_the_phone_how_many_mask_positions_each_signature_takes(
    tiny_litert_artifacts: Path,
) -> None:
    from export.masking import masked_count

    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "mlm"
    runtime = json.loads((task_dir / "task.json").read_text())["runtimes"]["litert"]
    assert runtime["input_names"] == ["input_ids", "attention_mask", "mask_positions"]
    lengths = _manifest(tiny_litert_artifacts, "mlm")["artifacts"][
        "squeezebert_random_tiny_litert_q8.tflite"
    ]["plan"]["static_lengths"]
    assert lengths[-1] == 50 and 128 not in lengths  # no utterance is longer than 50
    assert runtime["mask_positions"]["per_signature"] == {
        f"seq_{n}": masked_count(n) for n in lengths
    }
    assert "repeating the last" in runtime["mask_positions"]["padding"]


@pytest.mark.slow
def test_masked_lm_tflite_returns_exactly_the_requested_rows_for_any_count(
    tiny_litert_artifacts: Path,
) -> None:
    # 1 position (padded up to the signature's count), an exact fit, a count that moves to a
    # larger signature, and more than any signature takes (run in chunks): eager's rows each time.
    import torch

    from export.backends import get_backend
    from runtime_bench.measure.runners import load_eager_module

    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "mlm"
    runner = get_backend("litert").load(task_dir / "squeezebert_random_tiny_litert_fp32.tflite")
    eager = load_eager_module(task_dir)
    ids = np.random.default_rng(0).integers(1000, 2000, (1, 30))
    mask = np.ones_like(ids)
    fit = runner.static_length_for(30)
    biggest = max(runner.masked.values())
    for count in (1, runner.masked[fit], runner.masked[fit] + 1, biggest + 2):
        positions = (np.arange(count) % 28 + 1)[None]
        got = runner(ids, mask, positions)
        with torch.inference_mode():
            want = eager(*(torch.from_numpy(a) for a in (ids, mask, positions))).numpy()
        assert got.shape == want.shape == (1, count, want.shape[-1])
        assert np.abs(got - want).max() < FP32_MAX_ABS_DIFF, count
    roomier = [b for b in runner.buckets if b >= 30 and runner.masked[b] > runner.masked[fit]]
    want = roomier[0] if roomier else max(runner.buckets, key=runner.masked.__getitem__)
    assert runner.static_length_for(30, runner.masked[fit] + 1) == want


@pytest.mark.slow
def test_one_tflite_serves_every_length_through_its_smallest_fitting_signature(
    tiny_litert_artifacts: Path,
) -> None:
    # Lengths at a bucket, just past one, inside the first and at the task's cap: the runner
    # pads to the smallest signature that holds the input and returns eager's logits for the
    # real tokens, each time (padding is masked out, so it must not change a single row).
    import torch

    from export.backends import get_backend
    from runtime_bench.measure.runners import load_eager_module

    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "ner"
    runner = get_backend("litert").load(task_dir / "squeezebert_random_tiny_litert_fp32.tflite")
    eager = load_eager_module(task_dir)
    plan = _manifest(tiny_litert_artifacts, "ner")["artifacts"][
        "squeezebert_random_tiny_litert_fp32.tflite"
    ]["plan"]
    assert runner.buckets == plan["static_lengths"] and runner.buckets[-1] == 100  # the cap
    rng = np.random.default_rng(0)
    first = runner.buckets[0]
    for length in sorted({1, first, first + 1, *runner.buckets, 99, 100}):
        bucket = runner.static_length_for(length)
        assert bucket == min(b for b in runner.buckets if b >= length)
        ids = rng.integers(1000, 2000, (1, length))
        mask = np.ones_like(ids)
        got = runner(ids, mask)
        with torch.inference_mode():
            want = eager(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        assert got.shape == want.shape == (1, length, want.shape[-1])
        assert np.abs(got - want).max() < FP32_MAX_ABS_DIFF, length


@pytest.mark.slow
def test_the_runner_loads_with_xnnpacks_weight_cache_shared_by_all_signatures(
    tiny_litert_artifacts: Path,
) -> None:
    # Without the cache XNNPACK packs the weights once per signature (13 copies at 512); the
    # in-memory cache packs each constant once. task.json tells the phone to do the same.
    from export.backends import get_backend
    from export.backends.litert_runtime import WEIGHT_CACHE

    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "ner"
    runner = get_backend("litert").load(task_dir / "squeezebert_random_tiny_litert_q8.tflite")
    assert WEIGHT_CACHE == ":memory"
    assert runner.cpu_options.xnnpack_weight_cache_path == WEIGHT_CACHE
    assert runner.cpu_options.num_threads == 1
    runtime = json.loads((task_dir / "task.json").read_text())["runtimes"]["litert"]
    assert "':memory'" in runtime["weight_cache"]
    assert not (REPO / WEIGHT_CACHE).exists() and not (Path.cwd() / WEIGHT_CACHE).exists()


@pytest.mark.slow
def test_stock_export_keeps_squeezeberts_grouped_convolutions(
    tiny_litert_artifacts: Path,
) -> None:
    manifest = _manifest(tiny_litert_artifacts, "ner")
    stock = manifest["artifacts"]["squeezebert_random_tiny_litert-stock_q8.tflite"]
    assert stock["plan"]["rewrite_rules"] == [] and stock["rewrite"]["rules"] == {}
    assert stock["rewrite"]["applied"] is False
    assert stock["op_census"]["by_operator"]["CONV_2D"]["int8"] > 0
    assert "TRANSPOSE" in stock["op_census"]["by_operator"]
    assert stock["parity"]["max_abs_diff"] < 0.1


@pytest.mark.slow
def test_android_fixture_matches_a_fresh_export(tiny_litert_artifacts: Path) -> None:
    # The Java core's fixture was made from one such file; a fresh export must still agree on
    # what the phone relies on: signature names, input names, dtypes and shapes.
    sys.path.insert(0, str(REPO / "android_app" / "tools"))
    from make_litert_fixture import describe

    fresh = describe(
        tiny_litert_artifacts
        / "squeezebert-random-tiny"
        / "ner"
        / "squeezebert_random_tiny_litert_q8.tflite"
    )
    committed = json.loads(FIXTURE.read_text())
    assert fresh["signatures"] == committed["signatures"]
    for got, want in zip(fresh["cases"], committed["cases"], strict=True):
        for key in ("signature", "padded_input_ids", "padded_attention_mask", "output_shape"):
            assert got[key] == want[key]


@pytest.mark.slow
def test_android_masked_lm_fixture_matches_a_fresh_export(tiny_litert_artifacts: Path) -> None:
    # The MLM fixture was made from a fresh default export (the sqrt(2) grid); its cases pick
    # the smallest signature that holds both the length and the mask positions.
    sys.path.insert(0, str(REPO / "android_app" / "tools"))
    from make_litert_fixture import describe

    task_dir = tiny_litert_artifacts / "squeezebert-random-tiny" / "mlm"
    fresh = describe(task_dir / "squeezebert_random_tiny_litert_q8.tflite")
    committed = json.loads(MLM_FIXTURE.read_text())
    for name, signature in committed["signatures"].items():
        assert fresh["signatures"][name] == signature
    for got, want in zip(fresh["cases"], committed["cases"], strict=True):
        for key in ("signature", "padded_input_ids", "padded_mask_positions", "output_shape"):
            assert got[key] == want[key]
        assert got["rows"] == want["rows"] == len(want["mask_positions"])


@pytest.mark.slow
def test_benchmark_times_three_runtimes_and_the_stock_export_side_by_side(
    tiny_litert_artifacts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bench"
    cmd = [sys.executable, "-m", "runtime_bench", "--artifacts", str(tiny_litert_artifacts)]
    cmd += ["--out", str(out), "--no-progress", "--matmul-sizes", "64", "--seq-lens", "32,128"]
    cmd += ["--runs", "3", "--warmup", "1", "--sessions", "1", "--eval-limit", "4", "--no-memory"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    for task in TASKS:  # every task's LiteRT file runs its real traffic
        evaluated = {e["backend"] for e in doc["evaluations"] if e["task"] == task}
        assert {"onnx", "executorch", "litert"} <= evaluated, task
    # at fixed lengths only where it holds a signature: news' articles reach 128
    news = {(r["backend"], r["seq_len"]) for r in doc["records"] if r["task"] == "news"}
    assert ("litert", 128) in news
    ner = {
        (r["backend"], r["precision"], r["seq_len"]) for r in doc["records"] if r["task"] == "ner"
    }
    # the stock file holds one 128 signature: timed there, skipped (with a warning) at 32
    assert ("litert-stock", "int8", 128) in ner and ("litert-stock", "fp32", 128) in ner
    assert not any(b == "litert-stock" and n == 32 for b, _, n in ner)
    assert "litert-stock/int8 has signatures for lengths 128 only: not timed at 32" in proc.stderr
    # LiteRT's INFO notes on every file loaded are dropped (export.quiet; its "Destroy" notes
    # still show where an environment is freed outside a teardown block, and at exit)
    for chatter in ("RegisterAccelerator", "Creating LiteRT environment", "compiler_plugin"):
        assert chatter not in proc.stderr, chatter
    for record in doc["records"]:
        # recorded for every LiteRT record; its bound is the report's to flag (test_bench_report):
        # on a shared 2-core host the ratio of 3 sub-millisecond calls is not deterministic
        assert record["metrics"]["cpu_wall_ratio"] > 0, record["id"]
    # NER's rewritten file holds lengths up to the task's cap (100), the stock one 128: with no
    # fixed length in common the stock route is compared on the real traffic only
    assert not any(b == "litert" and n == 128 for b, _, n in ner)
    assert not [r for r in doc["ratios"] if r["kind"] == "rewrite"]
    report = (out / "report.md").read_text()
    assert "litert-stock" in report and "Which artifact to ship" in report
    assert "faster than the stock route" in report


@pytest.mark.parametrize(("value", "problem"), [("32,x", "integers"), ("1,32", "at least 2")])
def test_bad_litert_lengths_are_one_line_errors(value: str, problem: str, capsys) -> None:
    from export.build import main

    args = ["--model", "squeezebert", "--init", "random", "--tiny", "--tasks", "ner"]
    assert main([*args, "--formats", "litert", "--static-lengths", value]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0] and "--static-lengths" in err[0]


def test_phone_results_of_tflite_files_keep_their_litert_backend() -> None:
    # BenchmarkActivity names each file's backend with ModelFileName (litert, litert-stock).
    from runtime_bench.phone.driver import DeviceUnit, to_records

    files = ("sb_xnnpack_q8.pte", "sb_litert_q8.tflite", "sb_litert-stock_q8.tflite")
    unit = DeviceUnit("squeezebert", "squeezebert-random", "ner", "/r", files, 128)
    entries = [
        {
            "benchmarkModel": {"file": f, "backend": b, "quantization": q, "seqLen": 128},
            "metric": "trimmean_inference_latency(ms)",
            "actualValue": 1.0,
        }
        for f, b, q in zip(
            files, ("xnnpack", "litert", "litert-stock"), ("q8", "q8", "q8"), strict=True
        )
    ]
    records, _ = to_records(entries, unit, "S1")
    got = {(r["file"], r["backend"], r["precision"]) for r in records}
    assert got == {
        ("sb_xnnpack_q8.pte", "executorch", "int8"),
        ("sb_litert_q8.tflite", "litert", "int8"),
        ("sb_litert-stock_q8.tflite", "litert-stock", "int8"),
    }
    assert len({r["id"] for r in records}) == 3
