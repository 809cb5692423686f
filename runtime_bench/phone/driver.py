"""The phone benchmark over adb: push artifacts, run BenchmarkActivity, pull and merge results.

Talks to the device only through the `adb` executable (found on PATH), by way of
runtime_bench.phone.adb_client, which quotes every remote command and times out every call; the
whole driver is tested at that process boundary with a fake `adb`. It has not been run against a real phone
on this project's machines (no device is attached to them).

Flow per device: check state -> read its CPU clusters (runtime_bench.phone.device_state) -> push each
task dir's model files, task.json, bench_inputs.json and vocab.txt to
/data/local/tmp/squeezebert-mobile/<tag>/<task>/ -> optionally install the APK -> for every
artifact, first on the real inputs at their own lengths, then at each fixed length: wait (with a
bound) until the phone is cool, clear the old result file, `am start -W -S` the activity with
one thread on that one file, pin the app to one core of the chosen cluster, poll `run-as
<package> cat files/benchmark_results.json` until the run's entries are there -> merge into
results.json after every pull (runtime_bench.store: a phone's earlier entry is replaced only by
a complete run covering it). Each record says where it ran (placement), how hot the phone was
(thermal), and per sample the core and clock. A device that disappears or stops answering keeps
what was pulled and the run names what is missing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import logging
import sys
from pathlib import Path
from typing import Any

from export.errors import INTERRUPTED
from runtime_bench.artifacts import DEVICE_BACKENDS, ArtifactSpec, runs_at
from runtime_bench.errors import DeviceError
from runtime_bench.options import BenchOptions
from runtime_bench.phone.adb_client import AdbClient, DeviceLost, list_devices
from runtime_bench.phone.device_state import (
    choose_core,
    discover_clusters,
    pin,
    throttled_samples,
    wait_until_cool,
)
from runtime_bench.phone.steps import (
    ACTIVITY,
    ERROR_FILE,
    PACKAGE,
    REAL_INPUTS,
    REMOTE_ROOT,
    AdbConfig,
    Device,
    DeviceUnit,
    RunFailed,
    find_adb,
    install_apk,
    parse_devices,
    pull_results,
    push_task_dir,
    remote_path,
    select_devices,
    start_activity,
    task_dirs_for,
    to_records,
)
from runtime_bench.report.render import write_report
from runtime_bench.results import new_document
from runtime_bench.store import ResultsStore, device_ids, may_replace

__all__ = [
    "ACTIVITY",
    "ERROR_FILE",
    "PACKAGE",
    "REMOTE_ROOT",
    "AdbBenchmark",
    "AdbConfig",
    "DeviceUnit",
    "find_adb",
    "parse_devices",
    "run_adb",
    "select_devices",
    "to_records",
]


log = logging.getLogger("runtime_bench.phone.driver")


def _serial(entry: dict[str, Any]) -> str:
    return str(entry.get("device", {}).get("serial"))


class AdbBenchmark:
    """Runs the device benchmark on the selected devices and merges into results.json.

    Each phone's new entry replaces its earlier one in the published results.json only when
    that loses nothing (runtime_bench.store); until then it is kept in this run's own folder.
    """

    def __init__(
        self,
        specs: list[ArtifactSpec],
        config: AdbConfig,
        store: ResultsStore,
        host: dict[str, Any],
    ) -> None:
        self.specs = specs
        self.config = config
        self.store = store
        base = store.published
        if base is None:
            base = new_document(host, {})
            base["status"] = "device-only"  # no host benchmark in this file
        self.base = base
        self.entries: dict[str, dict[str, Any]] = {}  # this run's entry per serial
        self._published: set[str] = set()  # serials whose new entry is in results.json
        self.doc = base  # what results.json holds
        self.held_doc: dict[str, Any] | None = None  # everything this run measured, if held back

    @property
    def held(self) -> list[str]:
        """Serials whose new entry is kept in this run's folder, not in results.json."""
        return [serial for serial in self.entries if serial not in self._published]

    def _device_entry(self, device: Device) -> dict[str, Any]:
        entry = {
            "device": {
                "serial": device.serial,
                "brand": "",
                "model": device.props.get("model", ""),
                "soc": "",
                "os": "",
            },
            "status": "running",
            "config": {
                "seq_lens": self.config.seq_lens,
                "real_inputs": self.config.real_inputs,
                "runs": self.config.runs,
                "warmup": self.config.warmup,
                "num_threads": 1,
                "cluster": self.config.cluster,
                "max_temp_c": self.config.max_temp_c,
                "cool_wait_s": self.config.cool_wait,
            },
            "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "records": [],
            "missing": [],
        }
        self.entries[device.serial] = entry
        return entry

    def _save(self) -> None:
        """Publish each new entry that loses nothing; set the rest aside (OSError propagates)."""
        earlier = {_serial(d): d for d in self.base.get("devices", [])}
        others = [d for d in self.base.get("devices", []) if _serial(d) not in self.entries]
        chosen = []
        for serial, entry in self.entries.items():
            if serial in self._published or may_replace(
                device_ids(earlier.get(serial)), device_ids(entry), entry["status"] == "complete"
            ):
                self._published.add(serial)
                chosen.append(entry)
            elif serial in earlier:
                chosen.append(earlier[serial])
        self.doc = {**self.base, "devices": others + chosen}
        self.store.publish(self.doc)
        if self.held:
            self.held_doc = {**self.base, "devices": others + list(self.entries.values())}
            self.store.set_aside(self.held_doc)
        else:
            self.held_doc = None
            self.store.drop_run_dir()

    def write_reports(self) -> None:
        """report.md for results.json, and for this run's own folder if it holds anything."""
        if self.doc.get("devices"):
            write_report(self.doc, self.store.out_dir)
        if self.held_doc is not None:
            write_report(self.held_doc, self.store.run_dir)

    def run(self, adb: str) -> list[str]:
        """Benchmark every selected device; return one line per device problem (empty = ok)."""
        devices = select_devices(
            parse_devices(list_devices(adb)), self.config.serial, self.config.all_devices
        )
        groups = task_dirs_for(self.specs)
        if not groups:
            raise DeviceError(
                f"no {', '.join(DEVICE_BACKENDS)} artifact selected; the phone runs only those"
            )
        problems = []
        for device in devices:
            client = AdbClient(adb, device.serial, self.config.adb_timeout)
            problem = self._run_device(client, device, groups)
            if problem:
                problems.append(problem)
        return problems

    def _run_device(
        self, client: AdbClient, device: Device, groups: dict[Path, list[ArtifactSpec]]
    ) -> str | None:
        entry = self._device_entry(device)
        lengths = [REAL_INPUTS] * self.config.real_inputs + list(self.config.seq_lens)
        units = [
            DeviceUnit(spec.model, spec.model_tag, spec.task,
                       remote_path(spec.model_tag, spec.task), (spec.file,), seq_len,
                       (spec.backend,))
            for specs in groups.values()
            for seq_len in lengths
            for spec in specs
            if seq_len == REAL_INPUTS or runs_at(spec, seq_len)  # as on the host: no padding
        ]  # fmt: skip
        done: set[str] = set()
        current = "setup"
        try:
            install_apk(client, self.config.apk)
            clusters = discover_clusters(client)
            entry["device"]["clusters"] = [dataclasses.asdict(c) for c in clusters]
            core = choose_core(clusters, self.config.cluster)
            for task_dir, specs in groups.items():
                current = f"push {specs[0].model_tag}/{specs[0].task}"
                push_task_dir(client, task_dir, specs)
            warned = False
            for unit in units:
                current = unit.name
                thermal = wait_until_cool(
                    client, self.config.max_temp_c, self.config.cool_wait,
                    self.config.poll_interval,
                )  # fmt: skip
                if thermal["gate"] == "timed out":
                    log.warning(
                        "device %s still hot after %.0fs (battery %s °C, thermal status %s); "
                        "running %s anyway, flagged in its records", device.serial,
                        self.config.cool_wait, thermal["battery_c"], thermal["status"], unit.name,
                    )  # fmt: skip
                start_activity(client, unit, self.config)
                placement = pin(client, core, self.config.cluster)
                if "refused" in placement.note and not warned:
                    warned = True
                    log.warning("device %s: %s; the records say so", device.serial, placement.note)
                try:
                    entries = pull_results(client, unit, self.config)
                except (TimeoutError, RunFailed) as exc:
                    why = "timed out" if isinstance(exc, TimeoutError) else f"failed: {exc}"
                    entry["missing"].append(f"{unit.name} ({why})")
                    entry["status"] = "incomplete"
                    self._save()
                    continue
                records, info = to_records(entries, unit, device.serial)
                for record in records:
                    record["placement"] = dataclasses.asdict(placement)
                    record["thermal"] = thermal
                    record["metrics"]["throttled_samples"] = throttled_samples(
                        record["sample_freq_khz"], record["sample_max_freq_khz"]
                    )
                entry["device"].update(
                    {k: v for k, v in {
                        "brand": info.get("device"), "model": info.get("arch"),
                        "soc": info.get("soc"), "os": info.get("os"),
                        "total_mem": info.get("totalMem"),
                    }.items() if v}
                )  # fmt: skip
                entry["records"].extend(records)
                done.add(unit.name)
                self._save()
        except DeviceError:
            entry["missing"] = [u.name for u in units if u.name not in done]
            entry["status"] = "failed"
            self._save()
            raise
        except DeviceLost as exc:
            missing = [u.name for u in units if u.name not in done]
            entry["missing"] = sorted(set(entry["missing"]) | set(missing))
            entry["status"] = "lost"
            self._save()
            return (
                f"device {device.serial} lost during {current} ({exc}); kept "
                f"{len(entry['records'])} records, missing {', '.join(missing)}"
            )
        entry["status"] = "complete" if not entry["missing"] else "incomplete"
        self._save()
        if entry["missing"]:
            return f"device {device.serial}: missing {', '.join(entry['missing'])}"
        return None


