"""Compare two export.build output trees: same graphs, same numbers, same manifest fields.

    python tools/compare_builds.py BEFORE AFTER

For every task folder (a manifest.json) in either tree, and every artifact in its manifest:
op counts per artifact (ONNX: node op types counted in the file; .pte: the recorded XNNPACK
delegation by operator; .tflite: the recorded operator census), parity and metrics, and every
other manifest field apart from versions, timings, hashes of the files and paths. Prints each
difference on one line and exits 1 when there is any, 0 when the trees agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

#: manifest keys (at any depth) whose values differ from run to run or from host to host
VOLATILE = {
    "versions",
    "build_seconds",
    "eager_seconds",
    "eval_seconds",
    "export_seconds",
    "seconds",
    "examples_per_second",
    "runtime_seconds",
    "sha256",
    "size_bytes",
    "root",
    "_name_or_path",
    "transformers_version",
    "path",
    "dir",
    "work_dir",
    "output_dir",
    "logging_dir",
}
#: relative tolerance of floats (parity and metrics are deterministic; this absorbs printing)
REL_TOL = 1e-6


def onnx_op_counts(path: Path) -> dict[str, int]:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return dict(Counter(node.op_type for node in model.graph.node))


def op_counts(task_dir: Path, name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The op census of one artifact, from the file (ONNX) or what its manifest recorded."""
    if name.endswith(".onnx") and (task_dir / name).is_file():
        return onnx_op_counts(task_dir / name)
    if "delegation" in entry:
        return entry["delegation"]
    for key in ("census", "op_census", "operators"):
        if key in entry:
            return entry[key]
    return {}


def scrub(value: Any) -> Any:
    """`value` without the volatile keys."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def diff(a: Any, b: Any, where: str, out: list[str]) -> None:
    """Append one line per difference between `a` and `b` to `out`."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                out.append(f"{where}.{key}: only in AFTER ({_short(b[key])})")
            elif key not in b:
                out.append(f"{where}.{key}: only in BEFORE ({_short(a[key])})")
            else:
                diff(a[key], b[key], f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff(x, y, f"{where}[{i}]", out)
    elif isinstance(a, float) and isinstance(b, float):
        if abs(a - b) > REL_TOL * max(abs(a), abs(b), 1e-12):
            out.append(f"{where}: {a!r} -> {b!r}")
    elif a != b:
        out.append(f"{where}: {_short(a)} -> {_short(b)}")


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def task_dirs(root: Path) -> dict[str, Path]:
    return {str(p.parent.relative_to(root)): p.parent for p in sorted(root.rglob("manifest.json"))}


def compare(before: Path, after: Path) -> list[str]:
    out: list[str] = []
    a_dirs, b_dirs = task_dirs(before), task_dirs(after)
    for rel in sorted(set(a_dirs) | set(b_dirs)):
        if rel not in b_dirs or rel not in a_dirs:
            out.append(f"{rel}: only in {'BEFORE' if rel in a_dirs else 'AFTER'}")
            continue
        a = json.loads((a_dirs[rel] / "manifest.json").read_text())
        b = json.loads((b_dirs[rel] / "manifest.json").read_text())
        a_arts, b_arts = a.get("artifacts", {}), b.get("artifacts", {})
        for name in sorted(set(a_arts) | set(b_arts)):
            if name not in a_arts or name not in b_arts:
                out.append(f"{rel}/{name}: only in {'BEFORE' if name in a_arts else 'AFTER'}")
                continue
            diff(
                op_counts(a_dirs[rel], name, a_arts[name]),
                op_counts(b_dirs[rel], name, b_arts[name]),
                f"{rel}/{name} ops",
                out,
            )
        for doc in ("manifest.json", "task.json"):
            if (a_dirs[rel] / doc).is_file() or (b_dirs[rel] / doc).is_file():
                diff(
                    scrub(_load(a_dirs[rel] / doc)),
                    scrub(_load(b_dirs[rel] / doc)),
                    f"{rel}/{doc}",
                    out,
                )
    return out


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = p.parse_args(argv)
    for root in (args.before, args.after):
        if not root.is_dir():
            print(f"error: {root} is not a folder: pass two export.build --out folders")
            return 2
    differences = compare(args.before, args.after)
    for line in differences:
        print(line)
    tasks = len(task_dirs(args.before))
    print(f"{len(differences)} difference(s) over {tasks} task folder(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
