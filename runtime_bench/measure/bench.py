"""The host benchmark: every selected artifact, round-robin, one thread, with its floor.

Order of work, most valuable first so an interrupted run still has the core numbers:
  1. host description, thread pinning, matmul peaks, FLOPs per model and length;
  2. latency groups (runtime_bench.measure.latency): per sequence length and task, all models x
     backends x precisions, round-robin over `sessions` fresh loads of each, the tasks
     taking turns load by load; results.json is rewritten after every length;
  3. the real-traffic view (runtime_bench.measure.traffic): per task, every artifact over the test split
     (or --eval-limit), example by example at its own length, interleaved;
  4. peak RSS per artifact in a fresh subprocess.
"""

from __future__ import annotations

import gc
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any

from export.errors import first_line
from export.quiet import native_teardown
from runtime_bench.analysis.ratios import compute_ratios
from runtime_bench.artifacts import ArtifactSpec, lengths_of, memory_lengths, runs_at
from runtime_bench.errors import BenchError
from runtime_bench.measure.inputs import BenchInputs, check_inputs
from runtime_bench.measure.latency import Measured, measure_length
from runtime_bench.measure.progress import Progress
from runtime_bench.measure.roofline import (
    DEFAULT_SIZES,
    FlopCount,
    count_flops,
    floor_ms,
    measure_peaks,
)
from runtime_bench.measure.runners import load_checked, load_eager_module, pin_single_thread
from runtime_bench.measure.schedule import DEFAULT_SESSIONS
from runtime_bench.measure.timing import cpu_wall_summary
from runtime_bench.results import FIRST, LOAD, LOAD_STATUS, latency_metrics, new_document, record_id
from runtime_bench.store import ResultsStore, host_ids, may_replace

#: the folder (beside results.json) that holds benchmark_model's input files
TFLITE_INPUTS_DIR = "benchmark_model_inputs"

#: RSS probes are independent processes; two at a time halves the phase on a 2-core host.
MEMORY_PROBES_IN_PARALLEL = 2


@dataclass
class BenchConfig:
    """What to run and how; stored verbatim in results.json."""

    seq_lens: list[int]
    runs: int = 50
    warmup: int = 5
    eval_limit: int | None = None
    #: passes over each test split in the real-traffic view (per-example median)
    traffic_rounds: int = 1
    evaluate: bool = True
    memory: bool = True
    matmul_sizes: list[int] = field(default_factory=lambda: list(DEFAULT_SIZES))
    batch_size: int = 1
    num_threads: int = 1
    #: fresh loads of every artifact per group; the measured rounds are split across them
    sessions: int = DEFAULT_SESSIONS


def preflight(specs: list[ArtifactSpec], seq_lens: list[int]) -> None:
    """Everything checkable before the output folder is touched: every task's inputs at every
    length, and every artifact loads and runs one example (one-line errors naming the file)."""
    check_inputs([s.task_dir for s in specs], seq_lens)
    for spec in specs:
        shortest = min(lengths_of(spec, seq_lens))
        runner = load_checked(spec)
        try:
            runner(*BenchInputs(spec.task_dir, shortest)[0])
        except Exception as exc:
            detail = first_line(exc)
            raise BenchError(
                f"{spec.path} loads but cannot run a length-{shortest} example ({detail}); "
                "rebuild it with python -m export.build --force"
            ) from None
        finally:
            with native_teardown():  # LiteRT logs every environment it frees
                del runner


