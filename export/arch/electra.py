"""ELECTRA-small: BERT's encoder layer with a 128-wide word/position/type embedding projected
to a 256-wide hidden state (``embeddings_project``), 12 layers, 4 heads, about 14 M weights.

The masked-LM head is the generator's: ``generator_predictions`` (dense to embedding_size,
GELU, LayerNorm), then ``generator_lm_head`` tied to the 128-wide table, so the decode reads
the table as it is (no `rest`, unlike MobileBERT). The last layer on the masked rows is BERT's
(export.arch._rows.bert_rows projects the embeddings first). No rewrite rules and every
backend's quantization defaults: none measured for ELECTRA yet.
"""

from __future__ import annotations

from typing import Any

from export.arch.base import (
    TINY_BERT,
    Architecture,
    BuiltinModel,
    MaskedLmHead,
    register_arch,
    rows_path,
)


def _config() -> Any:
    from transformers import ElectraConfig

    # The defaults are electra-small-discriminator's architecture (transformers documents
    # ElectraConfig against that checkpoint): embedding 128, hidden 256, 12 layers, 4 heads,
    # intermediate 1024, the 30,522-entry uncased vocabulary.
    return ElectraConfig()


def _head(model: Any) -> MaskedLmHead:
    """ElectraForMaskedLM: ``generator_predictions`` (dense, activation, LayerNorm), then
    ``generator_lm_head`` tied to the word embeddings."""
    from export.arch._modules import DenseActNorm

    predictions = model.generator_predictions
    transform = DenseActNorm(predictions.dense, predictions.activation, predictions.LayerNorm)
    decoder = model.generator_lm_head
    return MaskedLmHead(transform, decoder.weight, decoder.bias)


ARCH = register_arch(
    Architecture(
        "electra",
        builtins=(
            BuiltinModel(
                "electra-small",
                "ELECTRA-small discriminator (128-wide embeddings projected to 256)",
                lambda: "google/electra-small-discriminator",
                _config,
                rank=5,
            ),
        ),
        tiny={**TINY_BERT, "embedding_size": 32},  # != hidden_size: embeddings_project stays
        mlm_head=_head,
        masked_rows=rows_path("bert_rows"),
        notes=(
            "Backend defaults: every Linear int8 (embeddings_project, q/k/v/out, FFN, the "
            "generator head's dense), embeddings int8; no rewrite measured yet."
        ),
    )
)
