"""A Trainer checkpoint is resumed only whole: every part present and every file hashed.

Trainer itself resumes from whatever it finds: without optimizer.pt, scheduler.pt or the RNG
state it quietly starts those afresh (and the record would say "resumed"), and without the
weights or trainer_state.json it raises a traceback. So after each save `HashCheckpoint` writes
the sha256 of every file of the checkpoint, and `check_checkpoint_folder` refuses, in one line
naming the missing or changed part and `--force`, anything less than what was saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from export.errors import DataError
from export.io import read_json, sha256_file, write_json

HASHES = "squeezebert-mobile-sha256.json"
#: part -> file name pattern; every one must be there to resume as if never interrupted
PARTS = {
    "weights": "model.safetensors",
    "optimizer state": "optimizer.pt",
    "scheduler state": "scheduler.pt",
    "RNG state": "rng_state*.pth",  # rng_state.pth, or rng_state_<rank>.pth per process
    "trainer state": "trainer_state.json",
}


def checkpoint_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file in a checkpoint folder (but the hash record itself)."""
    return {
        p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != HASHES
    }


class HashCheckpoint(TrainerCallback):
    """After each checkpoint is saved (main process): record the sha256 of its files."""

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            write_json(folder / HASHES, checkpoint_hashes(folder))


def check_checkpoint_folder(folder: Path) -> None:
    """Every part present and every file as hashed after the save, or a one-line error."""
    fix = f"pass --force to fine-tune from scratch (this deletes {folder.parent})"
    for part, pattern in PARTS.items():
        if not any(folder.glob(pattern)):
            raise DataError(
                f"cannot resume from {folder}: its {part} ({pattern}) is missing: {fix}"
            )
    record = folder / HASHES
    try:
        recorded = read_json(record)
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict):
        raise DataError(
            f"cannot resume from {folder}: it has no readable {HASHES} (interrupted while "
            f"saving, or written by an older version): {fix}"
        )
    actual = checkpoint_hashes(folder)
    for name, digest in recorded.items():
        if actual.get(name) != digest:
            state = "missing" if name not in actual else "changed since it was saved"
            raise DataError(f"cannot resume from {folder}: {name} is {state}: {fix}")
