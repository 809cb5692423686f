"""Where an ExecuTorch `.pte`'s time goes, op by op: ETDump with XNNPACK's own op events.

Issue 25 asks why the int8 `.pte` is slower than the FLOPs say and what attention costs at
news length. This loads a built `.pte` with ETDump on (the pip runtime records every native
kernel call and, inside the XNNPACK delegate, every XNNPACK operator), runs the task's real
bench inputs (runtime_bench.measure.inputs: the same token ids as the benchmark and the phone)
at each length on one thread, and books each event to a category. The median over the rounds
of each category is reported per length, with "unattributed" = the whole `Method::execute`
minus everything booked (delegate entry/exit, graph glue). ETDump adds a little time per
event, so the total runs above runtime_bench's figures; compare categories, not totals.

    PYTHONPATH=. python tools/pte_op_profile.py ARTIFACTS/squeezebert-random/news/X.pte \\
        --lengths 32,128,300 [--rounds 10] [--out DIR]

Writes op_profile.json and op_profile.md to --out (default:
runtime_bench/results/<host>/<UTC stamp>-op-profile-<file stem>/).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: (category, pattern on the event name), first match wins. XNNPACK names its operators
#: "Fully Connected (NC, QDU8, F32, QC8W) GEMM #3"; native kernels are "native_call_<op>".
CATEGORIES = (
    ("int8 Linear GEMMs (XNNPACK)", re.compile(r"^Fully Connected \(NC, QD")),
    ("fp32 Linear GEMMs (XNNPACK)", re.compile(r"^Fully Connected")),
    ("attention matmuls (XNNPACK batch matmul)", re.compile(r"^Batch Matrix Multiply")),
    ("softmax (XNNPACK)", re.compile(r"^Softmax")),
    ("GELU (XNNPACK)", re.compile(r"^GELU")),
    ("other XNNPACK ops (adds, reshapes, transposes, converts)", re.compile(r"^(?!native_call_)")),
    ("outside XNNPACK (native kernels)", re.compile(r"^native_call_")),
)
UNATTRIBUTED = "unattributed (delegate calls, glue)"
TOTAL = "Method::execute"
#: events that only wrap others (their time is their children's)
WRAPPERS = {"OPERATOR_CALL", "DELEGATE_CALL", TOTAL}


def profile(pte: Path, task_dir: Path, lengths: list[int], rounds: int) -> dict[str, Any]:
    """Per length: median ms per category, and per native op / XNNPACK op kind."""
    import torch
    from executorch.devtools.etdump.serialize import deserialize_from_etdump_flatcc
    from executorch.extension.pybindings import portable_lib

    from export import quiet
    from export.backends.executorch import load_executorch_quantized_kernels, threadpool_threads
    from runtime_bench.measure.inputs import BenchInputs

    quiet.enable()
    with quiet.native_stderr_filtered():  # the runtime's CPU probing and threadpool notes
        load_executorch_quantized_kernels()
        threadpool_threads(reset_to=1)
    results: dict[str, Any] = {}
    for length in lengths:
        module = portable_lib._load_for_executorch(str(pte), enable_etdump=True)
        inputs = BenchInputs(task_dir, length)
        feed = tuple(torch.from_numpy(a) for a in inputs[0])
        for _ in range(2):  # warm-up: XNNPACK packs and reshapes on the first calls
            module.forward(feed)
        for _ in range(rounds):
            module.forward(feed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "run.etdp"
            module.write_etdump_result_to_file(str(path))
            runs = deserialize_from_etdump_flatcc(path.read_bytes()).run_data
        executions = [r for r in runs if any(_name(e) == TOTAL for e in r.events)][-rounds:]
        per_round = [_book(run.events) for run in executions]
        results[str(length)] = _summarise(per_round)
        del module
    return results


def _name(event: Any) -> str | None:
    pe = event.profile_event
    if pe is None:
        return None
    return pe.name or pe.delegate_debug_id_str


def _book(events: list[Any]) -> dict[str, dict[str, float]]:
    """ms per category and per op kind ("#n" numbering dropped) for one execution."""
    categories: dict[str, float] = defaultdict(float)
    ops: dict[str, float] = defaultdict(float)
    counts: dict[str, float] = defaultdict(float)
    total = 0.0
    for event in events:
        name = _name(event)
        if name is None:
            continue
        ms = (event.profile_event.end_time - event.profile_event.start_time) / 1e6
        if name == TOTAL:
            total += ms
        if name in WRAPPERS:
            continue
        kind = name.split(" #")[0]
        ops[kind] += ms
        counts[kind] += 1
        category = next(c for c, pattern in CATEGORIES if pattern.search(name))
        categories[category] += ms
    categories[UNATTRIBUTED] = total - sum(categories.values())
    categories["total"] = total
    return {"categories": dict(categories), "ops": dict(ops), "counts": dict(counts)}


def _summarise(per_round: list[dict[str, dict[str, float]]]) -> dict[str, Any]:
    def median_of(part: str) -> dict[str, float]:
        keys = sorted({k for r in per_round for k in r[part]})
        return {k: statistics.median(r[part].get(k, 0.0) for r in per_round) for k in keys}

    return {
        "rounds": len(per_round),
        "categories_ms": median_of("categories"),
        "ops_ms": median_of("ops"),
        "op_counts": median_of("counts"),
    }


def to_markdown(doc: dict[str, Any]) -> str:
    lengths = list(doc["lengths"])
    columns = " | ".join(f"L={n}" for n in lengths)
    head = f"| ms per call (median of {doc['rounds']} rounds) | {columns} |"
    rule = "|---|" + "---|" * len(lengths)
    names = [c for c, _ in CATEGORIES] + [UNATTRIBUTED, "total"]
    rows = [
        f"| {name} | "
        + " | ".join(f"{doc['lengths'][n]['categories_ms'].get(name, 0.0):.2f}" for n in lengths)
        + " |"
        for name in names
    ]
    ops = sorted(
        {k for n in lengths for k in doc["lengths"][n]["ops_ms"]},
        key=lambda k: -doc["lengths"][lengths[-1]]["ops_ms"].get(k, 0.0),
    )
    op_rows = [
        f"| {k} | "
        + " | ".join(
            f"{doc['lengths'][n]['ops_ms'].get(k, 0.0):.2f} ({doc['lengths'][n]['op_counts'].get(k, 0):.0f})"
            for n in lengths
        )
        + " |"
        for k in ops
    ]
    return "\n".join(
        [
            f"# Op profile: `{doc['file']}`",
            "",
            f"Host: {doc['host']['cpu_model']} ({doc['host']['tag']}); {doc['when']}; one thread;"
            f" ExecuTorch {doc['executorch']}; inputs: the task's real bench inputs fitted to L.",
            "ETDump's own bookkeeping adds time per event: compare categories, not totals.",
            "",
            head,
            rule,
            *rows,
            "",
            "## Every op kind (ms per call, calls in brackets)",
            "",
            f"| op | {columns} |",
            rule,
            *op_rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pte", type=Path, help="a built .pte inside its task folder")
    parser.add_argument("--lengths", default="32,128", help="comma list (default: 32,128)")
    parser.add_argument("--rounds", type=int, default=10, help="profiled calls per length")
    parser.add_argument("--out", type=Path, help="output folder (default: under results/)")
    args = parser.parse_args(argv)
    try:
        lengths = [int(n) for n in args.lengths.split(",")]
    except ValueError:
        parser.error(f"--lengths {args.lengths!r}: give a comma list of integers, e.g. 32,128")
    if not args.pte.is_file() or args.pte.suffix != ".pte":
        print(f"error: {args.pte} is not a .pte file: pass one from a build", file=sys.stderr)
        return 2
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    import executorch.version

    from export.io import atomic_path, write_json
    from runtime_bench.measure.host import describe_host

    host = describe_host(probe_torch=False)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out = args.out or (
        REPO / "runtime_bench" / "results" / host["tag"]
        / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-op-profile-{args.pte.stem}"
    )  # fmt: skip
    doc = {
        "file": args.pte.name,
        "task_dir": str(args.pte.parent),
        "host": host,
        "when": when,
        "executorch": executorch.version.__version__,
        "rounds": args.rounds,
        "lengths": profile(args.pte, args.pte.parent, lengths, args.rounds),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "op_profile.json", doc)
    with atomic_path(out / "op_profile.md") as tmp:
        tmp.write_text(to_markdown(doc), encoding="utf-8")
    print(f"wrote {out / 'op_profile.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