class HostBenchmark:
    """Runs the benchmark and saves results.json after every completed unit.

    Saves go to the published results.json only when that loses nothing (runtime_bench.store);
    `location` is the folder the latest save went to.
    """

    def __init__(
        self,
        specs: list[ArtifactSpec],
        config: BenchConfig,
        store: ResultsStore,
        host: dict[str, Any],
        progress: bool = True,
    ) -> None:
        self.specs = specs
        self.config = config
        self.store = store
        self.location = store.out_dir
        self.doc = new_document(host, {**asdict(config), "artifacts": [s.key for s in specs]})
        if store.published is not None:  # a phone run merged earlier stays in the file
            self.doc["devices"] = store.published.get("devices", [])
        self._replaces = host_ids(store.published)
        self._owns_published = False
        self.progress_enabled = progress
        self.flops: dict[tuple[str, str, int], FlopCount] = {}

    # -- bookkeeping -------------------------------------------------------------------------
    def save(self) -> None:
        """Write the document where it loses nothing (OSError, e.g. ENOSPC, propagates)."""
        self.doc["ratios"] = compute_ratios(self.doc["records"])
        complete = self.doc["status"] == "complete"
        if self._owns_published or may_replace(self._replaces, host_ids(self.doc), complete):
            self.location = self.store.publish(self.doc)
            self._owns_published = True
            if complete:
                self.store.drop_run_dir()
        else:
            self.location = self.store.set_aside(self.doc)

    @property
    def published(self) -> bool:
        """Whether this run's results are the output folder's results.json."""
        return self._owns_published

    def _tasks(self) -> list[str]:
        return list(dict.fromkeys(s.task for s in self.specs))

    def _total_calls(self) -> int:
        # per load: warm-up rounds + load + first inference
        per_group = self.config.runs + self.config.sessions * (self.config.warmup + 2)
        runs = sum(runs_at(s, n) for s in self.specs for n in self.config.seq_lens)
        calls = runs * per_group
        # the real-traffic calls are added once each task's split size is known
        calls += len(self.specs) if self.config.memory else 0
        return calls

    # -- phases ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run every phase; returns the final document (also written to results.json)."""
        phases = self.doc.setdefault("phase_seconds", {})
        start = time.perf_counter()
        self.doc["threads"] = pin_single_thread()
        peaks = measure_peaks(self.config.matmul_sizes)
        self.doc["peaks"] = {p: r.as_dict() for p, r in peaks.items()}
        self.peaks = {p: r.gops for p, r in peaks.items()}
        phases["matmul_peaks"] = time.perf_counter() - start
        start = time.perf_counter()
        self._count_flops()
        phases["flops"] = time.perf_counter() - start
        self.save()
        self._write_tflite_inputs()
        bar = Progress(self._total_calls(), self.progress_enabled)
        try:
            start = time.perf_counter()
            for seq_len in self.config.seq_lens:
                self.doc["records"].extend(self._measure_length(seq_len, bar))
                phases["latency"] = time.perf_counter() - start
                self.save()
            if self.config.evaluate:
                start = time.perf_counter()
                self._real_traffic(bar)
                phases["evaluation"] = time.perf_counter() - start
            if self.config.memory:
                start = time.perf_counter()
                self._memory(bar)
                phases["memory"] = time.perf_counter() - start
        finally:
            bar.close()
        self.doc["status"] = "complete"
        self.save()
        return self.doc

    def mark_interrupted(self, status: str = "interrupted") -> None:
        """Record that the run stopped early ("interrupted" or "failed"); completed records stay."""
        self.doc["status"] = status
        self.save()

    def _count_flops(self) -> None:
        seen: dict[tuple[str, str], ArtifactSpec] = {}
        for spec in self.specs:
            seen.setdefault((spec.model_tag, spec.task), spec)
        for (tag, task), spec in seen.items():
            module = load_eager_module(spec.task_dir)
            for seq_len in self.config.seq_lens:
                count = count_flops(module, seq_len)
                self.flops[(tag, task, seq_len)] = count
                self.doc["flops"].append({"model_tag": tag, "task": task, **count.as_dict()})
            del module
            gc.collect()

    def _measure_length(self, seq_len: int, bar: Progress) -> list[dict[str, Any]]:
        """Every task's latency group at one length (runtime_bench.measure.latency)."""
        groups = {
            task: [s for s in self.specs if s.task == task and runs_at(s, seq_len)]
            for task in self._tasks()
        }
        groups = {task: specs for task, specs in groups.items() if specs}
        config = self.config
        measured = measure_length(groups, seq_len, config.runs, config.warmup, config.sessions, bar)
        return [
            self._record(spec, seq_len, measured[spec.key])
            for items in groups.values()
            for spec in items
        ]

    def _record(self, spec: ArtifactSpec, seq_len: int, measured: Measured) -> dict[str, Any]:
        """One latency record, with the floor of this model at this length."""
        timings, load, first = measured.timings, measured.load, measured.first
        samples = [t.wall_ms for t in timings]
        metrics: dict[str, Any] = latency_metrics(samples)
        metrics[FIRST] = first.wall_ms
        metrics[LOAD] = load.wall_ms
        metrics[LOAD_STATUS] = 0
        cpu = cpu_wall_summary(timings)
        metrics["cpu_wall_ratio"] = cpu["cpu_wall_ratio"]
        metrics["max_cpu_wall_ratio"] = cpu["max_cpu_wall_ratio"]
        metrics["load_cpu_wall_ratio"] = load.cpu_wall_ratio
        metrics["first_cpu_wall_ratio"] = first.cpu_wall_ratio
        flops = self.flops.get((spec.model_tag, spec.task, seq_len))
        if flops is not None:
            floor = floor_ms(flops, spec.precision, self.peaks)
            median = metrics["median_inference_latency(ms)"]
            metrics["flops"] = flops.total
            metrics["floor_latency(ms)"] = floor
            metrics["x_floor"] = median / floor if floor > 0 else None
            metrics["achieved_gflops"] = flops.total / (median * 1e6) if median > 0 else None
        return {
            "id": record_id(spec.model_tag, spec.task, spec.backend, spec.precision, seq_len),
            "group": f"{spec.task}/L{seq_len}",
            **spec.as_dict(),
            "seq_len": seq_len,
            "batch_size": self.config.batch_size,
            "num_threads": self.config.num_threads,
            "warmup": self.config.warmup,
            "sessions": len(measured.session_medians),
            #: records sharing this took turns load by load: their rounds pair across tasks
            "interleave": f"L{seq_len}",
            #: each fresh load's median: the spread the pooled median averages over
            "session_medians_ms": measured.session_medians,
            "metrics": metrics,
            "samples_ms": samples,
            "cpu_samples_ms": [t.cpu_ms for t in timings],
        }

    def _write_tflite_inputs(self) -> None:
        """`benchmark_model` input files for every .tflite (export.tflite_inputs), in the output
        folder, so LiteRT's own C++ tool can time our files on real token ids. They depend on
        the artifacts alone, so rewriting them loses nothing, and they stay where the
        published results.json points even when this run's results are set aside."""
        from export.tflite_inputs import write_value_files

        entries = []
        for spec in self.specs:
            if spec.path.suffix == ".tflite":
                folder = self.store.out_dir / TFLITE_INPUTS_DIR / spec.model_tag / spec.task
                signatures = write_value_files(spec.path, spec.task_dir, folder / spec.path.stem)
                entries.append({"id": spec.key, "file": str(spec.path), "signatures": signatures})
        if entries:
            self.doc["tflite_inputs"] = entries
            self.save()

    def _real_traffic(self, bar: Progress) -> None:
        """The real-traffic view (runtime_bench.measure.traffic), task by task: every artifact of the
        task over its test split, example by example, interleaved; saved after each task."""
        from runtime_bench.measure.traffic import run_task

        pin_single_thread()
        for task in self._tasks():
            specs = [s for s in self.specs if s.task == task]
            bar.step(f"real traffic {task}", n=0)
            records, lengths = run_task(
                specs, self.config.eval_limit, bar, self.config.traffic_rounds
            )
            self.doc["evaluations"].extend(records)
            self.doc.setdefault("lengths", []).extend(lengths)
            self.save()

    def _memory(self, bar: Progress) -> None:
        """Fresh-process RSS probes, two at a time: memory is per process, and nothing is
        timed any more in this phase, so running them side by side cannot skew a number."""
        from runtime_bench.measure.memory import measure_peak_rss

        with ThreadPoolExecutor(max_workers=MEMORY_PROBES_IN_PARALLEL) as pool:
            futures = {
                pool.submit(
                    measure_peak_rss, spec, memory_lengths(spec, self.config.seq_lens)
                ): spec
                for spec in self.specs
            }
            reports = {}
            for future in as_completed(futures):
                spec = futures[future]
                reports[spec.key] = future.result()
                bar.step(f"memory {spec.key}")
        for spec in self.specs:  # file order follows the artifact order, not completion
            report = reports[spec.key]
            self.doc["memory"].append({"id": spec.key, **spec.as_dict(), **report})
            for record in self.doc["records"]:
                if record["id"].startswith(spec.key + "/L"):
                    increase = report["peak_increase_mb"].get(str(record["seq_len"]))
                    record["metrics"]["peak_rss_increase(mb)"] = increase
        self.save()
