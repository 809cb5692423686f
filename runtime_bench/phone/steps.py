"""The steps of the phone benchmark on one device, over runtime_bench.phone.adb_client: pick the
devices, push a task folder, start BenchmarkActivity, pull its results and turn them into
results.json records."""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.backends import CATALOG
from export.errors import first_line
from export.quantization import PRECISION_ALIASES, REFERENCE_PRECISION
from runtime_bench.artifacts import DEVICE_BACKENDS, SAFE_NAME, ArtifactSpec
from runtime_bench.errors import DeviceError
from runtime_bench.phone.adb_client import (
    DEFAULT_TIMEOUT,
    AdbClient,
    Glob,
)
from runtime_bench.results import LOAD_STATUS, SAMPLES, record_id

PACKAGE = "org.squeezebertmobile.app"
ACTIVITY = ".BenchmarkActivity"
REMOTE_ROOT = "/data/local/tmp/squeezebert-mobile"
RESULTS_FILE = "files/benchmark_results.json"
#: BenchmarkActivity writes a one-line reason here instead when a run cannot start
ERROR_FILE = "files/benchmark_error.txt"
SIDE_FILES = ("task.json", "bench_inputs.json", "vocab.txt")
#: the app's "quantization" field (a scheme's name or file tag) -> precision
QUANTIZATION_TO_PRECISION = PRECISION_ALIASES


class RunFailed(Exception):
    """One activity run failed on the device (its reason); the driver goes on with the next."""


@dataclass(frozen=True)
class Device:
    serial: str
    state: str  # device | unauthorized | offline | ...
    props: dict[str, str] = field(default_factory=dict)


@dataclass
class AdbConfig:
    seq_lens: list[int]
    runs: int = 50
    warmup: int = 5
    apk: Path | None = None
    serial: str | None = None
    all_devices: bool = False
    run_timeout: float = 1800.0  # seconds to wait for one activity run's results
    poll_interval: float = 2.0
    adb_timeout: float = DEFAULT_TIMEOUT  # seconds for any single adb command
    cluster: str = "big"  # big | little | all (runtime_bench.phone.device_state)
    max_temp_c: float = 38.0  # the thermal gate's battery threshold
    cool_wait: float = 300.0  # seconds the gate waits at most before a run goes on, flagged
    real_inputs: bool = True  # also time the real examples at their own lengths (seq_len 0)
    litert_api: str = "compiled"  # the app's LiteRT API for .tflite files: compiled | interpreter


def find_adb() -> str:
    """Path of adb on PATH, or a one-line error saying how to get it."""
    path = shutil.which("adb")
    if path is None:
        raise DeviceError(
            "adb not found on PATH; install Android platform-tools (e.g. apt-get install adb) "
            "and connect a phone with USB debugging on"
        )
    return path


def parse_devices(text: str) -> list[Device]:
    """Devices from `adb devices -l` output."""
    devices = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("List of devices", "*")):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        props = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
        devices.append(Device(parts[0], parts[1], props))
    return devices


def select_devices(devices: list[Device], serial: str | None, all_devices: bool) -> list[Device]:
    """The devices to run on, or a one-line error for none / ambiguous / unauthorized."""
    if not devices:
        raise DeviceError(
            "no Android device attached; connect one with USB debugging on and check `adb devices`"
        )

    def usable(device: Device) -> Device:
        if device.state == "unauthorized":
            raise DeviceError(
                f"device {device.serial} is unauthorized; unlock it and accept the USB "
                "debugging prompt, then retry"
            )
        if device.state != "device":
            raise DeviceError(
                f"device {device.serial} is {device.state}; reconnect it until `adb devices` "
                "shows it as 'device'"
            )
        return device

    if serial is not None:
        for device in devices:
            if device.serial == serial:
                return [usable(device)]
        raise DeviceError(
            f"device {serial} is not attached (attached: "
            f"{', '.join(d.serial for d in devices)}); fix --serial"
        )
    if all_devices:
        return [usable(d) for d in devices]
    if len(devices) > 1:
        raise DeviceError(
            f"{len(devices)} devices attached ({', '.join(d.serial for d in devices)}); "
            "pick one with --serial S or use --all-devices"
        )
    return [usable(devices[0])]


#: the seq_len extra that makes BenchmarkActivity time each real example at its own length
REAL_INPUTS = 0


