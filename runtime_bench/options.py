"""What a benchmark run was asked for, checked once: the frozen options passed from the CLI down.

The same shape as export.options.BuildOptions: argparse's Namespace stays inside runtime_bench.cli;
`BenchOptions.from_args` checks it (one-line errors, runtime_bench.option_checks) and freezes
the result, so defaults that depend on other options (--sessions, --adb's backends) are filled
in here and nothing below the CLI changes an option.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.lists import parse_ints
from export.quantization import PRECISIONS
from runtime_bench.artifacts import BACKENDS, DEVICE_BACKENDS, parse_list
from runtime_bench.errors import BenchError
from runtime_bench.option_checks import check_numbers, default_sessions
from runtime_bench.report.exports import EXPORTERS


@dataclass(frozen=True)
class BenchOptions:
    """One run's settings (`python -m runtime_bench --help` describes each and its default;
    `from_args` sets every field, so no default is written twice)."""

    artifacts: Path
    seq_lens: tuple[int, ...]
    #: None: every model, task, backend or precision the artifacts hold
    models: tuple[str, ...] | None
    tasks: tuple[str, ...] | None
    backends: tuple[str, ...] | None
    precisions: tuple[str, ...] | None
    runs: int
    warmup: int
    sessions: int
    eval_limit: int | None
    traffic_rounds: int
    evaluate: bool
    memory: bool
    matmul_sizes: tuple[int, ...]
    #: None: runtime_bench/results/<host tag> (known once the host is described)
    out: Path | None
    progress: bool
    exports: tuple[str, ...]
    from_results: Path | None
    report_only: bool
    # the phone benchmark (--adb)
    adb: bool
    serial: str | None
    all_devices: bool
    apk: Path | None
    run_timeout: float
    adb_timeout: float
    poll_interval: float
    cluster: str
    max_temp: float
    cool_wait: float
    litert_api: str

    @property
    def renders_only(self) -> bool:
        """--from-results / --report-only: write files from an existing run, time nothing."""
        return self.from_results is not None or self.report_only

    @classmethod
    def from_args(cls, args: Any) -> BenchOptions:
        """Check the parsed command line (one-line errors) and freeze it."""
        exports = parse_list(args.export, tuple(EXPORTERS), "--export") or []
        seq_lens = parse_ints(args.seq_lens, "--seq-lens", None, error=BenchError)
        sizes = parse_ints(args.matmul_sizes, "--matmul-sizes", 1, error=BenchError)
        check_numbers(args)
        backends = parse_list(args.backends, BACKENDS, "--backends")
        if args.adb:
            device = list(DEVICE_BACKENDS)
            if backends is not None and not set(backends) & set(device):
                raise BenchError(
                    f"--adb runs {', '.join(device)} files only; drop --backends or include one"
                )
            backends = [b for b in backends or device if b in device]
        elif args.serial or args.all_devices or args.apk:
            raise BenchError("--serial, --all-devices and --apk need --adb")
        return cls(
            artifacts=args.artifacts,
            seq_lens=tuple(seq_lens),
            models=_frozen(parse_list(args.models, None, "--models")),
            tasks=_frozen(parse_list(args.tasks, None, "--tasks")),
            backends=_frozen(backends),
            precisions=_frozen(parse_list(args.precisions, PRECISIONS, "--precisions")),
            runs=args.runs,
            warmup=args.warmup,
            sessions=default_sessions(args.runs) if args.sessions is None else args.sessions,
            eval_limit=args.eval_limit,
            traffic_rounds=args.traffic_rounds,
            evaluate=not args.no_eval,
            memory=not args.no_memory,
            matmul_sizes=tuple(sizes),
            out=args.out,
            progress=not args.no_progress,
            exports=tuple(exports),
            from_results=args.from_results,
            report_only=args.report_only,
            adb=args.adb,
            serial=args.serial,
            all_devices=args.all_devices,
            apk=args.apk,
            run_timeout=args.run_timeout,
            adb_timeout=args.adb_timeout,
            poll_interval=args.poll_interval,
            cluster=args.cluster,
            max_temp=args.max_temp,
            cool_wait=args.cool_wait,
            litert_api=args.litert_api,
        )


def _frozen(names: list[str] | None) -> tuple[str, ...] | None:
    return None if names is None else tuple(names)
