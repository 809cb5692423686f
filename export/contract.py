"""The torch-free contract between export and its readers: the modules they may import at
module scope.

runtime_bench reads what export writes (manifests, artifact names, quantization schemes, the
backends' catalog, errors and exit codes) and runs artifacts through the same runners. It must
start, answer --help and benchmark ONNX, LiteRT or a phone without importing torch or
transformers (seconds of import, gigabytes in a slim install; the aarch64 check runs ONNX in
an emulated ARM Python with no torch at all). So a module listed here imports neither at module
scope, and imports at module scope only other modules listed here; runtime_bench imports
anything else from export only inside the function that needs it (loading an eager model,
re-scoring). tests/test_structure.py holds both sides to this list.
"""

from __future__ import annotations

#: dotted names; export.arch also loads every family module (export/arch/<family>.py) at import
CONTRACT_MODULES: tuple[str, ...] = (
    "export",  # the package: its API is re-exported lazily
    "export.contract", "export.version", "export.errors", "export.io", "export.lists",
    "export.locks", "export.masking", "export.quantization", "export.manifest",
    "export.backends",  # the catalog; get_backend loads an implementation (torch) on call
    "export.backends.runner", "export.backends.litert_runtime", "export.tflite_inputs",
    "export.ort_runtime",  # also what tools/aarch64-check runs in its torch-free Python
    "export.quiet",  # the runners' filter of native runtime chatter
    "export.arch", "export.arch.base",
)  # fmt: skip
