"""Entry point for `python -m runtime_bench`.

Thread-count variables are set before torch, onnxruntime or tokenizers are imported, so no
runtime starts a worker pool sized to the machine (the benchmark measures one thread).
"""

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from runtime_bench.cli import main  # noqa: E402

raise SystemExit(main())
