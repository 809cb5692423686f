"""DistilBERT: 6 layers, no token types, its own config field names and masked-LM head.

Attention as 3-D bmm on ExecuTorch only (measured on XNNPACK; LiteRT was measured for BERT).
"""

from __future__ import annotations

from typing import Any

from export.arch.base import Architecture, BuiltinModel, MaskedLmHead, register_arch, rows_path


def _config() -> Any:
    from transformers import DistilBertConfig

    return DistilBertConfig()  # the defaults are distilbert-base-uncased's architecture


def _head(model: Any) -> MaskedLmHead:
    """``vocab_transform``, activation, ``vocab_layer_norm``, then ``vocab_projector`` tied to
    the table."""
    from export.arch._modules import DenseActNorm

    transform = DenseActNorm(model.vocab_transform, model.activation, model.vocab_layer_norm)
    return MaskedLmHead(transform, model.vocab_projector.weight, model.vocab_projector.bias)


ARCH = register_arch(
    Architecture(
        "distilbert",
        builtins=(
            BuiltinModel(
                "distilbert",
                "DistilBERT base uncased (6 layers, no token types)",
                lambda: "distilbert/distilbert-base-uncased",
                _config,
                rank=3,
            ),
        ),
        tiny={"n_layers": 2, "dim": 64, "n_heads": 4, "hidden_dim": 128},
        mlm_head=_head,
        masked_rows=rows_path("distilbert_rows"),
        rewrites={"executorch": ("distilbert_bmm_attention",)},
        notes=(
            "As BERT: q/k/v/out and FFN Linears int8, embeddings int8 (no token-type table); "
            "bmm attention on ExecuTorch only."
        ),
    )
)
