"""Compare two export.build output trees: same graphs, same numbers, same manifest fields.

    python tools/compare_builds.py BEFORE AFTER

For every task folder (a manifest.json) in either tree, and every artifact in its manifest,
paired by (format, precision) so that renamed files compare: op counts per artifact (ONNX: node
op types counted in the file; .pte: the recorded XNNPACK delegation by operator; .tflite: the
recorded operator census), parity and metrics, and every other manifest and task.json field
apart from versions, timings, hashes of the files and paths. Prints each difference on one line
and exits 1 when there is any, 0 when the trees agree.

Moves that are intended (issue 27, the export plan) are not differences:
- file names: every artifact file name is replaced by "<format>/<precision>" before comparing,
  and a file-name "quantization" field by its precision (LiteRT's said "int8", now "q8").
- "plan" (new in each artifact entry) replaces what the fingerprint held per artifact ("policy",
  "backend", "precision", "max_seq_len", "decoder", "quant_settings", "static_lengths",
  "rewrite_opt_in"): fingerprints compare on the keys both have, and `plan_agrees` checks the
  plan against the old fingerprint's decisions and the rules the old walk applied.
- "rewrite" of an artifact nothing was rewritten for: the old build wrote either the walk's
  empty report or {"applied": false, "disabled": true}; only "applied" is compared then.
- "quantization" of a .pte lost "linear" and "attention_matmuls" (knobs with one legal value).
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
#: keys of a .pte's "quantization" that the plan's ExecuTorchQuant no longer has
DROPPED_QUANT = {"linear", "attention_matmuls"}
#: the precision of each file-name quantization tag (export.quantization.SCHEMES' tags)
PRECISION_OF = {"fp32": "fp32", "int8": "int8", "q8": "int8"}
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


def renamed(value: Any, names: dict[str, str]) -> Any:
    """`value` with artifact file names (keys and strings) replaced by "<format>/<precision>"."""
    if isinstance(value, dict):
        out = {names.get(k, k): renamed(v, names) for k, v in value.items()}
        if "quantization" in out and isinstance(out["quantization"], str):
            out["quantization"] = PRECISION_OF.get(out["quantization"], out["quantization"])
        return out
    if isinstance(value, list):
        return [renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def comparable_entry(entry: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """An artifact entry without the fields whose move is intended (module docstring)."""
    out = {k: v for k, v in entry.items() if k not in ("plan", "file")}
    shared = set(entry.get("fingerprint", {})) & set(other.get("fingerprint", {}))
    out["fingerprint"] = {k: v for k, v in entry.get("fingerprint", {}).items() if k in shared}
    if not entry.get("rewrite", {}).get("applied", True):
        out["rewrite"] = {"applied": False}
    if isinstance(entry.get("quantization"), dict):
        out["quantization"] = {
            k: v for k, v in entry["quantization"].items() if k not in DROPPED_QUANT
        }
    return out


def plan_agrees(old: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """Where a new entry's plan disagrees with what the old build decided and ran."""
    fingerprint, found = old.get("fingerprint", {}), []
    expected = {
        "decoder_layout": fingerprint.get("decoder"),
        "max_seq_len": fingerprint.get("max_seq_len"),
        "rewrite_rules": sorted(old.get("rewrite", {}).get("rules", {})),
    }
    if "static_lengths" in fingerprint:
        expected["static_lengths"] = fingerprint["static_lengths"]
    got = dict(plan, rewrite_rules=sorted(plan.get("rewrite_rules", [])))
    if "quant_settings" in fingerprint:
        expected["quant"] = {
            k: v for k, v in fingerprint["quant_settings"].items() if k not in DROPPED_QUANT
        }
    for key, want in expected.items():
        if got.get(key) != want:
            found.append(f"plan.{key}: {_short(want)} -> {_short(got.get(key))}")
    return found


def compare(before: Path, after: Path) -> list[str]:
    out: list[str] = []
    a_dirs, b_dirs = task_dirs(before), task_dirs(after)
    for rel in sorted(set(a_dirs) | set(b_dirs)):
        if rel not in b_dirs or rel not in a_dirs:
            out.append(f"{rel}: only in {'BEFORE' if rel in a_dirs else 'AFTER'}")
            continue
        a = json.loads((a_dirs[rel] / "manifest.json").read_text())
        b = json.loads((b_dirs[rel] / "manifest.json").read_text())
        a_names, b_names = _pair_names(a), _pair_names(b)
        a_arts, b_arts = a.get("artifacts", {}), b.get("artifacts", {})
        by_pair_a = {pair: name for name, pair in a_names.items()}
        by_pair_b = {pair: name for name, pair in b_names.items()}
        for pair in sorted(set(by_pair_a) | set(by_pair_b)):
            if pair not in by_pair_a or pair not in by_pair_b:
                out.append(f"{rel}/{pair}: only in {'BEFORE' if pair in by_pair_a else 'AFTER'}")
                continue
            old, new = a_arts[by_pair_a[pair]], b_arts[by_pair_b[pair]]
            where = f"{rel}/{pair}"
            diff(
                op_counts(a_dirs[rel], by_pair_a[pair], old),
                op_counts(b_dirs[rel], by_pair_b[pair], new),
                f"{where} ops",
                out,
            )
            out.extend(f"{where} {line}" for line in plan_agrees(old, new.get("plan", {})))
            a_arts[by_pair_a[pair]] = comparable_entry(old, new)
            b_arts[by_pair_b[pair]] = comparable_entry(new, old)
        for doc, old_doc, new_doc in (
            ("manifest.json", a, b),
            ("task.json", _load(a_dirs[rel] / "task.json"), _load(b_dirs[rel] / "task.json")),
        ):
            diff(
                scrub(renamed(old_doc, a_names)),
                scrub(renamed(new_doc, b_names)),
                f"{rel}/{doc}",
                out,
            )
    return out


def _pair_names(manifest: dict[str, Any]) -> dict[str, str]:
    """Each artifact's file name -> "<format>/<precision>"."""
    return {
        name: f"{entry.get('format')}/{entry.get('precision')}"
        for name, entry in manifest.get("artifacts", {}).items()
    }


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
