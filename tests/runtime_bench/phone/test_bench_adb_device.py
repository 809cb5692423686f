"""The phone's state around each run, driven through the FAKE adb (fake_adb.py + fake_phone.py):
cluster discovery on a phone's sysfs layout, pinning and its refusals, the thermal gate and
its bound, PSS and peak RSS, end-to-end timing on the real inputs. No real device is involved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchfakes import FIXTURES, fake_adb_calls, install_fake_adb, synthetic_results
from test_bench_adb import PIXEL, run_bench

from runtime_bench.phone.device_state import (
    group_clusters,
    parse_battery,
    parse_grep_listing,
    parse_thermalservice,
)
from runtime_bench.report.render import write_report
from runtime_bench.results import validate

PACKAGE = "org.squeezebertmobile.app"
SYSFS = FIXTURES / "android" / "sysfs_galaxy_s9_us.txt"


def device(tmp_path: Path) -> dict:
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert validate(doc) == []
    [entry] = doc["devices"]
    return entry


def tasksets(env: dict[str, str]) -> list[list[str]]:
    return [c[3:] for c in fake_adb_calls(env) if c[3:6] == ["run-as", PACKAGE, "taskset"]]


def test_the_big_cluster_is_found_and_every_sample_runs_pinned_on_its_last_core(
    tmp_path: Path,
) -> None:
    env = install_fake_adb(tmp_path, [PIXEL])
    proc = run_bench(tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    entry = device(tmp_path)
    assert entry["device"]["clusters"] == [
        {"cpus": [0, 1, 2, 3], "max_khz": 1766400},
        {"cpus": [4, 5, 6, 7], "max_khz": 2803200},
    ]
    # every thread (-a) of the app's fresh process, once per artifact run, to cpu7 (mask 0x80)
    calls = tasksets(env)
    assert len(calls) == len(entry["records"]) == 6
    assert all(c[3:6] == ["-a", "-p", "80"] for c in calls)
    assert len({c[6] for c in calls}) == 6, "each run is a new process"
    for record in entry["records"]:
        assert record["placement"] == {
            "cluster": "big", "cpu": 7, "pinned": True, "note": "pinned to cpu7 with taskset"
        }  # fmt: skip
        assert set(record["sample_cpu"]) == {7} and len(record["samples_ms"]) == 7
        assert record["metrics"]["throttled_samples"] == 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "4×1766 + 4×2803 MHz" in report and "| 7 | 2803 | 0/7 |" in report


def test_cluster_little_pins_to_the_slowest_cluster_and_all_leaves_the_app_unpinned(
    tmp_path: Path,
) -> None:
    (tmp_path / "little").mkdir()
    env = install_fake_adb(tmp_path / "little", [PIXEL])
    assert run_bench(tmp_path / "little", env, "--cluster", "little").returncode == 0
    assert {c[5] for c in tasksets(env)} == {"8"}  # cpu3
    assert {tuple(r["sample_cpu"]) for r in device(tmp_path / "little")["records"]} == {(3,) * 7}

    (tmp_path / "all").mkdir()
    env = install_fake_adb(tmp_path / "all", [PIXEL])
    assert run_bench(tmp_path / "all", env, "--cluster", "all").returncode == 0
    assert tasksets(env) == []
    for record in device(tmp_path / "all")["records"]:
        assert record["placement"]["pinned"] is False
        assert record["placement"]["note"] == "unpinned (--cluster all)"
        assert len(set(record["sample_cpu"])) > 1, "the scheduler spreads an unpinned thread"
    assert "(unpinned)" in (tmp_path / "all" / "out" / "report.md").read_text()


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("missing", "taskset refused: /system/bin/sh: taskset: inaccessible or not found"),
        ("denied", "taskset refused: taskset: sched_setaffinity: Operation not permitted"),
    ],
)
def test_a_refused_taskset_is_one_warning_and_the_run_goes_on_unpinned_and_labelled(
    tmp_path: Path, mode: str, message: str
) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], taskset=mode)
    proc = run_bench(tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "taskset" in line]
    assert warnings == [f"warning: device FAKE01: unpinned ({message}); the records say so"]
    entry = device(tmp_path)
    assert entry["status"] == "complete" and len(entry["records"]) == 6
    assert all(r["placement"]["pinned"] is False for r in entry["records"])
    assert all(message in r["placement"]["note"] for r in entry["records"])
    assert f"unpinned ({message})" in (tmp_path / "out" / "report.md").read_text()


def test_a_phone_without_cpufreq_runs_unpinned_without_calling_taskset(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], sysfs=None)
    assert run_bench(tmp_path, env).returncode == 0
    assert tasksets(env) == []
    entry = device(tmp_path)
    assert entry["device"]["clusters"] == []
    assert {r["placement"]["note"] for r in entry["records"]} == {
        "unpinned (no cpufreq clusters found)"
    }


def dumpsys_calls(env: dict[str, str], what: str) -> int:
    return sum(1 for c in fake_adb_calls(env) if c[3:5] == ["dumpsys", what])


def test_the_gate_waits_until_the_battery_cools_and_records_what_it_saw(tmp_path: Path) -> None:
    # 45.2 °C, then 44.1 °C, then 30.0 °C: the first run starts after the third reading
    env = install_fake_adb(tmp_path, [PIXEL], battery_tenths=[452, 441, 300])
    proc = run_bench(tmp_path, env, "--max-temp", "38")
    assert proc.returncode == 0, proc.stderr
    first_start = next(i for i, c in enumerate(fake_adb_calls(env)) if c[3:5] == ["am", "start"])
    before = fake_adb_calls(env)[:first_start]
    assert sum(1 for c in before if c[3:5] == ["dumpsys", "battery"]) == 3
    records = device(tmp_path)["records"]
    assert all(r["thermal"]["gate"] == "cool" for r in records)
    assert {r["thermal"]["battery_c"] for r in records} == {30.0}
    assert {r["thermal"]["status"] for r in records} == {0}
    assert {r["thermal"]["cpu_c"] for r in records} == {38.0}
    assert dumpsys_calls(env, "battery") == 3 + 5  # one reading before each later run


def test_a_throttling_status_also_holds_the_run_back(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], thermal_status=[2, 1, 0])
    assert run_bench(tmp_path, env).returncode == 0
    assert dumpsys_calls(env, "thermalservice") == 3 + 5


def test_a_phone_that_stays_hot_is_waited_for_only_up_to_the_bound_then_flagged(
    tmp_path: Path,
) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], battery_tenths=[452])
    proc = run_bench(tmp_path, env, "--cool-wait", "0.05")
    assert proc.returncode == 0, proc.stderr
    hot = [line for line in proc.stderr.splitlines() if "still hot" in line]
    assert len(hot) == 6 and hot[0].startswith("warning: device FAKE01 still hot after 0s")
    records = device(tmp_path)["records"]
    assert all(r["thermal"]["gate"] == "timed out" for r in records)
    assert all(r["thermal"]["waited_s"] >= 0.05 for r in records)
    assert dumpsys_calls(env, "battery") < 6 * 20, "the wait is bounded"
    assert "| 45.2 | 0 (timed out after " in (tmp_path / "out" / "report.md").read_text()


def test_samples_below_their_clusters_max_clock_are_counted_as_throttled(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], throttle_from_start=5)  # the L64 runs
    assert run_bench(tmp_path, env).returncode == 0
    throttled = {
        r["seq_len"]: r["metrics"]["throttled_samples"] for r in device(tmp_path)["records"]
    }
    assert throttled == {0: 0, 32: 0, 64: 7}
    assert "| 7/7 |" in (tmp_path / "out" / "report.md").read_text()


def test_pss_and_peak_rss_are_recorded_and_reported_beside_the_host_rss(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    host = synthetic_results(seq_lens=(32, 64), models=(("squeezebert", 1.0),))
    for memory in host["memory"]:  # the fake artifacts' tag
        memory["id"] = memory["id"].replace("squeezebert-random", "squeezebert-tiny")
    (out / "results.json").write_text(json.dumps(host))
    env = install_fake_adb(tmp_path, [PIXEL])
    assert run_bench(tmp_path, env).returncode == 0
    q8 = next(
        r for r in device(tmp_path)["records"] if r["precision"] == "int8" and r["seq_len"] == 32
    )
    assert q8["metrics"]["ram_pss_usage(mb)"] == 40.0  # minibench's metric
    assert q8["metrics"]["ram_pss_after_load(mb)"] == 70.0
    assert q8["metrics"]["peak_rss(mb)"] == 101.0
    report = (out / "report.md").read_text()
    assert "| ram_pss_usage(mb) | peak RSS MB | host peak RSS MB |" in report
    assert "| 70.0 | 40.0 | 101 | 340 |" in report  # host: 300 MB baseline + 40 MB peak


def test_the_real_inputs_are_timed_end_to_end_beside_model_only(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL])
    assert run_bench(tmp_path, env).returncode == 0
    real = [r for r in device(tmp_path)["records"] if r["inputs"] == "real"]
    assert sorted(r["id"] for r in real) == [
        "FAKE01/squeezebert-tiny/ner/executorch/fp32/real",
        "FAKE01/squeezebert-tiny/ner/executorch/int8/real",
    ]
    m = next(r for r in real if r["precision"] == "int8")["metrics"]
    assert m["median_e2e_latency(ms)"] == pytest.approx(m["median_inference_latency(ms)"] + 0.6)
    assert m["median_tokenize(ms)"] == 0.4 and m["median_postprocess(ms)"] == 0.2
    report = (tmp_path / "out" / "report.md").read_text()
    assert "real inputs at their own lengths" in report
    assert "| end-to-end p50 ms | end-to-end p90 ms |" in report


def test_cluster_and_thermal_parsers_read_real_sysfs_and_dumpsys_text() -> None:
    lines = [line for line in SYSFS.read_text().splitlines() if not line.startswith("#")]
    listing = "\n".join(line.replace("\t", ":", 1) for line in lines)  # as grep -H prints it
    clusters = group_clusters(parse_grep_listing(listing), list(range(8)))
    assert [(c.cpus, c.max_khz) for c in clusters] == [
        ((0, 1, 2, 3), 1766400),
        ((4, 5, 6, 7), 2803200),
    ]
    assert parse_battery("  level: 81\n  temperature: 312\n") == 31.2
    assert parse_battery("no battery here") is None
    text = (
        "Thermal Status: 1\nCached temperatures:\n"
        "\tTemperature{mValue=38.1, mType=0, mName=AP, mStatus=0}\n"
        "Current temperatures from HAL:\n"
        "\tTemperature{mValue=44.8, mType=0, mName=AP, mStatus=0}\n"
        "\tTemperature{mValue=51.0, mType=0, mName=CPU7, mStatus=1}\n"
        "\tTemperature{mValue=60.0, mType=3, mName=SKIN, mStatus=1}\n"
    )
    assert parse_thermalservice(text) == (1, 51.0)


def test_a_phone_record_sits_next_to_the_host_median_of_the_same_backend(tmp_path: Path) -> None:
    # Moved here from tests/test_bench_report.py with the phone section (report_phone.py).
    doc = synthetic_results(seq_lens=(32,))
    doc["devices"] = [{
        "device": {"serial": "S1", "brand": "google", "model": "Pixel 3", "soc": "SDM845",
                   "os": "Android 12"},
        "status": "lost", "missing": ["squeezebert-random/ner/L128"],
        "records": [{"id": "S1/squeezebert-random/ner/executorch/int8/L32",
                     "model": "squeezebert", "model_tag": "squeezebert-random", "task": "ner",
                     "backend": "executorch", "precision": "int8", "file": "x.pte",
                     "seq_len": 32, "metrics": {"trimmean_inference_latency(ms)": 7.25}}],
    }]  # fmt: skip
    write_report(doc, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "### google Pixel 3 (S1): fixed lengths" in report
    assert "| model | task | backend | precision | L | host median ms | trimmean ms |" in report
    # a record written before placement existed: its cores are unknown, and it says so
    assert "| squeezebert-random | ner | executorch | int8 | 32 | 0.320 | 7.25 |" in report
    assert "| ? (unpinned) | ? | ? |" in report
    assert "is missing: squeezebert-random/ner/L128" in report


def test_a_tflite_record_says_which_litert_api_the_app_ran_it_with() -> None:
    from runtime_bench.phone.steps import DeviceUnit, to_records

    name = "squeezebert_litert_int8.tflite"
    unit = DeviceUnit("squeezebert", "squeezebert", "ner", "/d", (name,), 32, ("litert",))
    model = {"name": "squeezebert", "backend": "litert", "quantization": "int8", "file": name,
             "seqLen": 32, "numThreads": 1, "runtimeApi": "CompiledModel"}  # fmt: skip
    entries = [
        {"benchmarkModel": model, "metric": metric, "actualValue": value}
        for metric, value in (("median_inference_latency(ms)", 3.0), ("load_status", 0.0))
    ]
    (record,), _ = to_records(entries, unit, "SER")
    assert record["runtime_api"] == "CompiledModel" and record["backend"] == "litert"
    pte = {**model, "file": "x_xnnpack_q8.pte", "backend": "xnnpack"}
    del pte["runtimeApi"]
    unit = DeviceUnit("squeezebert", "squeezebert", "ner", "/d", (pte["file"],), 32)
    (record,), _ = to_records(
        [{"benchmarkModel": pte, "metric": "load_status", "actualValue": 0}], unit, "SER"
    )
    assert record["runtime_api"] is None