def run_adb(
    options: BenchOptions,
    specs: list[ArtifactSpec],
    store: ResultsStore,
    host: dict[str, Any],
) -> int:
    """The phone benchmark; a lost device keeps what was pulled and names what is missing."""
    adb = find_adb()
    config = AdbConfig(
        seq_lens=list(options.seq_lens),
        runs=options.runs,
        warmup=options.warmup,
        apk=options.apk,
        serial=options.serial,
        all_devices=options.all_devices,
        run_timeout=options.run_timeout,
        poll_interval=options.poll_interval,
        adb_timeout=options.adb_timeout,
        cluster=options.cluster,
        max_temp_c=options.max_temp,
        cool_wait=options.cool_wait,
        litert_api=options.litert_api,
    )
    bench = AdbBenchmark(specs, config, store, host)
    try:
        problems = bench.run(adb)
    except KeyboardInterrupt:
        where = store.run_dir if bench.held else store.out_dir
        print(
            f"interrupted: kept the device records pulled so far in {where / 'results.json'}",
            file=sys.stderr,
        )
        return INTERRUPTED
    except OSError as exc:
        raise store.write_error(exc) from None
    finally:
        with contextlib.suppress(OSError):  # a full disk is reported above
            bench.write_reports()
    for serial in bench.held:
        print(
            f"warning: device {serial}: this run's results are in "
            f"{store.run_dir / 'results.json'}; {store.published_path} keeps the earlier "
            f"entry for {serial} (only a complete run covering it replaces it)",
            file=sys.stderr,
        )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    devices = bench.doc["devices"]
    print(
        f"wrote {store.published_path} with {sum(len(d['records']) for d in devices)} "
        f"device records from {len(devices)} device(s)"
    )
    return DeviceError.exit_code if problems else 0