@dataclass(frozen=True)
class DeviceUnit:
    """One activity run: one pushed artifact at one sequence length (0: the real inputs at
    their own lengths), in a fresh process, so each artifact's load is gated and its peak RSS
    is its own."""

    model: str
    model_tag: str
    task: str
    remote_dir: str
    files: tuple[str, ...]  # .pte / .tflite names pushed there
    seq_len: int
    backends: tuple[str, ...] = ()  # each file's backend, in `files` order

    def backend_of(self, file: str, reported: str) -> str:
        """The backend of a pushed file: as discovered, else as the phone reported it when
        that names a backend, else the on-device backend whose files end like it."""
        known = dict(zip(self.files, self.backends, strict=False))
        if file in known:
            return known[file]
        if reported in CATALOG:
            return reported
        for name in DEVICE_BACKENDS:
            if file.endswith(CATALOG[name].extension):
                return name
        return reported

    @property
    def length_label(self) -> str:
        return "real" if self.seq_len == REAL_INPUTS else f"L{self.seq_len}"

    @property
    def name(self) -> str:
        return f"{self.model_tag}/{self.task}/{'+'.join(self.files)}/{self.length_label}"


def task_dirs_for(specs: list[ArtifactSpec]) -> dict[Path, list[ArtifactSpec]]:
    """Device specs grouped by task directory (one remote dir and one activity run each)."""
    groups: dict[Path, list[ArtifactSpec]] = defaultdict(list)
    for spec in specs:
        if spec.backend in DEVICE_BACKENDS:
            groups[spec.task_dir].append(spec)
    return dict(groups)


def remote_path(*parts: str) -> str:
    """A path under REMOTE_ROOT; every part must be a plain name (no '/', '..' or odd bytes)."""
    for part in parts:
        if SAFE_NAME.fullmatch(part) is None:
            raise DeviceError(f"refusing to use {part!r} as a path part on the phone")
    return "/".join((REMOTE_ROOT, *parts))


def push_task_dir(client: AdbClient, task_dir: Path, specs: list[ArtifactSpec]) -> str:
    """Copy the selected model files and the app's side files; return the remote dir."""
    spec = specs[0]
    remote = remote_path(spec.model_tag, spec.task)
    client.shell("mkdir", "-p", remote)
    # The activity runs every model file in the dir.
    suffixes = dict.fromkeys(CATALOG[name].extension for name in DEVICE_BACKENDS)
    client.shell("rm", "-f", *(Glob(remote, f"*{suffix}") for suffix in suffixes))
    for name in [s.file for s in specs] + [n for n in SIDE_FILES if (task_dir / n).is_file()]:
        client.push(str(task_dir / name), remote_path(spec.model_tag, spec.task, name))
    return remote


def install_apk(client: AdbClient, apk: Path | None) -> None:
    """Install the APK if given; either way the benchmark app must be present."""
    if apk is not None:
        if not apk.is_file():
            raise DeviceError(f"APK {apk} does not exist; build it with ./gradlew assembleDebug")
        out = client.install(str(apk))
        if "Success" not in out:
            raise DeviceError(f"installing {apk} on {client.serial} failed: {out.strip()[-200:]}")
    # `pm path` exits 1 when the package is absent; that is an answer, not a failure.
    if "package:" not in client.shell("pm", "path", PACKAGE, allow_failure=True):
        raise DeviceError(
            f"{PACKAGE} is not installed on {client.serial}; pass --apk "
            "android_app/app/build/outputs/apk/debug/app-debug.apk"
        )


def start_activity(client: AdbClient, unit: DeviceUnit, config: AdbConfig) -> None:
    """Launch BenchmarkActivity for one unit; `-S` force-stops any previous run first."""
    client.shell("run-as", PACKAGE, "rm", "-f", RESULTS_FILE, ERROR_FILE)
    out = client.shell(
        "am", "start", "-W", "-S", "-n", f"{PACKAGE}/{ACTIVITY}",
        "--es", "model_dir", unit.remote_dir,
        "--es", "model_file", unit.files[0],
        "--ei", "num_iter", str(config.runs),
        "--ei", "num_warm_up_iter", str(config.warmup),
        "--ei", "num_threads", "1",
        "--ei", "seq_len", str(unit.seq_len),
        "--es", "litert_api", config.litert_api,
    )  # fmt: skip
    errors = [
        line.strip()
        for line in out.splitlines()
        if line.strip().startswith("Error") or "SecurityException" in line
    ]
    if errors:
        raise DeviceError(
            f"am start failed on {client.serial}: {errors[0]}; BenchmarkActivity exists only in "
            "debuggable builds: pass --apk android_app/app/build/outputs/apk/debug/app-debug.apk"
        )


