"""Minimal reproducer: torch.mm and F.linear of (23x64)·(64xn) on aarch64, against float64.

Run it in an aarch64 Python with torch (docs/aarch64.md), e.g. under QEMU user mode:

    qemu-aarch64 -L SYSROOT -cpu max,sve-default-vector-length=64 SYSROOT/usr/bin/python3.11 \\
        tools/sve_gemm_repro.py

It prints the SVE vector length the process runs with (prctl PR_SVE_GET_VL) and, for each n,
the max |float32 result - float64 reference|; an error above 1e-3 is WRONG (the correct error
is about 1e-6). Exit status 1 when any product is wrong. Needs only torch.
"""

from __future__ import annotations

import argparse
import ctypes
import itertools
import sys

import torch

PR_SVE_GET_VL = 51
PR_SVE_VL_LEN_MASK = 0xFFFF
SIZES = (7, 8, 9, 16, 17, 32)
#: torch.mm with a plain right operand, and nn.Linear's form (x @ W.T + b, a transposed one).
PRODUCTS = {
    "mm": lambda a, w, bias: torch.mm(a, w.t().contiguous()),
    "linear": lambda a, w, bias: torch.nn.functional.linear(a, w, bias),
}
TOLERANCE = 1e-3


def sve_vector_bits() -> int:
    """The SVE vector length of this process in bits; 0 without SVE."""
    value = ctypes.CDLL(None, use_errno=True).prctl(PR_SVE_GET_VL, 0, 0, 0, 0)
    return (value & PR_SVE_VL_LEN_MASK) * 8 if value >= 0 else 0


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args(argv)  # no options: --help answers, anything else is refused
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, SVE vector length {sve_vector_bits()} bits, "
        f"cpu capability {torch.backends.cpu.get_cpu_capability()}"
    )
    wrong = 0
    thread_counts = sorted({torch.get_num_threads(), 1}, reverse=True)
    for mkldnn in (True, False):  # oneDNN's matmul, or the BLAS (NVPL) path
        torch.backends.mkldnn.enabled = mkldnn
        for threads in thread_counts:
            torch.set_num_threads(threads)  # the benchmark and the check run on one thread
            for n, (name, product) in itertools.product(SIZES, PRODUCTS.items()):
                a, w, bias = torch.randn(23, 64), torch.randn(n, 64), torch.randn(n)
                got, want = product(a, w, bias), product(a.double(), w.double(), bias.double())
                err = float((got.double() - want).abs().max())
                verdict = "WRONG" if err > TOLERANCE else "ok"
                wrong += verdict == "WRONG"
                print(
                    f"  mkldnn {'on ' if mkldnn else 'off'}, {threads} thread(s), {name} "
                    f"(23x64)·(64x{n}): max abs error {err:.2e} {verdict}"
                )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
