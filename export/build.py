"""python -m export.build: fine-tune, export and verify a model for each task.

For every task: load the data, fine-tune (or reuse the checkpoint), score eager PyTorch on the
test split, then export each format x precision, verify each artifact through its own runtime
against eager, and write the manifest. Every file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from export.errors import BuildError, first_line

DESCRIPTION = __doc__.split("\n\n")[0]
#: the second axis of each input in the manifest (default "sequence")
AXES = {"mask_positions": "masked"}
EPILOG = """examples:
  python -m export.build --model minilm --tasks ner,news --data-dir ../shared/data
  python -m export.build --model squeezebert --init random --tiny --data-dir tests/fixtures/data
  python -m export.build --model ./my-finetuned-ner --tasks ner --formats onnx --precisions int8

built-in models: squeezebert, bert-base, minilm (offline); or any Hugging Face id or local
directory. Artifacts go to OUT/<model-tag>/<task>/ with a manifest.json."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m export.build",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="NAME_OR_PATH",
        help="squeezebert, bert-base, minilm, a Hugging Face id or a local directory",
    )
    p.add_argument(
        "--tasks", default="mlm,news,ner", help="comma list of mlm,news,ner (default: all)"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="local data laid out like shared/data; default: the Hugging Face hub",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("artifacts"),
        metavar="DIR",
        help="output root (default: artifacts)",
    )
    p.add_argument(
        "--init",
        default="pretrained",
        choices=["pretrained", "random"],
        help="pretrained weights, or random weights from the architecture's config",
    )
    p.add_argument(
        "--tiny",
        action="store_true",
        help="shrink the config (2 layers, width 64), keeping the architecture",
    )
    p.add_argument(
        "--formats",
        default="onnx,executorch",
        help="comma list of onnx,executorch,litert,litert-stock, or none "
        "(default: onnx,executorch; litert needs pip install -e '.[litert]')",
    )
    p.add_argument("--precisions", default="fp32,int8", help="comma list of fp32,int8")
    p.add_argument(
        "--litert-lengths",
        metavar="L,L,...",
        help="sequence lengths a .tflite gets a static signature for "
        "(default: 32,64,128,256 and the model maximum)",
    )
    p.add_argument(
        "--epochs", type=float, help="override the study's epochs (mlm 2, news 3, ner 3)"
    )
    p.add_argument("--max-steps", type=int, help="stop fine-tuning after this many steps")
    p.add_argument(
        "--lr",
        type=float,
        default=2e-5,
        help="learning rate (default: the study's 2e-5)",
    )
    p.add_argument("--batch-size", type=int, default=16, help="training batch size (default: 16)")
    p.add_argument("--train-limit", type=int, metavar="N", help="use the first N training examples")
    p.add_argument(
        "--eval-limit",
        type=int,
        metavar="N",
        help="score on the first N test examples (default: the whole test split)",
    )
    p.add_argument("--seed", type=int, default=123, help="seed for everything (default: 123)")
    p.add_argument(
        "--threads",
        type=int,
        help="CPU threads for fine-tuning (default: the CPU count, shared among the processes "
        "of a multi-process run); verification always uses 1",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="retrain from scratch (ignoring checkpoints) and re-export even when up to date",
    )
    p.add_argument(
        "--device",
        default="auto",
        help="where to fine-tune and evaluate: auto (CUDA, then MPS, then CPU), cpu, cuda, mps; "
        "export and verification always run on the CPU",
    )
    p.add_argument(
        "--eval-batch-size",
        type=int,
        default=16,
        help="batch size of the eager test-split evaluation on the training device (default: 16)",
    )
    p.add_argument(
        "--save-steps",
        type=int,
        metavar="N",
        help="checkpoint every N steps to resume from (default: every few minutes)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every third-party warning and message (default: known noise is hidden)",
    )
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow a model folder's own Python code (auto_map); refused without this flag",
    )
    return p.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.verbose:
        _quiet_libraries()
    try:
        summary = run(args)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(
            "interrupted: completed artifacts are kept, nothing half-written remains; "
            "run the same command to resume fine-tuning from its last checkpoint",
            file=sys.stderr,
        )
        return 130
    if summary:  # empty in the processes of a multi-process run that only train
        print(format_summary(summary))
    return 0


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    # Imports here so that --help and argument errors answer instantly.
    from export.backends import parse_formats, parse_precisions
    from export.device import is_main_process, resolve_device, world_size
    from export.errors import ConfigError
    from export.models import resolve
    from export.tasks import parse_tasks
    from export.train import RunOptions

    check_numbers(args)
    check_out_dir(args.out)
    spec = resolve(args.model, args.init, args.tiny, args.trust_remote_code)
    args.static_lengths = parse_lengths(args.litert_lengths)
    tasks = parse_tasks(args.tasks)
    backends = parse_formats(args.formats)
    precisions = parse_precisions(args.precisions)
    for flag, value in (
        ("--eval-batch-size", args.eval_batch_size),
        ("--save-steps", args.save_steps),
    ):
        if value is not None and value < 1:
            raise ConfigError(f"{flag} must be at least 1 (got {value})")
    options = RunOptions(resolve_device(args.device), args.save_steps)
    retrain = args.force
    if world_size() > 1:
        # Every process trains every task first; then the main process alone evaluates, exports
        # and writes, reusing the checkpoints, while the others have nothing left to wait for.
        for task in tasks:
            train_task(spec, task, args, options, args.force)
        if not is_main_process():
            return []
        retrain = False
    return [build_task(spec, task, backends, precisions, args, options, retrain) for task in tasks]


