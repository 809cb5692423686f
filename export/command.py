"""`squeezebert-mobile`: the installed command, `build` and `bench` under one name.

Each subcommand hands its arguments to the module that owns them (export.build, runtime_bench.cli),
so `python -m export.build` and `python -m runtime_bench` take exactly the same options. Nothing
heavy is imported before a subcommand is chosen: `--help` and `--version` answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from export.errors import exit_codes_epilog
from export.version import package_version

PROG = "squeezebert-mobile"


def _build(argv: list[str]) -> int:
    from export.build import main

    return main(argv, prog=f"{PROG} build")


def _bench(argv: list[str]) -> int:
    # As `python -m runtime_bench` does: before any runtime starts a pool sized to the machine.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from runtime_bench.cli import main

    return main(argv, prog=f"{PROG} bench")


#: subcommand -> (one-line help, runner taking the rest of the command line)
COMMANDS: dict[str, tuple[str, Callable[[list[str]], int]]] = {
    "build": ("fine-tune, export (ONNX, ExecuTorch, LiteRT) and verify; see build --help", _build),
    "bench": ("benchmark the built artifacts on this host or on phones; see bench --help", _bench),
}

EPILOG = f"""examples:
  {PROG} build --model squeezebert --init random --tiny --data-dir tests/fixtures/data
  {PROG} bench --artifacts artifacts --seq-lens 32,128
  {PROG} build --help

{exit_codes_epilog()}"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="On-device NLP export pipeline: fine-tune BERT-family encoders, export them\n"
        "to ONNX, ExecuTorch and LiteRT (fp32, int8), verify and benchmark them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (text, _) in COMMANDS.items():
        # add_help=False: `COMMAND --help` reaches the subcommand's own, complete parser
        sub.add_parser(name, help=text, add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only the words before the subcommand are the command's own; the rest is the subcommand's.
    head = next((i for i, word in enumerate(argv) if word in COMMANDS), len(argv))
    args = parser().parse_args(argv[: head + 1])
    return COMMANDS[args.command][1](argv[head + 1 :])


if __name__ == "__main__":
    sys.exit(main())
