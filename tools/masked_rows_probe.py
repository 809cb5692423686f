"""Masked-LM over NER at full size, with the last layer on every row and on the masked rows.

BERT-base random init (``BertConfig()``; NER shares its encoder weights), int8, exported by the
ONNX and ExecuTorch backends as a build exports them (export.artifact_export: the artifact's
export plan from ``plan_for``, ``prepare_for_export`` with the plan's rewrite rules and decoder
layout, an ``ExportRequest`` calibrated on real training examples), three artifacts each: NER,
masked-LM with the full last layer (the plan with ``masked_rows`` off: ``MASKED_LM_VERSION``
2's graph) and masked-LM on the masked rows (the plan as a build makes it). All six run in one
process on one thread, round-robin with the order rotated every round, at L = 128 and
M = ``masked_count(128)``; a busy machine slows all alike, so the figures are per-round
ratios, summarised by their median. Exports are kept in OUT and reused (by file name).
``--tiny`` shrinks the config as ``export.build --tiny`` does (a check that the probe runs,
in seconds; its figures say nothing about BERT-base).

    PYTHONPATH=. python tools/masked_rows_probe.py /tmp/rows-probe --rounds 60
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModelForMaskedLM, AutoModelForTokenClassification, BertConfig

from export.arch import arch_for
from export.artifact_export import CALIBRATION_EXAMPLES, prepare_for_export
from export.backends import load_backend
from export.backends.base import ExportRequest
from export.exportable import reference_module
from export.io import atomic_path
from export.masking import masked_count
from export.models import load_tokenizer, resolve, shrink
from export.pipeline import encode, load_task_data
from export.plan import ExportPlan, plan_for
from export.tasks import get_task
from export.tasks.base import Task

DATA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "data"
BACKENDS = ("onnx", "executorch")
KINDS = ("ner", "mlm_full", "mlm_rows")
LENGTH = 128
PRECISION = "int8"


def models(tiny: bool) -> dict[str, torch.nn.Module]:
    """Random-init BERT-base masked-LM and NER (9 CoNLL labels) on one encoder."""
    torch.manual_seed(0)
    configs = {"mlm": BertConfig(), "ner": BertConfig(num_labels=9)}
    if tiny:
        configs = {name: shrink(config) for name, config in configs.items()}
    mlm = AutoModelForMaskedLM.from_config(configs["mlm"], attn_implementation="eager").eval()
    ner = AutoModelForTokenClassification.from_config(
        configs["ner"], attn_implementation="eager"
    ).eval()
    ner.bert.load_state_dict(mlm.bert.state_dict(), strict=False)  # the same encoder
    return {"ner": ner, "mlm": mlm}


def task_inputs(task: Task, tokenizer: Any) -> tuple[list[Any], tuple[Any, ...]]:
    """Real training examples to calibrate on (as many as a build takes) and tracing inputs."""
    data = load_task_data(task, DATA, 1, CALIBRATION_EXAMPLES, 8)
    features = encode(data, data.train, tokenizer, 1, "train")
    pad = tokenizer.pad_token_id
    examples = [tuple(torch.from_numpy(a) for a in task.model_inputs([f], pad)) for f in features]
    return examples, task.example_inputs(features, pad)


def plan_of(model: torch.nn.Module, backend: Any, task: Task, kind: str, tag: str) -> ExportPlan:
    """The plan a build makes for this artifact; mlm_full: the same with the rows path off."""
    plan = plan_for(
        arch_for(model.config), backend, PRECISION, task, file_tag=tag, max_seq_len=LENGTH
    )
    if task.decodes_masked_rows and not plan.masked_rows:
        sys.exit(
            f"error: the {plan.backend} {PRECISION} masked-LM plan of {plan.architecture} has "
            "no masked-rows path (export.plan._masked_rows): nothing to compare"
        )
    return dataclasses.replace(plan, masked_rows=False) if kind == "mlm_full" else plan


def export_all(out: Path, tiny: bool) -> dict[tuple[str, str], Path]:
    spec = resolve("bert-base", "random", tiny=True)  # only for the (offline) tokenizer
    tokenizer = load_tokenizer(spec.source, spec)
    nets = models(tiny)
    tasks = {name: get_task(name) for name in ("mlm", "ner")}
    inputs_of = {name: task_inputs(task, tokenizer) for name, task in tasks.items()}
    tag = "bert-tiny" if tiny else "bert"
    paths = {}
    for backend_name in BACKENDS:
        backend = load_backend(backend_name)
        for kind in KINDS:
            task_name = kind.split("_")[0]
            task, (examples, example) = tasks[task_name], inputs_of[task_name]
            eager = reference_module(nets[task_name], task.decodes_masked_rows)
            plan = plan_of(eager.model, backend, task, kind, tag)
            path = out / f"{kind}-{plan.file}"
            paths[(backend_name, kind)] = path
            if path.exists():
                continue
            module, _ = prepare_for_export(eager, plan)
            request = ExportRequest(module, plan, example, examples, task.input_names)
            start = time.time()
            with atomic_path(path) as tmp:
                backend.export(request, tmp)
            print(f"exported {path.name} in {time.time() - start:.0f} s", flush=True)
    return paths


def inputs() -> dict[str, tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 20000, size=(1, LENGTH), dtype=np.int64)
    ids[0, 0], ids[0, -1] = 101, 102
    mask = np.ones((1, LENGTH), dtype=np.int64)
    chosen = rng.choice(np.arange(1, LENGTH - 1), size=masked_count(LENGTH), replace=False)
    positions = np.sort(chosen)[None].astype(np.int64)
    ids[0, positions[0]] = 103
    return {
        "ner": (ids, mask),
        "mlm_full": (ids, mask, positions),
        "mlm_rows": (ids, mask, positions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the six artifacts (reused)")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument(
        "--tiny", action="store_true", help="export.build's --tiny config: a quick run-through"
    )
    args = parser.parse_args()
    if args.rounds < 10:
        parser.error("--rounds must be at least 10 (the p10-p90 needs them)")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"{args.out} is a file: OUT is the folder the artifacts are kept in")
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = export_all(args.out, args.tiny)
    feeds = inputs()
    runners = {key: load_backend(key[0]).load(path, num_threads=1) for key, path in paths.items()}
    for b in BACKENDS:
        full = runners[(b, "mlm_full")](*feeds["mlm_full"])
        rows = runners[(b, "mlm_rows")](*feeds["mlm_rows"])
        agree = np.mean(full.argmax(-1) == rows.argmax(-1))
        print(f"{b}: full vs rows logits max|diff| {np.abs(full - rows).max():.3g}, "
              f"argmax agree {agree:.2f}")  # fmt: skip
    for key, run in runners.items():
        for _ in range(3):
            run(*feeds[key[1]])
    times: dict[tuple[str, str], list[float]] = {key: [] for key in runners}
    for r in range(args.rounds):
        for b in BACKENDS:
            for kind in KINDS[r % 3 :] + KINDS[: r % 3]:
                start = time.perf_counter()
                runners[(b, kind)](*feeds[kind])
                times[(b, kind)].append(time.perf_counter() - start)
    model = "tiny BERT (--tiny)" if args.tiny else "BERT-base"
    print(
        f"{model} {PRECISION}: L={LENGTH} M={masked_count(LENGTH)} rounds={args.rounds} threads=1"
    )
    for b in BACKENDS:
        ner = times[(b, "ner")]
        for kind in ("mlm_full", "mlm_rows"):
            ratios = sorted(a / n for a, n in zip(times[(b, kind)], ner, strict=True))
            p10, p90 = ratios[len(ratios) // 10], ratios[len(ratios) * 9 // 10]
            print(f"{b} {kind}: {statistics.median(times[(b, kind)]) * 1e3:.1f} ms vs NER "
                  f"{statistics.median(ner) * 1e3:.1f} ms, paired ratio median "
                  f"{statistics.median(ratios):.3f} (p10-p90 {p10:.3f}-{p90:.3f})")  # fmt: skip
        pairs = zip(times[(b, "mlm_rows")], times[(b, "mlm_full")], strict=True)
        print(f"{b} rows/full paired median {statistics.median(r / f for r, f in pairs):.3f}")


if __name__ == "__main__":
    main()
