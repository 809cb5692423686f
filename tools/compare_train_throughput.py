"""Training throughput of the Trainer path against the hand-written loop it replaced.

Both fine-tune pretrained MiniLM on CoNLL-2003 NER on one CPU thread, interleaved round by
round in one process, so a busy machine slows both alike; the figure is the per-round ratio
(Trainer examples/s over old-loop examples/s), summarised by its median.

Figures per run: the whole fine_tune call (Trainer's set-up included: a few seconds per
task, which a real run of thousands of steps amortises) and its step loop alone, each in
examples per wall second and per CPU second of this process. On a machine shared with other
work the CPU-time ratio is the steadier one: it does not count time spent waiting for a core.

Two workloads per round:
- equal: examples of one token length, so every batch of both paths is the same [16, L] tensor;
  the ratio is Trainer's per-step overhead and nothing else;
- real: the same real training examples for one epoch; each path groups them by length its own
  way. Both sort megabatches of 50 batches (800 examples) once the set holds at least 3,200
  examples (Trainer shrinks its megabatches below that: 48 examples for 192), so the default
  size gives both the padding a full-size fine-tune has.

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
    p.add_argument("--steps", type=int, default=12, help="batches of 16 for 'equal'")
    p.add_argument(
        "--real-examples", type=int, default=3200, help="real examples, one epoch, for 'real'"
    )
    p.add_argument("--only", choices=("equal", "real"), help="run one workload only")
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
    data = load_task_data(task, args.data_dir, 123, max(4000, args.real_examples), None)
    tokenizer = load_tokenizer(spec.source, spec)
    features = encode(data, data.train, tokenizer, 123, "train")
    size = 16 * args.steps
    length, _ = Counter(len(f.input_ids) for f in features).most_common(1)[0]
    workloads = {
        "equal": [f for f in features if len(f.input_ids) == length][:size],
        "real": features[: args.real_examples],
    }
    if len(workloads["equal"]) < size:
        raise SystemExit(f"only {len(workloads['equal'])} examples of length {length}")
    if args.only:
        workloads = {args.only: workloads[args.only]}
    for name, feats in workloads.items():
        old_tokens, new_tokens = padded_tokens(old, feats, 16, 123)
        print(f"{name}: padded tokens per epoch, old loop {old_tokens}, Trainer {new_tokens}")
    config = TrainConfig(epochs=1)
    pad = tokenizer.pad_token_id
    placement = resolve_device("cpu")

    def old_path(feats: list[Any]) -> dict[str, float]:
        model = build_task_model(spec, auto_class(task), data.labels, 123)
        cpu = time.process_time()
        result = old.fine_tune(model, task, feats, old.TrainConfig(epochs=1), pad)
        cpu = time.process_time() - cpu
        wall = len(feats) / result["seconds"]
        # The old loop had no set-up worth the name: its call is its loop.
        return {"wall call": wall, "wall loop": wall, "cpu call": len(feats) / cpu,
                "cpu loop": len(feats) / cpu}  # fmt: skip

    def new_path(feats: list[Any]) -> dict[str, float]:
        model = build_task_model(spec, auto_class(task), data.labels, 123)
        window = StepWindow()
        with tempfile.TemporaryDirectory() as work:
            options = RunOptions(placement)
            cpu = time.process_time()
            result = fine_tune(
                model, task, feats, config, pad, options, Path(work), {}, True, [window]
            )
            cpu = time.process_time() - cpu
        return {"wall call": result["examples_per_second"], "wall loop": len(feats) / window.wall,
                "cpu call": len(feats) / cpu, "cpu loop": len(feats) / window.cpu}  # fmt: skip

    rows: list[tuple[str, dict[str, float]]] = []
    for round_ in range(args.rounds):
        for name, feats in workloads.items():
            # Alternate which path goes first, so neither always runs on a warmer machine.
            order = [old_path, new_path] if round_ % 2 == 0 else [new_path, old_path]
            speed = {fn.__name__: fn(feats) for fn in order}
            ratio = {k: speed["new_path"][k] / speed["old_path"][k] for k in speed["old_path"]}
            rows.append((name, ratio))
            print(
                f"round {round_ + 1} {name}: examples/s old {speed['old_path']['wall loop']:.2f}, "
                f"trainer {speed['new_path']['wall call']:.2f}; ratios trainer/old "
                + ", ".join(f"{k} {v:.3f}" for k, v in ratio.items()),
                flush=True,
            )
    print(
        f"\nMiniLM NER, 1 thread, per path: {size} examples of length {length} ('equal'), "
        f"{args.real_examples} real examples ('real')"
    )
    for name in workloads:
        for key in rows[0][1]:
            values = [ratio[key] for row_name, ratio in rows if row_name == name]
            print(
                f"{name}, {key}: median ratio trainer/old {statistics.median(values):.3f} "
                f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} rounds)"
            )


def padded_tokens(old: Any, feats: list[Any], batch: int, seed: int) -> tuple[int, int]:
    """Tokens after dynamic padding over one epoch, in the old loop's order and in the order of
    the sampler Trainer uses (`get_length_grouped_indices`, behind `LengthGroupedSampler`)."""
    from transformers.trainer_pt_utils import get_length_grouped_indices

    lengths = [len(f.input_ids) for f in feats]
    old_order = old.length_grouped_order(feats, batch, torch.Generator().manual_seed(seed))
    new_order = get_length_grouped_indices(
        lengths, batch, generator=torch.Generator().manual_seed(seed)
    )

    def cost(order: list[int]) -> int:
        runs = [order[i : i + batch] for i in range(0, len(order), batch)]
        return sum(max(lengths[i] for i in run) * len(run) for run in runs)

    return cost(old_order), cost(new_order)


class StepWindow(TrainerCallback):
    """Wall and CPU seconds from the first step's start to the last step's end: Trainer's loop
    without its one-off set-up and tear-down (a garbage collection, the sampler, the optimizer)."""

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not hasattr(self, "start"):
            self.start = (time.perf_counter(), time.process_time())

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.wall = time.perf_counter() - self.start[0]
        self.cpu = time.process_time() - self.start[1]


if __name__ == "__main__":
    main()
