"""Training throughput of the Trainer path against the hand-written loop it replaced.

Both fine-tune pretrained MiniLM on CoNLL-2003 NER on one CPU thread, interleaved round by
round in one process, so a busy machine slows both alike; the figure is the per-round ratio
(Trainer examples/s over old-loop examples/s), summarised by its median.

Two figures per run: the whole fine_tune call (Trainer's set-up included: a few seconds per
task, which a real run of thousands of steps amortises), and its step loop alone.

Two workloads per round:
- equal: examples of one token length, so every batch of both paths is the same [16, L] tensor;
  the ratio is Trainer's per-step overhead and nothing else;
- real: the same real training examples for one epoch; each path groups them by length its own
  way (the old loop sorted megabatches of 800, Trainer's sampler smaller ones), so padding
  differs a little too.

    PYTHONPATH=. python tools/compare_train_throughput.py --data-dir /work/shared/data
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback

OLD_LOOP = "288d31b:export/train.py"  # the last commit with the hand-written loop


def load_old_loop() -> types.ModuleType:
    """The old export/train.py, straight from git history."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "show", OLD_LOOP], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    module = types.ModuleType("old_train")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, OLD_LOOP, "exec"), module.__dict__)
    return module


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=12, help="batches of 16 per path and workload")
    args = p.parse_args()

    from export import quiet
    from export.device import resolve_device
    from export.models import build_task_model, load_tokenizer, resolve
    from export.pipeline import auto_class, encode, load_task_data
    from export.tasks import get_task
    from export.train import RunOptions, TrainConfig, fine_tune

    quiet.enable()
    torch.set_num_threads(1)
    old = load_old_loop()
    task = get_task("ner")
    spec = resolve("minilm", "pretrained", tiny=False)
    data = load_task_data(task, args.data_dir, 123, 4000, None)
    tokenizer = load_tokenizer(spec.source, spec)
    features = encode(data, data.train, tokenizer, 123, "train")
    size = 16 * args.steps
    length, _ = Counter(len(f.input_ids) for f in features).most_common(1)[0]
    workloads = {
        "equal": [f for f in features if len(f.input_ids) == length][:size],
        "real": features[:size],
    }
    if len(workloads["equal"]) < size:
        raise SystemExit(f"only {len(workloads['equal'])} examples of length {length}")
    config = TrainConfig(epochs=1)
    pad = tokenizer.pad_token_id
    placement = resolve_device("cpu")

    def old_path(feats: list[Any]) -> tuple[float, float]:
        model = build_task_model(spec, auto_class(task), data.labels, 123)
        result = old.fine_tune(model, task, feats, old.TrainConfig(epochs=1), pad)
        speed = result["train_examples"] / result["seconds"]
        return speed, speed  # the old loop had no set-up worth the name

    def new_path(feats: list[Any]) -> tuple[float, float]:
        model = build_task_model(spec, auto_class(task), data.labels, 123)
        window = StepWindow()
        with tempfile.TemporaryDirectory() as work:
            options = RunOptions(placement)
            result = fine_tune(
                model, task, feats, config, pad, options, Path(work), {}, True, [window]
            )
        return result["examples_per_second"], len(feats) / window.seconds

    rows = []
    for round_ in range(args.rounds):
        for name, feats in workloads.items():
            # Alternate which path goes first, so neither always runs on a warmer machine.
            order = [old_path, new_path] if round_ % 2 == 0 else [new_path, old_path]
            speed = {fn.__name__: fn(feats) for fn in order}
            (old_call, old_loop), (new_call, new_loop) = speed["old_path"], speed["new_path"]
            rows.append((name, new_call / old_call, new_loop / old_loop))
            print(
                f"round {round_ + 1} {name}: old {old_loop:.2f} ex/s; trainer {new_call:.2f} "
                f"ex/s whole call, {new_loop:.2f} ex/s in its step loop; ratios "
                f"{rows[-1][1]:.3f} whole call, {rows[-1][2]:.3f} step loop",
                flush=True,
            )
    print(f"\nMiniLM NER, 1 thread, {size} examples per path, length {length} for 'equal'")
    for name in workloads:
        for column, label in ((1, "whole call"), (2, "step loop")):
            values = [row[column] for row in rows if row[0] == name]
            print(
                f"{name}, {label}: median ratio trainer/old {statistics.median(values):.3f} "
                f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} rounds)"
            )


class StepWindow(TrainerCallback):
    """Seconds from the first step's start to the last step's end: Trainer's loop without its
    one-off set-up and tear-down (a garbage collection, the sampler, the optimizer)."""

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not hasattr(self, "start"):
            self.start = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.seconds = time.perf_counter() - self.start


if __name__ == "__main__":
    main()
