"""The adb driver against a FAKE `adb` executable (tests/fixtures/bench/fake_adb.py).

The fake sits on PATH as `adb`, so `python -m runtime_bench --adb` runs exactly as it would
against a phone, up to the process boundary. No real device is involved.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from benchfakes import (
    fake_adb_calls,
    fake_adb_remote_lines,
    install_fake_adb,
    make_fake_artifacts,
    synthetic_results,
)
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from runtime_bench.artifacts import SAFE_NAME
from runtime_bench.cli import main
from runtime_bench.errors import DeviceError
from runtime_bench.phone.adb_client import AdbClient, Glob, list_devices
from runtime_bench.phone.driver import REMOTE_ROOT, parse_devices, select_devices
from runtime_bench.results import validate

REMOTE = "/data/local/tmp/squeezebert-mobile/squeezebert-tiny/ner"
PIXEL = {"serial": "FAKE01", "state": "device", "model": "Pixel_3"}


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run_bench(
    tmp_path: Path,
    env: dict[str, str],
    *extra: str,
    subprocess_run: bool = False,
) -> Outcome:
    """`python -m runtime_bench --adb ...` with the fake adb first on PATH.

    In-process by default (fast); `subprocess_run=True` runs the real module entry point.
    """
    artifacts = tmp_path / "art"
    if not artifacts.exists():
        make_fake_artifacts(artifacts)
    argv = [
        "--adb",
        "--artifacts",
        str(artifacts),
        "--seq-lens",
        "32,64",
        "--runs",
        "7",
        "--warmup",
        "2",
        "--out",
        str(tmp_path / "out"),
        "--poll-interval",
        "0.01",
        *extra,
    ]
    if subprocess_run:
        proc = subprocess.run(
            [sys.executable, "-m", "runtime_bench", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Outcome(proc.returncode, proc.stdout, proc.stderr)
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for key in ("PATH", "FAKE_ADB_ROOT"):
            if key in env:
                mp.setenv(key, env[key])
            else:
                mp.delenv(key, raising=False)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
    return Outcome(code, stdout.getvalue(), stderr.getvalue())


def results(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "out" / "results.json").read_text())


def test_fake_device_run_pushes_starts_one_thread_per_length_and_merges(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], partial_first_read=True)
    proc = run_bench(tmp_path, env, subprocess_run=True)
    assert proc.returncode == 0, proc.stderr
    calls = fake_adb_calls(env)
    pushed = {Path(c[4]).name for c in calls if c[2:3] == ["push"]}
    assert pushed == {
        "squeezebert_tiny_xnnpack_fp32.pte",
        "squeezebert_tiny_xnnpack_q8.pte",
        "task.json",
        "bench_inputs.json",
        "vocab.txt",
    }
    assert all(c[4].startswith(REMOTE + "/") for c in calls if c[2:3] == ["push"])
    starts = [c for c in calls if c[2:5] == ["shell", "am", "start"]]
    # one fresh process per artifact: the real inputs (seq_len 0) first, then each length
    runs = [(seq_len, f"squeezebert_tiny_xnnpack_{p}.pte")
            for seq_len in ("0", "32", "64") for p in ("fp32", "q8")]  # fmt: skip
    assert len(starts) == len(runs)
    for start, (seq_len, file) in zip(starts, runs, strict=True):
        args = " ".join(start)
        assert "-W -S -n org.squeezebertmobile.app/.BenchmarkActivity" in args
        assert f"--es model_dir {REMOTE} --es model_file {file}" in args
        assert f"--ei num_threads 1 --ei seq_len {seq_len}" in args
        assert "--ei num_iter 7 --ei num_warm_up_iter 2" in args
    doc = results(tmp_path)
    assert validate(doc) == []
    [device] = doc["devices"]
    assert device["status"] == "complete" and device["missing"] == []
    assert (
        device["device"]
        | {
            "serial": "FAKE01",
            "brand": "google",
            "model": "Pixel 3",
            "soc": "SDM845",
            "os": "Android 12",
        }
        == device["device"]
    )
    assert sorted((r["precision"], r["seq_len"]) for r in device["records"]) == [
        ("fp32", 0),
        ("fp32", 32),
        ("fp32", 64),
        ("int8", 0),
        ("int8", 32),
        ("int8", 64),
    ]
    record = next(r for r in device["records"] if r["precision"] == "int8" and r["seq_len"] == 64)
    assert record["metrics"]["trimmean_inference_latency(ms)"] == pytest.approx(64 * 0.5 * 1.01)
    assert record["metrics"]["num_iter"] == 7 and record["num_threads"] == 1
    report = (tmp_path / "out" / "report.md").read_text()
    assert "google Pixel 3 (FAKE01)" in report
    lines = fake_adb_remote_lines(env)
    assert lines and all(line["unquoted"] == [] for line in lines)


def test_apk_is_installed_with_replace_when_given(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], installed=False)
    apk = tmp_path / "app-debug.apk"
    apk.write_bytes(b"PK fake apk")
    proc = run_bench(tmp_path, env, "--apk", str(apk))
    assert proc.returncode == 0, proc.stderr
    assert ["-s", "FAKE01", "install", "-r", str(apk)] in fake_adb_calls(env)


def test_missing_app_without_apk_is_a_one_line_error(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], installed=False)
    proc = run_bench(tmp_path, env)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "--apk" in proc.stderr


def test_lost_device_keeps_pulled_results_and_names_what_is_missing(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [{**PIXEL, "lose_after_starts": 4}])  # real, L32 done
    proc = run_bench(tmp_path, env)
    assert proc.returncode != 0
    fp32_l64 = "squeezebert-tiny/ner/squeezebert_tiny_xnnpack_fp32.pte/L64"
    assert "FAKE01 lost" in proc.stderr and f"missing {fp32_l64}" in proc.stderr
    [device] = results(tmp_path)["devices"]
    assert device["status"] == "lost"
    assert {r["seq_len"] for r in device["records"]} == {0, 32}
    assert device["missing"] == [fp32_l64, fp32_l64.replace("fp32", "q8")]
    assert f"is missing: {fp32_l64}" in (tmp_path / "out" / "report.md").read_text()


def test_a_failed_on_device_run_is_named_and_the_others_still_run(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], fail_seq_lens=[32])
    proc = run_bench(tmp_path, env)
    assert proc.returncode != 0
    assert "xnnpack_q8.pte/L32 (failed: benchmark failed: seq_len 32" in proc.stderr
    [device] = results(tmp_path)["devices"]
    assert device["status"] == "incomplete"
    assert {r["seq_len"] for r in device["records"]} == {0, 64}


def test_all_devices_runs_each_attached_phone(tmp_path: Path) -> None:
    second = {"serial": "FAKE02", "state": "device", "model": "Pixel_7"}
    env = install_fake_adb(tmp_path, [PIXEL, second])
    proc = run_bench(tmp_path, env, "--all-devices")
    assert proc.returncode == 0, proc.stderr
    doc = results(tmp_path)
    assert [d["device"]["serial"] for d in doc["devices"]] == ["FAKE01", "FAKE02"]
    assert all(len(d["records"]) == 6 for d in doc["devices"])


def test_device_results_merge_into_an_existing_host_results_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    host_doc = synthetic_results(seq_lens=(32,))
    (out / "results.json").write_text(json.dumps(host_doc))
    env = install_fake_adb(tmp_path, [PIXEL])
    assert run_bench(tmp_path, env).returncode == 0
    assert run_bench(tmp_path, env).returncode == 0  # a rerun replaces, not duplicates
    doc = results(tmp_path)
    assert doc["records"] == host_doc["records"] and doc["evaluations"] == host_doc["evaluations"]
    assert len(doc["devices"]) == 1
    assert validate(doc) == []
    report = (out / "report.md").read_text()
    assert "## Latency" in report and "google Pixel 3 (FAKE01)" in report


def test_an_unfinished_rerun_keeps_the_earlier_complete_device_entry(tmp_path: Path) -> None:
    env = install_fake_adb(tmp_path, [PIXEL])
    assert run_bench(tmp_path, env).returncode == 0
    before = (tmp_path / "out" / "results.json").read_bytes()
    config = Path(env["FAKE_ADB_ROOT"]) / "config.json"
    config.write_text(json.dumps({"devices": [PIXEL], "fail_seq_lens": [64]}))
    proc = run_bench(tmp_path, env)
    assert proc.returncode == 3
    assert (tmp_path / "out" / "results.json").read_bytes() == before
    [own] = (tmp_path / "out" / "runs").glob("*/results.json")
    [device] = json.loads(own.read_text())["devices"]
    assert device["status"] == "incomplete" and len(device["records"]) == 4
    assert f"this run's results are in {own}" in proc.stderr
    assert (own.parent / "report.md").is_file()


def test_a_full_disk_is_a_one_line_error_and_earlier_results_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = install_fake_adb(tmp_path, [PIXEL])
    assert run_bench(tmp_path, env).returncode == 0
    before = (tmp_path / "out" / "results.json").read_bytes()

    def disk_full(fd: int) -> None:  # where a full disk surfaces for a buffered write
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    proc = run_bench(tmp_path, env)
    err = proc.stderr.strip()
    assert proc.returncode == 1 and "\n" not in err, err  # a failed write: not a usage error
    assert err.startswith("error: cannot write ") and "No space left on device" in err
    assert f"{tmp_path / 'out' / 'results.json'} was not touched by the failed write" in err
    assert (tmp_path / "out" / "results.json").read_bytes() == before
    assert not list((tmp_path / "out").rglob("*.tmp"))


@pytest.mark.parametrize(
    ("devices", "extra", "message"),
    [
        ([], (), "no Android device attached"),
        ([PIXEL, {"serial": "FAKE02", "state": "device"}], (), "--serial S or use --all-devices"),
        ([{"serial": "FAKE01", "state": "unauthorized"}], (), "unauthorized"),
        ([PIXEL], ("--serial", "NOPE"), "NOPE is not attached"),
    ],
    ids=["none", "several-without-serial", "unauthorized", "unknown-serial"],
)
def test_device_problems_are_one_line_errors(
    tmp_path: Path, devices: list, extra: tuple, message: str
) -> None:
    env = install_fake_adb(tmp_path, devices)
    proc = run_bench(tmp_path, env, *extra)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert message in proc.stderr


def test_missing_adb_is_a_one_line_error(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    proc = run_bench(tmp_path, env)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "adb not found on PATH" in proc.stderr


def test_devices_listing_parses_states_and_properties() -> None:
    text = ("List of devices attached\n"
            "8ABX0Y1Z\tdevice usb:1-1 product:blueline model:Pixel_3 device:blueline\n"
            "emulator-5554\toffline\n\n")  # fmt: skip
    devices = parse_devices(text)
    assert [(d.serial, d.state) for d in devices] == [
        ("8ABX0Y1Z", "device"),
        ("emulator-5554", "offline"),
    ]
    assert devices[0].props["model"] == "Pixel_3"
    with pytest.raises(DeviceError, match="offline"):
        select_devices(devices, "emulator-5554", False)


# -- hostile strings: names from a manifest, and anything that reaches the device's shell -------
# The fuzz tests run derandomized: the same examples on every run keep the suite deterministic;
# raise max_examples (or drop derandomize) locally to search further.
#: the issue's examples plus the classic shell and path tricks
HOSTILE = [
    "tiny;reboot;echo $(id)",
    "../../../x",
    "a b",
    "x\ny",
    "it's",
    'say "hi"',
    "`id`",
    "$HOME",
    "-rf",
    ".",
    "..",
    "a/b",
    "a|b&&c",
    "",
    " ",
    "*",
    "\\",
]
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
UNSAFE_NAMES = st.one_of(
    st.sampled_from(HOSTILE), ANY_TEXT.filter(lambda t: SAFE_NAME.fullmatch(t) is None)
)


def write_hostile_manifest(root: Path, where: str, name: str) -> None:
    """Fake artifacts whose manifest carries `name` as the model tag, task or a .pte file name
    (with the sha256 of a real file, as a hand-edited folder would)."""
    task_dir = make_fake_artifacts(root)
    path = task_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    if where == "tag":
        manifest["model"]["tag"] = name
    elif where == "task":
        manifest["task"]["name"] = name
    else:
        entry = manifest["artifacts"].pop("squeezebert_tiny_xnnpack_q8.pte")
        manifest["artifacts"][name] = {**entry, "file": name}
    path.write_text(json.dumps(manifest))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(name=UNSAFE_NAMES, where=st.sampled_from(["tag", "task", "file"]))
@example(name="tiny;reboot;echo $(id)", where="tag")
@example(name="../../../x", where="file")
def test_unsafe_names_in_a_manifest_are_refused_before_anything_reaches_adb(
    name: str, where: str
) -> None:
    assume(name or where == "file")  # an empty tag or task means "use the folder's name"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        write_hostile_manifest(tmp_path / "art", where, name)
        env = install_fake_adb(tmp_path, [PIXEL])
        proc = run_bench(tmp_path, env)
        assert proc.returncode == 8  # integrity: a manifest no build writes
        err = proc.stderr.strip()
        # one line that names the refused string (the manifest reader or the adb layer's
        # name check, whichever sees it first)
        assert err.startswith("error: ") and "\n" not in err, err
        assert repr(name) in err or name in err, err
        assert fake_adb_calls(env) == []  # refused before adb ran at all
        assert not (tmp_path / "out").exists()


@pytest.fixture
def fake_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AdbClient, dict]:
    env = install_fake_adb(tmp_path, [PIXEL])
    monkeypatch.setenv("FAKE_ADB_ROOT", env["FAKE_ADB_ROOT"])
    adb = str(tmp_path / "fake-adb-bin" / "adb")
    return AdbClient(adb, PIXEL["serial"], timeout=120), env


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(args=st.lists(st.one_of(st.sampled_from(HOSTILE), ANY_TEXT), min_size=1, max_size=4))
def test_every_argument_reaches_the_device_shell_as_exactly_one_word(
    fake_device: tuple[AdbClient, dict], args: list[str]
) -> None:
    client, env = fake_device
    client.shell("echo", *args)
    line = fake_adb_remote_lines(env)[-1]
    assert line["unquoted"] == [] and line["words"] == ["echo", *args]


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(directory=st.one_of(st.sampled_from(HOSTILE), ANY_TEXT))
def test_a_glob_quotes_its_directory_and_leaves_only_the_pattern_to_the_shell(
    fake_device: tuple[AdbClient, dict], directory: str
) -> None:
    client, env = fake_device
    with contextlib.suppress(DeviceError):  # the fake refuses paths outside its device
        client.shell("rm", "-f", Glob(f"{REMOTE_ROOT}/{directory}", "*.pte"))
    line = fake_adb_remote_lines(env)[-1]
    assert line["unquoted"] == []
    assert line["words"] == ["rm", "-f", f"{REMOTE_ROOT}/{directory}/*.pte"]


def test_a_hung_adb_is_a_one_line_error_naming_the_device_and_the_step(tmp_path: Path) -> None:
    # The fake never answers a per-device command; only the timeout can end the wait.
    env = install_fake_adb(tmp_path, [PIXEL], hang_on=["-s"])
    proc = run_bench(tmp_path, env, "--adb-timeout", "1")
    assert proc.returncode == 3
    err = proc.stderr.strip()
    assert "\n" not in err, err
    assert err.startswith("error: device FAKE01 lost during setup")
    assert "no answer to `adb shell pm path org.squeezebertmobile.app` within 1s" in err


def test_a_hung_device_listing_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = install_fake_adb(tmp_path, [PIXEL], hang_on=["devices"])
    monkeypatch.setenv("FAKE_ADB_ROOT", env["FAKE_ADB_ROOT"])
    with pytest.raises(DeviceError, match=r"`adb devices -l` did not answer within 0.5s"):
        list_devices(str(tmp_path / "fake-adb-bin" / "adb"), timeout=0.5)


def test_a_static_artifact_runs_on_the_phone_only_at_its_own_signature_lengths(
    tmp_path: Path,
) -> None:
    # The driver decides from the manifest's signatures, whatever the format; the fake phone
    # only answers for .pte files, so the int8 .pte plays a static artifact holding seq_64.
    task_dir = make_fake_artifacts(tmp_path / "art")
    manifest = json.loads((task_dir / "manifest.json").read_text())
    static = "squeezebert_tiny_xnnpack_q8.pte"
    manifest["artifacts"][static]["signatures"] = {"seq_64": 64}
    (task_dir / "manifest.json").write_text(json.dumps(manifest))
    env = install_fake_adb(tmp_path, [PIXEL])
    proc = run_bench(tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    assert "has signatures for lengths 64 only: not timed at 32" in proc.stderr
    starts = [" ".join(c) for c in fake_adb_calls(env) if c[2:5] == ["shell", "am", "start"]]
    lengths = {
        file: [s.split("--ei seq_len ")[1].split()[0] for s in starts if file in s]
        for file in (static, "squeezebert_tiny_xnnpack_fp32.pte")
    }
    assert lengths[static] == ["0", "64"]  # real inputs, then its one signature: never padded
    assert lengths["squeezebert_tiny_xnnpack_fp32.pte"] == ["0", "32", "64"]
