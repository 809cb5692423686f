"""Where fine-tuning runs: the device, its training dtype, and which process writes files.

`torchrun` and `accelerate launch` both describe the process group in the environment
(RANK, WORLD_SIZE); reading it here lets the build decide who writes files before any process
group exists. Trainer (through accelerate) creates the group itself when training starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from export.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Placement:
    """A resolved device and the dtype training computes in there (an artifact's "precision"
    is another thing: fp32 or int8, export.quantization)."""

    device: str  # cpu | cuda | mps
    dtype: str  # fp32 | bf16 | fp16

    def to_manifest(self) -> dict[str, str | int]:
        return {"device": self.device, "dtype": self.dtype, "world_size": world_size()}


def _cuda() -> bool:
    return torch.cuda.is_available()


def _mps() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


AVAILABLE = {"cuda": _cuda, "mps": _mps, "cpu": lambda: True}


def resolve_device(name: str) -> Placement:
    """auto takes CUDA, then MPS, then the CPU; an explicit device must exist."""
    if name not in DEVICES:
        raise ConfigError(f"unknown --device {name!r}: choose one of {', '.join(DEVICES)}")
    if name == "auto":
        name = next(d for d in ("cuda", "mps", "cpu") if AVAILABLE[d]())
    elif not AVAILABLE[name]():
        raise ConfigError(
            f"--device {name} was asked for but torch sees no {name.upper()} device here: "
            "pass --device auto or --device cpu"
        )
    return Placement(name, training_dtype(name))


def training_dtype(device: str) -> str:
    """bf16 where the GPU supports it, else fp16 with loss scaling; fp32 elsewhere.

    MPS trains in fp32: autocast and the gradient scaler on MPS depend on the macOS and torch
    versions, and a silent fallback would make runs differ between Macs.
    """
    if device != "cuda":
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """Rank 0 evaluates, exports, verifies and writes; the others only train."""
    return int(os.environ.get("RANK", "0")) == 0
