"""`--tiny`: a config shrunk to a few layers and a small width, keeping its architecture.

Tests build every task and artifact on tiny random models in seconds; a shrink that dropped
what defines an architecture (SqueezeBERT's groups, MobileBERT's bottlenecks) would test
another model. One row per ``config.model_type``; unknown types get the BERT row.
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

#: --tiny per architecture (config.model_type): the fields that shrink it. Each row keeps what
#: defines its architecture: SqueezeBERT's groups (untouched), MobileBERT's bottlenecks, stacked
#: FFNs, NoNorm and narrower trigram embeddings, DistilBERT's own field names (no token types).
_TINY_BERT = {
    "num_hidden_layers": 2,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "intermediate_size": 128,
}
_TINY: dict[str, dict[str, Any]] = {
    "default": _TINY_BERT,
    "squeezebert": {**_TINY_BERT, "embedding_size": 64},
    "mobilebert": {
        **_TINY_BERT,
        "intermediate_size": 64,
        "embedding_size": 32,  # != hidden_size, as the released 128 vs 512
        "intra_bottleneck_size": 32,
        "num_feedforward_networks": 2,  # stacked (the released 4 only make the tests slower)
    },
    "distilbert": {"n_layers": 2, "dim": 64, "n_heads": 4, "hidden_dim": 128},
}
#: fields a config computes from others in its constructor: dropped so that they follow the
#: shrunk ones (MobileBERT's true_hidden_size is its intra_bottleneck_size)
_DERIVED = ("true_hidden_size",)


def shrink(config: PretrainedConfig) -> PretrainedConfig:
    """A few layers and a small width, keeping the architecture (its `_TINY` row)."""
    fields = config.to_dict()
    for key in _DERIVED:
        fields.pop(key, None)
    fields |= _TINY.get(config.model_type, _TINY["default"])
    return config.__class__.from_dict(fields)