#: option -> (attribute, smallest allowed value, whether the bound itself is allowed)
_NUMBER_BOUNDS = {
    "--epochs": ("epochs", 0, False),
    "--max-steps": ("max_steps", 1, True),
    "--lr": ("lr", 0, False),
    "--batch-size": ("batch_size", 1, True),
    "--seed": ("seed", 0, True),
    "--threads": ("threads", 1, True),
}


def check_numbers(args: argparse.Namespace) -> None:
    """Numbers that would train nothing or crash later fail up front, in one line."""
    import math

    for option, (attr, low, inclusive) in _NUMBER_BOUNDS.items():
        value = getattr(args, attr)
        if value is None:
            continue
        ok = math.isfinite(value) and (value >= low if inclusive else value > low)
        if not ok:
            bound = f"at least {low}" if inclusive else f"greater than {low}"
            raise BuildError(f"{option} must be {bound} (got {value})")


def check_out_dir(out: Path) -> None:
    """--out must be (or become) a writable folder: noticed now, not after training."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise BuildError(f"--out {out}: {existing} is a file, not a folder: pass a folder path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BuildError(f"--out {out}: {existing} is not writable: pass a folder you can write")


def parse_lengths(text: str | None) -> tuple[int, ...] | None:
    """--litert-lengths as sorted unique ints >= 2, or None for the backend's default."""
    from export.lists import parse_ints

    return None if text is None else tuple(sorted(set(parse_ints(text, "--litert-lengths", 2))))


def train_task(
    spec: Any, task: Any, args: argparse.Namespace, options: Any, retrain: bool
) -> tuple[Any, Any, dict[str, Any]]:
    """The task's data and its fine-tuned model (trained, resumed or reused)."""
    import torch

    from export.device import world_size
    from export.io import remove_stale_temporaries
    from export.pipeline import load_task_data, obtain_model
    from export.train import TrainConfig

    task_dir = args.out / spec.tag / task.name
    for name in remove_stale_temporaries(task_dir):
        log(f"   removed {name}, left behind by an interrupted run")
    data = load_task_data(task, args.data_dir, args.seed, args.train_limit, args.eval_limit)
    config = TrainConfig(
        epochs=args.epochs if args.epochs is not None else task.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_steps=args.max_steps,
        seed=args.seed,
    )
    threads = args.threads or (os.cpu_count() or 1) // world_size()
    torch.set_num_threads(max(1, threads))
    model, training = obtain_model(
        spec, data, task_dir, config, args.train_limit, retrain, log, options
    )
    return data, model, training


