"""python -m export.build: fine-tune, export and verify a model for each task.

The command line only: export.options checks and freezes what it was asked, export.orchestrate
runs the build (export.artifact_export: one artifact).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from export.arch import builtin_models
from export.backends import CATALOG, DEFAULT_FORMATS, REFERENCE_LENGTH
from export.errors import INTERRUPTED, BuildError, ConfigError, help_epilog
from export.lengths import MOST_SIGNATURES
from export.quantization import PRECISIONS
from export.version import package_version

DESCRIPTION = "Fine-tune, export (ONNX, ExecuTorch, LiteRT) and verify a model for each task."
PROG = "python -m export.build"


EXAMPLES = (
    "--model minilm --tasks ner,news --data-dir ../shared/data",
    "--model squeezebert --init random --tiny --data-dir tests/fixtures/data",
    "--model ./my-finetuned-ner --tasks ner --formats onnx --precisions int8",
    "--model minilm --tasks ner --data-dir ../shared/data --quiet --json build.json",
)
MODELS_NOTE = f"""built-in models: {", ".join(builtin_models())}
(offline: every one with --init random, minilm pretrained too); or any Hugging Face id or
local directory. Artifacts go to OUT/<model-tag>/<task>/ with a manifest.json and a model
card (README.md)."""


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The build's options in five groups; `squeezebert-mobile build` uses the same parser."""
    p = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=help_epilog(prog, EXAMPLES, MODELS_NOTE),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    data = p.add_argument_group("model and data")
    data.add_argument(
        "--model",
        required=True,
        metavar="NAME_OR_PATH",
        help=f"{', '.join(builtin_models())}, a Hugging Face id or a local directory",
    )
    data.add_argument(
        "--tasks", default="mlm,news,ner", help="comma list of mlm,news,ner (default: all)"
    )
    data.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="local data laid out like shared/data; default: the Hugging Face hub",
    )
    data.add_argument(
        "--init",
        default="pretrained",
        choices=["pretrained", "random"],
        help="pretrained weights, or random weights from the architecture's config",
    )
    data.add_argument(
        "--tiny",
        action="store_true",
        help="shrink the config (2 layers, width 64), keeping the architecture",
    )
    data.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow a model folder's own Python code (auto_map); refused without this flag",
    )
    _training_options(p.add_argument_group("training"))
    _export_options(p.add_argument_group("export"))
    check = p.add_argument_group("verification (every artifact against eager PyTorch)")
    check.add_argument(
        "--eval-limit",
        type=int,
        metavar="N",
        help="score on the first N test examples (default: the whole test split)",
    )
    check.add_argument(
        "--eval-batch-size",
        type=int,
        default=16,
        help="batch size of the eager test-split evaluation on the training device (default: 16)",
    )
    _output_options(p.add_argument_group("output"))
    return p


def _training_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--epochs", type=float, help="override the study's epochs (mlm 2, news 3, ner 3)"
    )
    group.add_argument("--max-steps", type=int, help="stop fine-tuning after this many steps")
    group.add_argument(
        "--lr", type=float, default=2e-5, help="learning rate (default: the study's 2e-5)"
    )
    group.add_argument(
        "--batch-size", type=int, default=16, help="training batch size (default: 16)"
    )
    group.add_argument(
        "--train-limit", type=int, metavar="N", help="use the first N training examples"
    )
    group.add_argument("--seed", type=int, default=123, help="seed for everything (default: 123)")
    group.add_argument(
        "--threads",
        type=int,
        help="CPU threads for fine-tuning (default: the CPU count, shared among the processes "
        "of a multi-process run); verification always uses 1",
    )
    group.add_argument(
        "--device",
        default="auto",
        help="where to fine-tune and evaluate: auto (CUDA, then MPS, then CPU), cpu, cuda, mps; "
        "export and verification always run on the CPU",
    )
    group.add_argument(
        "--save-steps",
        type=int,
        metavar="N",
        help="checkpoint every N steps to resume from (default: every few minutes)",
    )


def _export_options(group: argparse._ArgumentGroup) -> None:
    extras = "; ".join(
        f"{name} needs pip install -e '.[{info.extra}]'"
        for name, info in CATALOG.items()
        if info.extra
    )
    group.add_argument(
        "--formats",
        default=",".join(DEFAULT_FORMATS),
        help=f"comma list of {','.join(CATALOG)}, or none "
        f"(default: {','.join(DEFAULT_FORMATS)}; {extras})",
    )
    group.add_argument(
        "--precisions", default=",".join(PRECISIONS), help=f"comma list of {','.join(PRECISIONS)}"
    )
    group.add_argument(
        "--static-lengths",
        "--litert-lengths",  # its first name, kept so older commands still run
        metavar="L,L,...",
        help="static lengths of a static-shape artifact (.tflite: one signature each; "
        f"default: the few lengths, at most {MOST_SIGNATURES} and ending at the task's input "
        f"cap, that pad the task's training inputs least, plus {REFERENCE_LENGTH} where inputs "
        "reach it)",
    )


