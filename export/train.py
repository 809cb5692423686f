"""Fine-tuning with the study's hyperparameters (AdamW, linear decay, no warm-up)."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from export.tasks.base import Feature, Task


@dataclass(frozen=True)
class TrainConfig:
    epochs: float
    learning_rate: float = 2e-5
    batch_size: int = 16
    weight_decay: float = 0.01
    max_steps: int | None = None
    seed: int = 123

    def to_manifest(self) -> dict[str, Any]:
        return asdict(self)


def length_grouped_order(
    features: list[Feature], batch_size: int, generator: torch.Generator, megabatch: int = 50
) -> list[int]:
    """A seeded shuffle, sorted by length within megabatches, then batches shuffled again.

    As transformers' group_by_length: batches hold similar lengths, so dynamic padding wastes
    little compute, while the order stays random across megabatches.
    """
    order = torch.randperm(len(features), generator=generator).tolist()
    size = batch_size * megabatch
    grouped = []
    for first in range(0, len(order), size):
        chunk = sorted(order[first : first + size], key=lambda i: -len(features[i].input_ids))
        grouped.extend(chunk)
    batches = [grouped[i : i + batch_size] for i in range(0, len(grouped), batch_size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [i for b in shuffled for i in batches[b]]


def fine_tune(
    model: torch.nn.Module, task: Task, features: list[Feature], config: TrainConfig, pad_id: int
) -> dict[str, Any]:
    """Train in place; returns what the manifest records about the run."""
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    steps_per_epoch = math.ceil(len(features) / config.batch_size)
    total = math.ceil(steps_per_epoch * config.epochs)
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    no_decay = ("bias", "LayerNorm.weight", "layernorm.weight", "norm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": config.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, 0, max(total, 1))
    model.train()
    start, step, loss_value = time.perf_counter(), 0, float("nan")
    with tqdm(total=total, desc=f"fine-tune {task.name}", unit="step") as bar:
        while step < total:
            order = length_grouped_order(features, config.batch_size, generator)
            for first in range(0, len(order), config.batch_size):
                if step >= total:
                    break
                batch = task.collate(
                    [features[i] for i in order[first : first + config.batch_size]], pad_id
                )
                loss = model(**batch).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                loss_value = loss.item()
                bar.set_postfix(loss=f"{loss_value:.4f}")
                bar.update()
    model.eval()
    return {
        "steps": step,
        "final_loss": loss_value,
        "seconds": time.perf_counter() - start,
        "train_examples": len(features),
    }
