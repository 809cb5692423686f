"""Fine-tuning with the study's hyperparameters, on transformers' Trainer.

This module only turns our options into `TrainingArguments`: Trainer (with accelerate under it)
does AdamW with weight-decay groups, the linear schedule, clipping, length-grouped batches,
mixed precision (the placement's bf16/fp16 dtype), data-parallel training across processes,
checkpoints and resume. Nothing here calls accelerate directly: every need of the build is
covered by Trainer's own arguments.

Checkpoints live in a hidden working folder inside the task directory (`.trainer/`), keeping
only the latest; running the same command again resumes from it. Model weights in a checkpoint
are safetensors (transformers 5 writes nothing else). Resuming also reads Trainer's optimizer,
scheduler, scaler and RNG states, which are torch pickles: Trainer loads every one of them with
`torch.load(weights_only=True)` (tensors and plain containers only, no code), and it never
reads back the `training_args.bin` it writes beside them.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import Trainer, TrainerCallback, TrainingArguments
from transformers.trainer_callback import ProgressCallback
from transformers.trainer_utils import get_last_checkpoint

from export.device import Placement, world_size
from export.io import as_json, read_json, write_json
from export.progress import is_quiet
from export.tasks.base import Feature, Task
from export.trainer_checkpoint import HashCheckpoint, check_checkpoint_folder

WORK_DIR = ".trainer"  # Trainer's checkpoints, inside the task directory
FINGERPRINT = "fingerprint.json"  # what the checkpoints in WORK_DIR were trained for
SAVE_EVERY_SECONDS = 300.0  # default checkpoint interval: a few minutes of work
CALIBRATION_STEPS = 5  # steps timed to turn SAVE_EVERY_SECONDS into a step count


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe; it is what decides whether a checkpoint can be reused."""

    epochs: float
    learning_rate: float = 2e-5
    batch_size: int = 16
    weight_decay: float = 0.01
    max_steps: int | None = None
    seed: int = 123

    def to_manifest(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunOptions:
    """How a run is carried out, without changing what it learns."""

    placement: Placement
    save_steps: int | None = None  # None: save every SAVE_EVERY_SECONDS of training


class FeatureDataset(torch.utils.data.Dataset):
    """Features as the dicts Trainer's length-grouped sampler reads `input_ids` from."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict[str, Any]:
        feature = self.features[index]
        return {"input_ids": feature.input_ids, "labels": feature.labels}


def task_collator(task: Task, pad_id: int) -> Any:
    """The task's own collate (dynamic padding) over the dataset's dicts."""

    def collate(items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return task.collate([Feature(i["input_ids"], i["labels"]) for i in items], pad_id)

    return collate


def training_arguments(
    config: TrainConfig, options: RunOptions, work_dir: Path
) -> TrainingArguments:
    """The study's recipe as TrainingArguments: the one place our options meet Trainer's."""
    dtype = options.placement.dtype
    save_steps = options.save_steps
    return TrainingArguments(
        output_dir=str(work_dir),
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,  # Trainer exempts biases and LayerNorm weights
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        lr_scheduler_type="linear",
        warmup_steps=0,
        max_grad_norm=1.0,
        optim="adamw_torch",
        seed=config.seed,
        data_seed=config.seed,
        train_sampling_strategy="group_by_length",
        bf16=dtype == "bf16",
        fp16=dtype == "fp16",  # with accelerate's dynamic loss scaling
        use_cpu=options.placement.device == "cpu",
        ddp_backend="gloo" if options.placement.device == "cpu" and world_size() > 1 else None,
        save_strategy="steps",
        # CheckpointPolicy decides; without --save-steps it saves every few minutes of work.
        save_steps=save_steps if save_steps is not None else 10**9,
        save_total_limit=1,
        save_only_model=False,  # optimizer, scheduler and RNG states too: needed to resume
        eval_strategy="no",
        logging_strategy="steps",
        logging_steps=0.05,  # twenty loss points per run, for the training record
        report_to="none",
        disable_tqdm=False,
        remove_unused_columns=False,
        dataloader_num_workers=0,
    )


class CheckpointPolicy(TrainerCallback):
    """Checkpoint every `every` steps, and never after the last step: the pipeline saves that
    model itself at once, so Trainer would spend seconds on a checkpoint to delete.

    Without --save-steps, `every` becomes about `seconds` of work, from the pace of the first
    CALIBRATION_STEPS steps. Every process must save at the same steps (saving synchronises
    them), so all of them take the main process's figure.
    """

    def __init__(self, every: int | None, seconds: float) -> None:
        self.every = every
        self.seconds = seconds
        self.started: float | None = None
        self.steps_run = 0

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.started is None:
            self.started = time.monotonic()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.steps_run += 1
        if self.every is None and self.steps_run == CALIBRATION_STEPS and self.started:
            per_step = (time.monotonic() - self.started) / self.steps_run
            self.every = on_every_process(max(1, round(self.seconds / per_step)))
        due = self.every is not None and state.global_step % self.every == 0
        control.should_save = due and state.global_step < state.max_steps
        return control


def on_every_process(value: int) -> int:
    """The main process's value, everywhere (as is, in a single process).

    Trainer has no time-based saving and no way to share a value between processes, so this
    one broadcast uses accelerate directly; it works on gloo (CPU) and NCCL (CUDA) alike.
    """
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return value
    from accelerate.utils import broadcast_object_list

    return int(broadcast_object_list([value])[0])


class LossInBar(ProgressCallback):
    """Trainer's progress bar, named after the task, with the loss in it instead of log lines."""

    def __init__(self, desc: str) -> None:
        super().__init__()
        self.desc = desc

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.training_bar = tqdm(
                total=state.max_steps, desc=self.desc, dynamic_ncols=True, disable=is_quiet()
            )
        self.current_step = 0

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if self.training_bar is not None and logs and "loss" in logs:
            self.training_bar.set_postfix(loss=f"{logs['loss']:.4f}")


def resume_point(work_dir: Path, fingerprint: dict[str, Any], restart: bool) -> str | None:
    """The latest checkpoint in work_dir when it was trained for this fingerprint.

    Every process reaches the same answer from the same files; only the main process deletes
    or writes (`prepare_work_dir`).
    """
    if restart or not work_dir.is_dir():
        return None
    marker = work_dir / FINGERPRINT
    if not marker.is_file() or read_json(marker) != as_json(fingerprint):
        return None
    checkpoint = get_last_checkpoint(str(work_dir))
    if checkpoint is not None:
        check_checkpoint_folder(Path(checkpoint))  # whole and unchanged, or one line
    return checkpoint


def prepare_work_dir(work_dir: Path, fingerprint: dict[str, Any], resume: str | None) -> None:
    """Main process: start a fresh working folder unless resuming from it."""
    if resume is None:
        shutil.rmtree(work_dir, ignore_errors=True)
        write_json(work_dir / FINGERPRINT, fingerprint)


def fine_tune(
    model: torch.nn.Module,
    task: Task,
    features: list[Feature],
    config: TrainConfig,
    pad_id: int,
    options: RunOptions,
    work_dir: Path,
    fingerprint: dict[str, Any],
    restart: bool = False,
    callbacks: Sequence[TrainerCallback] = (),
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Train in place (resuming from work_dir when it holds a matching checkpoint); returns
    what the manifest records about the run. The model comes back on the CPU, in eval mode."""
    from export.device import is_main_process

    resume = resume_point(work_dir, fingerprint, restart)
    if is_main_process():
        prepare_work_dir(work_dir, fingerprint, resume)
    args = training_arguments(config, options, work_dir)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=FeatureDataset(features),
        data_collator=task_collator(task, pad_id),
        callbacks=[HashCheckpoint(), *callbacks],  # first: a checkpoint is hashed at once
    )
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(LossInBar(f"fine-tune {task.name}"))
    trainer.add_callback(CheckpointPolicy(options.save_steps, SAVE_EVERY_SECONDS))
    start_step = trainer_step(resume)
    if resume is not None:
        log(f"   resuming the interrupted fine-tune from its checkpoint at step {start_step}")
    start = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - start
    steps = trainer.state.global_step
    global_batch = config.batch_size * world_size()
    examples = examples_trained(len(features), global_batch, start_step, steps)
    losses = [[e["step"], e["loss"]] for e in trainer.state.log_history if "loss" in e]
    model.to("cpu").eval()
    return {
        "steps": steps,
        "final_loss": losses[-1][1] if losses else output.training_loss,
        "mean_loss": output.training_loss,
        "losses": losses,
        "seconds": seconds,
        "examples_per_second": examples / seconds if seconds > 0 else None,
        "train_examples": len(features),
        "resumed_from_step": start_step,
    } | options.placement.to_manifest()


def trainer_step(checkpoint: str | None) -> int:
    """The global step a Trainer checkpoint folder was saved at (0 for none)."""
    if checkpoint is None:
        return 0
    return int(read_json(Path(checkpoint) / "trainer_state.json")["global_step"])


def examples_trained(dataset_size: int, global_batch: int, first_step: int, last_step: int) -> int:
    """Examples seen between two global steps: full batches, except each epoch's last one."""
    per_epoch = math.ceil(dataset_size / global_batch)
    last_batch = dataset_size - (per_epoch - 1) * global_batch
    return sum(
        last_batch if step % per_epoch == per_epoch - 1 else global_batch
        for step in range(first_step, last_step)
    )