def build_task(
    spec: Any,
    task: Any,
    backends: list[Any],
    precisions: list[str],
    args: argparse.Namespace,
    options: Any,
    retrain: bool,
) -> dict[str, Any]:
    import torch

    from export.backends import CATALOG
    from export.evaluate import device_runner, eager_runner, evaluate, task_context
    from export.io import scratch_tempdir, write_json
    from export.manifest import MANIFEST, SCHEMA_VERSION, package_versions
    from export.models import load_tokenizer, reference_module
    from export.pipeline import encode, write_contract_files

    started = time.perf_counter()
    task_dir = args.out / spec.tag / task.name
    log(f"== {spec.tag} / {task.name}: {task.description}")
    data, model, training = train_task(spec, task, args, options, retrain)
    tokenizer = load_tokenizer(task_dir, trust_remote_code=spec.trust_remote_code)

    # Eager reference on one thread, as the artifacts are run; batched on the training device.
    torch.set_num_threads(1)
    features = encode(data, data.test, tokenizer, args.seed, "test")
    ctx = task_context(model, task, data.labels)
    eager = reference_module(model, task.task_type)
    with device_runner(eager, options.placement.device) as run_on_device:
        eager_result = evaluate(
            run_on_device,
            task,
            features,
            ctx,
            tokenizer.pad_token_id,
            args.eval_batch_size,
            desc=f"evaluate eager ({options.placement.device})",
        )
    eager_run = eager_runner(eager)  # the CPU fp32 reference every artifact is verified against
    write_json(
        task_dir / "metrics.json",
        {"split": "test", "examples": eager_result.examples, "metrics": eager_result.metrics},
    )
    log(f"   eager: {_fmt_metrics(eager_result.metrics)}")

    max_seq_len = int(model.config.max_position_embeddings)
    previous = _previous_manifest(task_dir)
    artifacts: dict[str, Any] = {}
    for backend, precision in [(b, p) for b in backends for p in precisions]:
        with scratch_tempdir(task_dir):  # every library's temporary files; cleaned if killed
            entry = export_artifact(
                spec,
                task_dir,
                backend,
                precision,
                eager,
                eager_run,
                task,
                features,
                ctx,
                tokenizer,
                eager_result,
                max_seq_len,
                data,
                previous,
                args,
            )
        artifacts[entry["file"]] = entry
    artifacts |= _still_valid(previous, artifacts, task_dir, eager, max_seq_len, args, task)

    pte = {e["precision"]: n for n, e in artifacts.items() if CATALOG[e["format"]].app_default}
    runtimes = {b.name: s for b in backends if (s := b.task_json(artifacts)) is not None}
    write_contract_files(task_dir, data, tokenizer, features, max_seq_len, pte, runtimes)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "model": spec.to_manifest()
        | {"architecture": model.config.architectures, "config": model.config.to_dict()},
        "task": task.describe() | {"labels": data.labels},
        "max_seq_len": max_seq_len,
        "seed": args.seed,
        "versions": package_versions(),
        "data": data.source,
        "checkpoint": training["checkpoint"],
        "training": training,
        "eager_metrics": eager_result.metrics,
        "eval": {
            "split": "test",
            "examples": eager_result.examples,
            "eval_limit": args.eval_limit,
            "eager_seconds": eager_result.seconds,
        },
        "artifacts": artifacts,
        "build_seconds": time.perf_counter() - started,
    }
    write_json(task_dir / MANIFEST, manifest)
    return {
        "tag": spec.tag,
        "task": task.name,
        "dir": str(task_dir),
        "eager": eager_result.metrics,
        "primary": task.primary_metric,
        "artifacts": artifacts,
    }


