"""Masked-LM over NER at full size, with the last layer on every row and on the masked rows.

BERT-base random init (``BertConfig()``; NER shares its encoder weights), int8, exported by the
ONNX and ExecuTorch backends as a build exports them (rewrite for the backend, masked-only
module), three artifacts each: NER, masked-LM with the full last layer (export.arch._rows
switched off: ``MASKED_LM_VERSION`` 2's graph) and masked-LM on the masked rows. All six run
in one process on one thread, round-robin with the order rotated every round, at L = 128 and
M = ``masked_count(128)``; a busy machine slows all alike, so the figures are per-round
ratios, summarised by their median. Exports are kept in OUT and reused.

    PYTHONPATH=. python tools/masked_rows_probe.py /tmp/rows-probe --rounds 60
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModelForMaskedLM, AutoModelForTokenClassification, BertConfig

from export.backends import load_backend
from export.backends.base import ExportRequest
from export.exportable import export_module
from export.masking import masked_count
from export.models import load_tokenizer, resolve
from export.pipeline import encode, load_task_data
from export.quantization import policy_for
from export.rewrite import rewrite_for_export
from export.tasks import get_task

DATA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "data"
BACKENDS = ("onnx", "executorch")
KINDS = ("ner", "mlm_full", "mlm_rows")
LENGTH = 128


def models() -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    mlm = AutoModelForMaskedLM.from_config(BertConfig(), attn_implementation="eager").eval()
    ner = AutoModelForTokenClassification.from_config(
        BertConfig(num_labels=9), attn_implementation="eager"
    ).eval()
    ner.bert.load_state_dict(mlm.bert.state_dict(), strict=False)  # the same encoder
    return {"ner": ner, "mlm": mlm}


def calibration(task_name: str, tokenizer: Any) -> tuple[Any, list[Any], tuple[Any, ...]]:
    """The task, 16 real training examples to calibrate on, and the tracing inputs."""
    task = get_task(task_name)
    data = load_task_data(task, DATA, 1, 16, 8)
    features = encode(data, data.train[:16], tokenizer, 1, "train")
    pad = tokenizer.pad_token_id
    examples = [tuple(torch.from_numpy(a) for a in task.model_inputs([f], pad)) for f in features]
    return task, examples, task.example_inputs(features, pad)


def export_all(out: Path) -> dict[tuple[str, str], Path]:
    spec = resolve("bert-base", "random", tiny=True)  # only for the (offline) tokenizer
    tokenizer = load_tokenizer(spec.source, spec)
    nets = models()
    tasks = {name: calibration(name, tokenizer) for name in ("mlm", "ner")}
    paths = {}
    for backend_name in BACKENDS:
        backend = load_backend(backend_name)
        for kind in KINDS:
            task_name = kind.split("_")[0]
            task, examples, example = tasks[task_name]
            model = nets[task_name]
            policy = policy_for(model.config, "int8", task.name)
            target = backend.rewrite_target(policy)
            model = model if target is None else rewrite_for_export(model, target=target).model
            module = export_module(model, task.task_type, backend_name, "int8")
            if kind == "mlm_full":
                module.rows = None  # the full last layer, then the gather
            path = out / f"{kind}-{backend.artifact_name('bert', 'int8')}"
            paths[(backend_name, kind)] = path
            if path.exists():
                continue
            request = ExportRequest(
                module, "bert", "int8", LENGTH, example, examples, quant_policy=policy,
                input_names=task.input_names, input_cap=task.max_length,
            )  # fmt: skip
            start, tmp = time.time(), path.with_name(f"tmp-{path.name}")
            backend.export(request, tmp)
            tmp.rename(path)
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
    args = parser.parse_args()
    if args.rounds < 10:
        parser.error("--rounds must be at least 10 (the p10-p90 needs them)")
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = export_all(args.out)
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
    print(f"L={LENGTH} M={masked_count(LENGTH)} rounds={args.rounds} threads=1")
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
