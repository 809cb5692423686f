"""The phone's state around each on-device run: which cores, pinned or not, and how hot.

A single-threaded benchmark on a big.LITTLE phone runs wherever the scheduler puts it, and a
phone that heats up over a long round-robin slows down whatever is timed last. So before each
run the driver:

* reads the clusters once per device: `cpufreq/cpuinfo_max_freq` per core, grouped by
  `cpufreq/related_cpus` (the cores sharing one clock), else `topology/physical_package_id`,
  else equal maximum clocks (android_app core's CpuClusters applies the same rule in the app);
* waits, up to a bound, until the battery is at most `max_temp_c` and the thermal service
  reports no throttling (`dumpsys battery`, `dumpsys thermalservice`), and records the readings;
* after `am start`, pins the app process (every thread, `taskset -a -p`, run as the app's own
  user through `run-as`, since the shell user may not change another uid's affinity) to one core
  of the chosen cluster. A phone without taskset, or one that refuses, gives one warning line
  and the run goes on unpinned, labelled so in its records.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from runtime_bench.phone.adb_client import AdbClient
from runtime_bench.phone.steps import PACKAGE

CPU_ROOT = "/sys/devices/system/cpu"
#: --cluster choices: the fastest cluster, the slowest, or no pinning at all
CLUSTERS = ("big", "little", "all")
#: PowerManager's THERMAL_STATUS_NONE; LIGHT (1) and above mean the platform throttles
THERMAL_NONE = 0
#: a sample below this share of its cluster's maximum clock counts as throttled
THROTTLED_BELOW = 0.9


@dataclass(frozen=True)
class Cluster:
    cpus: tuple[int, ...]
    max_khz: int


@dataclass(frozen=True)
class Placement:
    """Where a run was asked to go and whether the phone agreed."""

    cluster: str  # big | little | all
    cpu: int | None  # the pinned core, None when unpinned
    pinned: bool
    note: str = ""


def parse_cpu_list(text: str) -> list[int]:
    """A kernel CPU list ("0-3,6" or "0 1 2 3") as core numbers."""
    cpus: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if "-" in part:
            low, high = part.split("-", 1)
            cpus += range(int(low), int(high) + 1)
        elif part:
            cpus.append(int(part))
    return cpus


def parse_grep_listing(text: str) -> dict[str, str]:
    """`grep -H '' FILE...` output ("path:content" lines) as path -> content."""
    files = {}
    for line in text.splitlines():
        path, sep, content = line.partition(":")
        if sep and path.startswith("/"):
            files[path] = content.strip()
    return files


def group_clusters(files: dict[str, str], cpus: list[int]) -> list[Cluster]:
    """Clusters, slowest maximum clock first, from the per-core sysfs files."""
    groups: dict[str, list[int]] = {}
    clocks: dict[str, int] = {}
    for cpu in cpus:
        base = f"{CPU_ROOT}/cpu{cpu}"
        max_khz = files.get(f"{base}/cpufreq/cpuinfo_max_freq", "")
        if not max_khz.isdigit():
            continue
        related = files.get(f"{base}/cpufreq/related_cpus")
        package = files.get(f"{base}/topology/physical_package_id")
        key = f"related:{related}" if related else f"package:{package}" if package else max_khz
        groups.setdefault(key, []).append(cpu)
        clocks[key] = max(clocks.get(key, 0), int(max_khz))
    return sorted(
        (Cluster(tuple(group), clocks[key]) for key, group in groups.items()),
        key=lambda c: (c.max_khz, c.cpus[0]),
    )


def discover_clusters(client: AdbClient) -> list[Cluster]:
    """The device's clusters ([] when it exposes no cpufreq, e.g. some emulators)."""
    possible = client.shell("cat", f"{CPU_ROOT}/possible", allow_failure=True)
    try:
        cpus = parse_cpu_list(possible)
    except ValueError:
        return []
    names = ("cpufreq/cpuinfo_max_freq", "cpufreq/related_cpus", "topology/physical_package_id")
    paths = [f"{CPU_ROOT}/cpu{cpu}/{name}" for cpu in cpus for name in names]
    # grep prints every readable file and exits 2 for the missing ones: an answer, not a failure
    listing = client.shell("grep", "-H", "", *paths, allow_failure=True) if paths else ""
    return group_clusters(parse_grep_listing(listing), cpus)


def choose_core(clusters: list[Cluster], which: str) -> int | None:
    """The core to pin to: the last core of the fastest (big) or slowest (little) cluster."""
    if which == "all" or not clusters:
        return None
    cluster = clusters[-1] if which == "big" else clusters[0]
    return cluster.cpus[-1]


