"""`python -m runtime_bench`: the host benchmark, or with --adb the phone benchmark.

Every user error is one line on stderr and a non-zero exit. Everything checkable is checked
before the output folder is touched (options, artifacts and their sha256, inputs at every
length, that every artifact loads); results already in the output folder are never lost
(runtime_bench.store). Ctrl-C keeps the records that were completed and writes their report.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.errors import INTERRUPTED, BuildError, first_line, help_epilog
from export.locks import folder_lock, folder_locks
from export.quantization import PRECISIONS
from export.version import package_version
from runtime_bench.artifacts import (
    BACKENDS,
    ArtifactSpec,
    check_eval_lengths,
    check_seq_lens,
    discover,
    find_task_dirs,
)
from runtime_bench.errors import BenchError
from runtime_bench.measure.schedule import DEFAULT_SESSIONS
from runtime_bench.measure.timing import MAX_SINGLE_THREAD_RATIO
from runtime_bench.options import BenchOptions
from runtime_bench.phone.adb_client import DEFAULT_TIMEOUT as DEFAULT_ADB_TIMEOUT
from runtime_bench.phone.device_state import add_phone_state_options
from runtime_bench.report.exports import add_export_options, from_results, write_exports
from runtime_bench.store import ResultsStore, check_out_dir

if TYPE_CHECKING:
    from runtime_bench.measure.bench import HostBenchmark

DEFAULT_SEQ_LENS = "32,64,128,256"
PROG = "python -m runtime_bench"
EXAMPLES = ("--seq-lens 32,128", "--models squeezebert --tasks ner --runs 20", "--adb --tasks news")


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Single-thread latency, task metric + CPU time, memory and size of every "
        "artifact export.build wrote; --adb runs the same on Android phones.",
        epilog=help_epilog(prog, EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    p.add_argument(
        "--artifacts",
        type=Path,
        default=Path("artifacts"),
        help="export.build output directory (default: artifacts)",
    )
    p.add_argument(
        "--models", help="comma list of model names or tags (manifest), e.g. squeezebert,bert-base"
    )
    p.add_argument("--tasks", help="comma list of tasks, e.g. mlm,news,ner")
    p.add_argument("--backends", help=f"comma list from {','.join(BACKENDS)} (default: all)")
    p.add_argument("--precisions", help=f"comma list from {','.join(PRECISIONS)} (default: all)")
    p.add_argument(
        "--seq-lens",
        default=DEFAULT_SEQ_LENS,
        help=f"comma list of sequence lengths (default: {DEFAULT_SEQ_LENS})",
    )
    p.add_argument("--runs", type=int, default=50, help="measured rounds (default: 50)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up rounds per load (default: 5)")
    p.add_argument(
        "--sessions",
        type=int,
        default=None,
        help="fresh loads of every artifact per length and task; the measured rounds are "
        "split across them, so one load's memory placement cannot bias a ratio "
        f"(default: {DEFAULT_SESSIONS}, at most --runs)",
    )
    p.add_argument(
        "--eval-limit",
        type=int,
        default=None,
        help="examples of each test split for the real-traffic view (default: all)",
    )
    p.add_argument(
        "--traffic-rounds",
        type=int,
        default=1,
        help="passes over each test split in the real-traffic view; each example keeps its "
        "median over the passes (default: 1; 3 for a run whose ratios you will quote)",
    )
    p.add_argument("--no-eval", action="store_true", help="skip the real-traffic view")
    p.add_argument("--no-memory", action="store_true", help="skip the fresh-process RSS probes")
    p.add_argument(
        "--matmul-sizes",
        default="256,512,1024",
        help="square matmul sizes for the peak GFLOP/s microbenchmark",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: runtime_bench/results/<host-tag>)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_export_options(p)
    adb = p.add_argument_group("phone benchmark (.pte and .tflite over adb)")
    adb.add_argument("--adb", action="store_true", help="benchmark on Android devices via adb")
    sel = adb.add_mutually_exclusive_group()
    sel.add_argument("--serial", help="device serial (needed when several are attached)")
    sel.add_argument("--all-devices", action="store_true", help="run on every attached device")
    adb.add_argument("--apk", type=Path, help="install this APK first (adb install -r)")
    adb.add_argument(
        "--run-timeout",
        type=float,
        default=1800.0,
        help="seconds to wait for one on-device run (default: 1800)",
    )
    adb.add_argument(
        "--adb-timeout",
        type=float,
        default=DEFAULT_ADB_TIMEOUT,
        help="seconds any single adb command may take before the device counts as hung "
        f"(default: {DEFAULT_ADB_TIMEOUT:g})",
    )
    adb.add_argument(
        "--poll-interval",
        type=float,
        default=2.0,
        help="seconds between polls of the on-device result file (default: 2)",
    )
    add_phone_state_options(adb)
    return p


def run(options: BenchOptions) -> int:
    """Discover artifacts and run the chosen benchmark (or render an earlier run); the exit code."""
    from runtime_bench.measure.host import describe_host

    if options.renders_only:  # render or export, no benchmark
        files = from_results(
            options.from_results,
            options.out,
            options.report_only,
            list(options.exports),
            options.adb,
        )
        print(f"wrote {', '.join(str(f) for f in files)}")
        return 0
    seq_lens = options.seq_lens
    task_dirs = find_task_dirs(options.artifacts)
    host = describe_host(probe_torch=not options.adb)
    out = (
        options.out
        if options.out is not None
        else Path(__file__).resolve().parent / "results" / host["tag"]
    )
    check_out_dir(out)
    # No build rewrites what this run reads; one run writes --out at a time (export.locks).
    with folder_locks(task_dirs, "runtime_bench", shared=True):
        specs = discover(
            options.artifacts,
            options.models,
            options.tasks,
            options.backends,
            options.precisions,
            task_dirs,
        )
        for warning in check_seq_lens(specs, seq_lens):
            print(f"warning: {warning}", file=sys.stderr)
        from runtime_bench.measure.inputs import check_inputs  # numpy: not imported for --help

        check_inputs([s.task_dir for s in specs], list(seq_lens))
        if not options.adb:
            from runtime_bench.measure.bench import preflight

            preflight(specs, list(seq_lens))
            if options.evaluate:
                check_eval_lengths(specs, options.eval_limit)
        with folder_lock(out, "runtime_bench"):
            store = ResultsStore(out)  # read under the lock: refuses a results.json not ours
            if options.adb:
                from runtime_bench.phone.driver import run_adb

                return run_adb(options, specs, store, host)
            return _run_host(options, specs, store, host)


def _report(doc: dict[str, Any], folder: Path, store: ResultsStore) -> list[Path]:
    from runtime_bench.report.render import write_report

    try:
        return write_report(doc, folder)
    except OSError as exc:
        raise store.write_error(exc) from None


def _run_host(
    options: BenchOptions,
    specs: list[ArtifactSpec],
    store: ResultsStore,
    host: dict[str, Any],
) -> int:
    """The host benchmark; Ctrl-C keeps completed records and reports them."""
    from runtime_bench.measure.bench import BenchConfig, HostBenchmark

    config = BenchConfig(
        seq_lens=list(options.seq_lens),
        runs=options.runs,
        warmup=options.warmup,
        sessions=options.sessions,
        eval_limit=options.eval_limit,
        traffic_rounds=options.traffic_rounds,
        evaluate=options.evaluate,
        memory=options.memory,
        matmul_sizes=list(options.matmul_sizes),
    )
    bench = HostBenchmark(specs, config, store, host, progress=options.progress)
    try:
        doc = bench.run()
    except KeyboardInterrupt:
        print(f"interrupted: {_keep(bench, 'interrupted')}", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:
        raise store.write_error(exc) from None
    except BuildError as exc:
        stopped = BuildError(f"{exc}; {_keep(bench, 'failed')}")
        stopped.exit_code = exc.exit_code  # its class's code: integrity stays integrity
        raise stopped from None
    except Exception as exc:  # a crash never leaves results.json saying "running"
        kept = _keep(bench, "failed")
        raise BenchError(
            f"the run failed ({type(exc).__name__}: {first_line(exc)}); {kept}"
        ) from None
    files = _report(doc, bench.location, store)
    files += write_exports(doc, bench.location, list(options.exports))
    limit = MAX_SINGLE_THREAD_RATIO
    over = [r["id"] for r in doc["records"] if r["metrics"]["cpu_wall_ratio"] > limit]
    print(
        f"wrote {bench.location / 'results.json'} ({len(doc['records'])} records), "
        f"{', '.join(f.name for f in files)}"
    )
    if not bench.published:
        print(
            f"warning: kept {store.published_path}: it holds results this run did not "
            f"produce; delete it or pass another --out to publish {bench.location}",
            file=sys.stderr,
        )
    if over:
        print(f"warning: CPU/wall above {limit} for {', '.join(over)}", file=sys.stderr)
    from runtime_bench.report.traffic_section import flag_lines

    for flag in flag_lines(doc):
        if "STARVED" in flag:
            print(f"warning: {flag.replace('**', '')}", file=sys.stderr)
    return 0


def _keep(bench: HostBenchmark, status: str) -> str:
    """Save a stopped host run's completed records and their report; say where they are."""
    from runtime_bench.report.render import write_report

    kept = len(bench.doc["records"])
    try:
        bench.mark_interrupted(status)
        write_report(bench.doc, bench.location)
    except OSError as exc:
        return f"its {kept} completed records could not be saved ({bench.store.write_error(exc)})"
    note = f"kept {kept} completed records in {bench.location / 'results.json'}"
    if not bench.published and bench.store.published is not None:
        note += f"; {bench.store.published_path} from the earlier run is unchanged"
    return note


class _StderrHandler(logging.Handler):
    """Warnings as one `warning: ...` line on whatever sys.stderr is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"{record.levelname.lower()}: {record.getMessage()}", file=sys.stderr)


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    args = build_parser(prog).parse_args(argv)
    logger = logging.getLogger("runtime_bench")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.propagate = False
    # Its own level: unset, it inherits the root logger's, which an in-process export.build
    # raises to ERROR (third-party noise), and every warning of a later benchmark was lost.
    logger.setLevel(logging.WARNING)
    from export import quiet  # torch-free: drops only third-party messages it names

    quiet.enable()
    try:
        return run(BenchOptions.from_args(args))
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # before any result was written (later ones are handled above)
        print("interrupted before any result was written", file=sys.stderr)
        return INTERRUPTED