def _entries_complete(entries: Any, unit: DeviceUnit) -> bool:
    """True once the results hold a load_status for every pushed file at this length."""
    if not isinstance(entries, list):
        return False
    done = set()
    for entry in entries:
        model = entry.get("benchmarkModel", {}) if isinstance(entry, dict) else {}
        if entry.get("metric") == LOAD_STATUS and int(model.get("seqLen", -1)) == unit.seq_len:
            done.add(model.get("file"))
    return all(name in done for name in unit.files)


def pull_results(
    client: AdbClient,
    unit: DeviceUnit,
    config: AdbConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Poll the app's result file until this unit's entries are complete (or time out)."""
    deadline = time.monotonic() + config.run_timeout
    while True:
        try:
            text = client.exec_out("run-as", PACKAGE, "cat", RESULTS_FILE)
            entries = json.loads(text)
        except DeviceError as exc:
            if any(m in str(exc) for m in ("not debuggable", "unknown package")):
                raise DeviceError(
                    f"run-as {PACKAGE} refused on {client.serial} ({exc}); install a debuggable "
                    "build (./gradlew assembleDebug) with --apk"
                ) from None
            entries = None  # file not written yet: run-as cat fails
        except ValueError:
            entries = None  # partially written
        if _entries_complete(entries, unit):
            return entries
        reason = client.exec_out("run-as", PACKAGE, "cat", ERROR_FILE, allow_failure=True)
        if reason.strip() and "No such file" not in reason:
            raise RunFailed(first_line(reason))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{unit.name}: no complete results after {config.run_timeout:.0f}s")
        sleep(config.poll_interval)


def to_records(
    entries: list[dict[str, Any]], unit: DeviceUnit, serial: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Device JSON entries -> one results.json record per file, plus the device info."""
    metrics: dict[str, dict[str, float]] = defaultdict(dict)
    models: dict[str, dict[str, Any]] = {}
    samples: dict[str, dict[str, list]] = {}
    info: dict[str, Any] = {}
    for entry in entries:
        model = entry.get("benchmarkModel", {})
        if int(model.get("seqLen", -1)) != unit.seq_len or model.get("file") not in unit.files:
            continue
        if entry["metric"] == SAMPLES:  # the per-sample lists, not a number
            samples[model["file"]] = entry.get("samples") or {}
            continue
        metrics[model["file"]][entry["metric"]] = float(entry["actualValue"])
        models[model["file"]] = model
        info = entry.get("deviceInfo", info) or info
    records = []
    for file, values in sorted(metrics.items()):
        model = models[file]
        precision = QUANTIZATION_TO_PRECISION.get(
            str(model.get("quantization")), REFERENCE_PRECISION
        )
        backend = unit.backend_of(file, str(model.get("backend")))
        if "num_iter" in values:
            values["num_iter"] = int(values["num_iter"])
        rid = record_id(unit.model_tag, unit.task, backend, precision, unit.seq_len)
        if unit.seq_len == REAL_INPUTS:
            rid = rid.rsplit("/", 1)[0] + "/real"
        lists = samples.get(file, {})
        records.append(
            {
                "id": f"{serial}/{rid}",
                "model": unit.model,
                "model_tag": unit.model_tag,
                "task": unit.task,
                "backend": backend,
                "delegate": str(model.get("backend", "")),
                "precision": precision,
                "file": file,
                "seq_len": unit.seq_len,
                "num_threads": int(model.get("numThreads", 0)),
                "inputs": "real" if unit.seq_len == REAL_INPUTS else "fixed",
                # which LiteRT API ran a .tflite (the app's `runtimeApi`); None for a .pte
                "runtime_api": model.get("runtimeApi"),
                "metrics": values,
                "samples_ms": [float(v) for v in lists.get("ms", [])],
                "sample_cpu": [int(v) for v in lists.get("cpu", [])],
                "sample_freq_khz": [int(v) for v in lists.get("freq_khz", [])],
                "sample_max_freq_khz": [int(v) for v in lists.get("max_freq_khz", [])],
            }
        )
    return records, info