def cluster_max_khz(clusters: list[Cluster], cpu: int) -> int | None:
    for cluster in clusters:
        if cpu in cluster.cpus:
            return cluster.max_khz
    return None


def pin(client: AdbClient, cpu: int | None, which: str) -> Placement:
    """Pin every thread of the running app to `cpu`; a refusal is a labelled unpinned run."""
    if cpu is None:
        reason = "--cluster all" if which == "all" else "no cpufreq clusters found"
        return Placement(which, None, False, f"unpinned ({reason})")
    pids = client.shell("pidof", PACKAGE, allow_failure=True).split()
    if not pids:
        return Placement(which, None, False, "unpinned (the app process was not running)")
    mask = format(1 << cpu, "x")
    code, out = client.shell_status("run-as", PACKAGE, "taskset", "-a", "-p", mask, pids[0])
    if code != 0:
        line = (out.strip().splitlines() or [f"exit {code}"])[-1]
        return Placement(which, None, False, f"unpinned (taskset refused: {line})")
    return Placement(which, cpu, True, f"pinned to cpu{cpu} with taskset")


@dataclass(frozen=True)
class Thermal:
    """One reading: battery and hottest CPU sensor in °C, the platform's thermal status."""

    battery_c: float | None
    cpu_c: float | None
    status: int | None

    def cool(self, max_temp_c: float) -> bool:
        hot = self.battery_c is not None and self.battery_c > max_temp_c
        return not hot and (self.status is None or self.status <= THERMAL_NONE)


def parse_battery(text: str) -> float | None:
    """`dumpsys battery`'s "temperature: 312" (tenths of a degree) in °C."""
    match = re.search(r"^\s*temperature:\s*(-?\d+)\s*$", text, re.MULTILINE)
    return int(match.group(1)) / 10 if match else None


def parse_thermalservice(text: str) -> tuple[int | None, float | None]:
    """`dumpsys thermalservice`: "Thermal Status: N" and the hottest CPU sensor (mType=0) of
    its "Current temperatures from HAL" section (else of the cached ones)."""
    status = re.search(r"^\s*Thermal Status:\s*(\d+)", text, re.MULTILINE)
    section = text.split("Current temperatures from HAL:", 1)[-1]
    temps = [float(v) for v in re.findall(r"Temperature\{mValue=(-?[\d.]+), mType=0,", section)]
    return (int(status.group(1)) if status else None), (max(temps) if temps else None)


def read_thermal(client: AdbClient) -> Thermal:
    battery = parse_battery(client.shell("dumpsys", "battery", allow_failure=True))
    status, cpu_c = parse_thermalservice(
        client.shell("dumpsys", "thermalservice", allow_failure=True)
    )
    return Thermal(battery, cpu_c, status)


def wait_until_cool(
    client: AdbClient,
    max_temp_c: float,
    bound_s: float,
    poll_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll until the phone is cool or `bound_s` has passed; the record of what was seen."""
    start = time.monotonic()
    readings = 0
    while True:
        reading = read_thermal(client)
        readings += 1
        seen = {**asdict(reading), "readings": readings}
        waited = round(time.monotonic() - start, 3)
        if reading.cool(max_temp_c):
            return {**seen, "waited_s": waited if readings > 1 else 0.0, "gate": "cool"}
        if waited >= bound_s:
            return {**seen, "waited_s": waited, "gate": "timed out"}
        sleep(poll_s)


def throttled_samples(freq_khz: list[int], max_khz: list[int]) -> int:
    """Samples whose core ran below THROTTLED_BELOW of its cluster's maximum clock."""
    return sum(
        1 for f, m in zip(freq_khz, max_khz, strict=False) if f > 0 and m > 0
        and f < THROTTLED_BELOW * m
    )  # fmt: skip


def add_phone_state_options(group: argparse._ArgumentGroup) -> None:
    """The CLI's options for pinning and the thermal gate (in its --adb group)."""
    group.add_argument(
        "--cluster",
        choices=CLUSTERS,
        default="big",
        help="pin the app to one core of the fastest (big) or slowest (little) cluster, or "
        "leave it unpinned (all) (default: big)",
    )
    group.add_argument(
        "--max-temp",
        type=float,
        default=38.0,
        help="before each run, wait until the battery is at most this many °C and the thermal "
        "service reports no throttling (default: 38)",
    )
    group.add_argument(
        "--litert-api",
        choices=("compiled", "interpreter"),
        default="compiled",
        help="the app's LiteRT API for .tflite files: CompiledModel with XNNPACK's weight cache, "
        "or the older Interpreter (default: compiled)",
    )
    group.add_argument(
        "--cool-wait",
        type=float,
        default=300.0,
        help="seconds to wait for that at most; then the run goes on, flagged (default: 300)",
    )
