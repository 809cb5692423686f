"""What a build was asked for, checked once: the frozen options that travel from the CLI down."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.errors import BuildError, ConfigError

#: option -> (attribute, smallest allowed value, whether the bound itself is allowed)
_NUMBER_BOUNDS = {
    "--epochs": ("epochs", 0, False),
    "--max-steps": ("max_steps", 1, True),
    "--lr": ("lr", 0, False),
    "--batch-size": ("batch_size", 1, True),
    "--seed": ("seed", 0, True),
    "--threads": ("threads", 1, True),
    "--eval-batch-size": ("eval_batch_size", 1, True),
    "--save-steps": ("save_steps", 1, True),
}


#: numpy's seeds are 32-bit (0..2**32-1)
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class BuildOptions:
    """One build's settings (`python -m export.build --help` describes each)."""

    model: str
    tasks: tuple[str, ...]
    formats: tuple[str, ...]
    precisions: tuple[str, ...]
    out: Path = Path("artifacts")
    data_dir: Path | None = None
    init: str = "pretrained"
    tiny: bool = False
    #: --static-lengths; None: the static-shape backend's default lengths
    static_lengths: tuple[int, ...] | None = None
    epochs: float | None = None
    max_steps: int | None = None
    lr: float = 2e-5
    batch_size: int = 16
    train_limit: int | None = None
    eval_limit: int | None = None
    seed: int = 123
    threads: int | None = None
    force: bool = False
    device: str = "auto"
    eval_batch_size: int = 16
    save_steps: int | None = None
    trust_remote_code: bool = False

    @classmethod
    def from_args(cls, args: Any) -> BuildOptions:
        """Check the parsed command line (one-line errors) and freeze it."""
        from export.backends import parse_formats, parse_precisions
        from export.lists import parse_ints
        from export.tasks import parse_tasks

        check_numbers(args)
        check_out_dir(args.out)
        lengths = args.static_lengths
        return cls(
            model=args.model,
            tasks=tuple(t.name for t in parse_tasks(args.tasks)),
            formats=tuple(b.name for b in parse_formats(args.formats)),
            precisions=tuple(parse_precisions(args.precisions)),
            out=args.out,
            data_dir=args.data_dir,
            init=args.init,
            tiny=args.tiny,
            static_lengths=None
            if lengths is None
            else tuple(sorted(set(parse_ints(lengths, "--static-lengths", 2)))),
            epochs=args.epochs,
            max_steps=args.max_steps,
            lr=args.lr,
            batch_size=args.batch_size,
            train_limit=args.train_limit,
            eval_limit=args.eval_limit,
            seed=args.seed,
            threads=args.threads,
            force=args.force,
            device=args.device,
            eval_batch_size=args.eval_batch_size,
            save_steps=args.save_steps,
            trust_remote_code=args.trust_remote_code,
        )

    def task_dir(self, model_tag: str, task: str) -> Path:
        return self.out / model_tag / task


def check_numbers(args: Any) -> None:
    """Numbers that would train nothing or crash later fail up front, in one line."""
    for option, (attr, low, inclusive) in _NUMBER_BOUNDS.items():
        value = getattr(args, attr)
        if value is None:
            continue
        ok = math.isfinite(value) and (value >= low if inclusive else value > low)
        if not ok:
            bound = f"at least {low}" if inclusive else f"greater than {low}"
            raise ConfigError(f"{option} must be {bound} (got {value})")
    if args.seed is not None and args.seed > MAX_SEED:
        raise ConfigError(f"--seed must be at most {MAX_SEED}, numpy's largest (got {args.seed})")


def check_out_dir(out: Path) -> None:
    """--out must be (or become) a writable folder: noticed now, not after training."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise BuildError(f"--out {out}: {existing} is a file, not a folder: pass a folder path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BuildError(f"--out {out}: {existing} is not writable: pass a folder you can write")