def _output_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--out",
        type=Path,
        default=Path("artifacts"),
        metavar="DIR",
        help="output root (default: artifacts)",
    )
    group.add_argument(
        "--force",
        action="store_true",
        help="retrain from scratch (ignoring checkpoints) and re-export even when up to date",
    )
    group.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write a machine-readable summary of every artifact (file, size, parity, "
        "metric deltas, flags) to FILE",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but errors and the final table (no stages, no progress bars)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every third-party warning and message (default: known noise is hidden)",
    )


def parse_args(argv: list[str] | None = None, prog: str = PROG) -> argparse.Namespace:
    return build_parser(prog).parse_args(argv)


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    args = parse_args(argv, prog)
    if args.quiet:
        from export.progress import set_quiet

        set_quiet(True)
    if not args.verbose:
        _quiet_libraries()
    try:
        # Imported here so that --help and argument errors answer instantly.
        from export.options import BuildOptions

        options = BuildOptions.from_args(args)
        _check_json_path(args.json)
        from export.orchestrate import run

        summary = run(options)
        if args.json is not None and summary:
            from export.io import write_json

            write_json(args.json, json_summary(summary))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except PermissionError as error:  # a file no reader above names: still one line
        print(
            f"error: {error.filename or error}: permission denied: make it readable (and its "
            "folder writable) for this user, or pass other paths",
            file=sys.stderr,
        )
        return BuildError.exit_code
    except KeyboardInterrupt:
        print(
            "interrupted: completed artifacts are kept, nothing half-written remains; "
            "run the same command to resume fine-tuning from its last checkpoint",
            file=sys.stderr,
        )
        return INTERRUPTED
    if summary:  # empty in the processes of a multi-process run that only train
        print(format_summary(summary))
    return 0


def _check_json_path(path: Path | None) -> None:
    """--json's folder must exist before the build spends minutes (the file is written last)."""
    if path is not None and (path.is_dir() or not path.parent.is_dir()):
        raise ConfigError(
            f"--json {path}: not a file in an existing folder: pass e.g. --json build.json"
        )


def json_summary(summary: list[dict[str, Any]]) -> dict[str, Any]:
    """--json: every task's eager score and every artifact's file, size, parity, deltas and
    flag, in a stable shape for CI (the manifests hold everything else)."""
    return {
        "version": package_version(),
        "tasks": [
            {
                "model_tag": item["tag"],
                "task": item["task"],
                "dir": item["dir"],
                "primary_metric": item["primary"],
                "eager": item["eager"],
                "artifacts": [
                    {
                        "file": name,
                        "path": str(Path(item["dir"]) / name),
                        "format": entry["format"],
                        "precision": entry["precision"],
                        "size_bytes": entry["size_bytes"],
                        "sha256": entry["sha256"],
                        "parity": entry["parity"],
                        "metrics": entry["metrics"],
                        "metric_deltas_points": entry["metric_deltas_points"],
                        "flagged": entry["flagged"],
                    }
                    for name, entry in item["artifacts"].items()
                ],
            }
            for item in summary
        ],
    }


def format_summary(summary: list[dict[str, Any]]) -> str:
    lines = [
        "",
        "| model | task | artifact | max abs diff | metric | value | delta (pts) | size MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in summary:
        key = item["primary"]
        lines.append(
            f"| {item['tag']} | {item['task']} | eager | - | {key} | "
            f"{item['eager'][key]:.4f} | - | - |"
        )
        for name, entry in item["artifacts"].items():
            flag = " (flagged)" if entry["flagged"] else ""
            lines.append(
                f"| {item['tag']} | {item['task']} | {name} | "
                f"{entry['parity']['max_abs_diff']:.2e} | {key} | "
                f"{entry['metrics'][key]:.4f} | "
                f"{entry['metric_deltas_points'][key]:+.2f}{flag} | "
                f"{entry['size_bytes'] / 1e6:.1f} |"
            )
    return "\n".join(lines)


def _quiet_libraries() -> None:
    import logging

    import export.quiet as quiet

    quiet.enable()  # before the imports below: torchao's warnings come at import time
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import datasets
    import transformers

    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    for name in (
        "torch.onnx",
        "torch._export",
        "torch.export",
        "torch._dynamo",
        "executorch",
        "torchao",
        "onnxscript",
        "root",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)


if __name__ == "__main__":
    sys.exit(main())