def export_artifact(
    spec: Any,
    task_dir: Path,
    backend: Any,
    precision: str,
    eager: Any,
    eager_run: Any,
    task: Any,
    features: list[Any],
    ctx: Any,
    tokenizer: Any,
    eager_result: Any,
    max_seq_len: int,
    data: Any,
    previous: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    import torch

    from export.backends.base import ExportRequest
    from export.io import atomic_path
    from export.manifest import file_entry
    from export.quantization import compute_breakdown, get_scheme, policy_for
    from export.verify import verify

    name = backend.artifact_name(spec.file_tag, precision)
    path = task_dir / name
    policy = policy_for(eager.model.config, precision)
    fingerprint = export_fingerprint(
        task_dir, backend.name, precision, eager, max_seq_len, args, task
    )
    old = previous.get(name)
    if not args.force and _reusable(old, fingerprint, path, backend, features, task, tokenizer):
        log(f"   {name}: up to date, skipped (pass --force to rebuild)")
        return old

    export_model, rewrite_info = prepare_for_export(
        eager, backend.name, backend.rewrite_target(policy), task.task_type, precision
    )
    example = task.example_inputs(features, tokenizer.pad_token_id)
    calibration = []
    if get_scheme(precision).quantized:
        from export.pipeline import encode

        calib_features = encode(data, data.train[:32], tokenizer, args.seed, "train")
        for feature in calib_features:
            arrays = task.model_inputs([feature], tokenizer.pad_token_id)
            calibration.append(tuple(torch.from_numpy(a) for a in arrays))
    request = ExportRequest(
        export_model,
        spec.file_tag,
        precision,
        max_seq_len,
        example,
        calibration,
        quant_policy=policy,
        input_names=task.input_names,
        static_lengths=args.static_lengths,
    )
    start = time.perf_counter()
    with atomic_path(path) as tmp:
        info = backend.export(request, tmp)
        export_seconds = time.perf_counter() - start
        runner = backend.load(tmp, num_threads=1)
        check = verify(
            name,
            precision,
            runner,
            eager_run,
            task,
            features,
            ctx,
            tokenizer.pad_token_id,
            eager_result,
        )
        del runner
        entry = file_entry(tmp) | {"file": name}
    batch_dim: Any = "batch" if backend.dynamic_batch else 1
    entry |= {
        "format": backend.name,
        "precision": precision,
        "max_seq_len": max_seq_len,
        "dynamic_batch": backend.dynamic_batch,
        "inputs": [
            {"name": n, "shape": [batch_dim, AXES.get(n, "sequence")], "dtype": "int64"}
            for n in task.input_names
        ],
        "outputs": [{"name": "logits", "dtype": "float32"}],
        "parity": {"max_abs_diff": check.max_abs_diff, "examples": check.parity_examples},
        "metrics": check.metrics,
        "metric_deltas_points": check.metric_deltas_points,
        "flagged": check.flagged,
        "eval_seconds": check.eval_seconds,
        "export_seconds": export_seconds,
        "rewrite": rewrite_info,
        "compute_breakdown": compute_breakdown(eager.model.config, 128),
        "fingerprint": fingerprint,
    } | info
    flag = ""
    if check.flagged:
        worst, moved = check.worst_delta
        flag = f"  FLAGGED: int8 moves {worst} by {moved:+.2f} points (more than 1)"
    log(
        f"   {name}: max|diff| {check.max_abs_diff:.2e}, {task.primary_metric} "
        f"{check.metrics[task.primary_metric]:.4f} "
        f"({check.metric_deltas_points[task.primary_metric]:+.2f} pts){flag}"
    )
    return entry


def export_fingerprint(
    task_dir: Path,
    backend_name: str,
    precision: str,
    eager: Any,
    max_seq_len: int,
    args: argparse.Namespace,
    task: Any,
) -> dict[str, Any]:
    """Everything an artifact depends on: equal fingerprints mean an equal export."""
    from export.backends import load_backend
    from export.io import sha256_file
    from export.models import decoder_layout
    from export.quantization import policy_for
    from export.rewrite import REWRITE_VERSION

    backend = load_backend(backend_name)
    fingerprint = {
        "checkpoint": sha256_file(task_dir / "model.safetensors"),
        "backend": backend_name,
        "precision": precision,
        "max_seq_len": max_seq_len,
        "eval_limit": args.eval_limit,
        "rewrite_version": REWRITE_VERSION,
        "inputs": list(task.input_names),
        "decoder": decoder_layout(backend_name, precision)
        if task.task_type == "fill-mask"
        else None,
        "policy": policy_for(eager.model.config, precision).to_manifest(),
        "versions": _export_versions(backend.info.packages),
    }
    if backend.static_shapes:
        fingerprint["static_lengths"] = args.static_lengths
    return fingerprint


def _reusable(
    old: dict[str, Any] | None,
    fingerprint: dict[str, Any],
    path: Path,
    backend: Any,
    features: list[Any],
    task: Any,
    tokenizer: Any,
) -> bool:
    """Same fingerprint, same bytes, and it still loads and runs through its runtime (a file
    replaced along with its recorded sha256 must not pass as up to date)."""
    from export.io import sha256_file

    if not old or old.get("fingerprint") != fingerprint or not path.is_file():
        return False
    if sha256_file(path) != old["sha256"]:
        return False
    try:
        backend.load(path, num_threads=1)(*task.model_inputs(features[:1], tokenizer.pad_token_id))
    except Exception as exc:  # each runtime raises its own types for a bad file
        first = first_line(exc)
        log(f"   {path.name}: recorded but cannot run ({first[:120]}): exporting it again")
        return False
    return True


def _still_valid(
    previous: dict[str, Any],
    built: dict[str, Any],
    task_dir: Path,
    eager: Any,
    max_seq_len: int,
    args: argparse.Namespace,
    task: Any,
) -> dict[str, Any]:
    """Earlier artifacts this run did not rebuild (a narrower --formats/--precisions): kept
    when they are still what this build would export, else their files are removed, so the
    manifest and the folder always agree."""
    from export.io import sha256_file

    kept = {}
    for name, entry in previous.items():
        if name in built:
            continue
        path = task_dir / name
        try:
            fingerprint = export_fingerprint(
                task_dir, entry["format"], entry["precision"], eager, max_seq_len, args, task
            )
        except KeyError:
            fingerprint = None
        if (
            path.is_file()
            and entry.get("fingerprint") == fingerprint
            and sha256_file(path) == entry["sha256"]
        ):
            kept[name] = entry
            log(f"   {name}: not rebuilt this time, still valid, kept")
        elif path.is_file():
            path.unlink()
            log(f"   {name}: built from another checkpoint or settings, removed")
    return kept


def prepare_for_export(
    eager: Any, backend_name: str, target: str | None, task_type: str, precision: str = "fp32"
) -> tuple[Any, dict[str, Any]]:
    """The eager model in the form the exporters want: 1x1 convolutions become linears, the
    layout channels-last (export.rewrite), masked-LM decoding only the masked rows. It works
    on a copy: checkpoints never change. A None target (a backend whose policy says the
    rewrite does not pay) exports the model as it is."""
    from export.models import export_module
    from export.rewrite import rewrite_for_export

    if target is None:
        model, report = eager.model, {"applied": False, "disabled": True}
    else:
        result = rewrite_for_export(eager.model, target=target)
        model, report = result.model, result.report.to_manifest()
    return export_module(model, task_type, backend_name, precision), report


def _export_versions(packages: tuple[str, ...]) -> dict[str, str]:
    """The versions an artifact depends on: the core pins and its backend's packages."""
    from export.manifest import CORE_PACKAGES, package_versions

    return package_versions((*CORE_PACKAGES, *packages))


def _previous_manifest(task_dir: Path) -> dict[str, Any]:
    from export.manifest import read_manifest

    try:
        return read_manifest(task_dir, verify=False).get("artifacts", {})
    except BuildError:
        return {}


def _fmt_metrics(metrics: dict[str, float]) -> str:
    return ", ".join(
        f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()
    )


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

    from export import quiet

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
