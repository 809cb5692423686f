"""SqueezeBERT: grouped 1x1 convolutions, rewritten channels-last into per-group Linears.

Without the rewrite ORT int8 takes ConvInteger and XNNPACK leaves Conv1d fp32; every backend
but the stock LiteRT route (the baseline that shows what the rewrite buys) gets it.
"""

from __future__ import annotations

from typing import Any

from export.arch.base import TINY_BERT, Architecture, BuiltinModel, register_arch


def _config() -> Any:
    from transformers import SqueezeBertConfig

    return SqueezeBertConfig()  # the defaults are squeezebert-uncased's architecture


_CHANNELS_LAST = ("squeezebert_channels_last",)

ARCH = register_arch(
    Architecture(
        "squeezebert",
        builtins=(
            BuiltinModel(
                "squeezebert",
                "SqueezeBERT (grouped 1x1 convolutions)",
                lambda: "squeezebert/squeezebert-uncased",
                _config,
                rank=0,
            ),
        ),
        tiny={**TINY_BERT, "embedding_size": 64},  # the groups stay as released
        rewrites={"onnx": _CHANNELS_LAST, "executorch": _CHANNELS_LAST, "litert": _CHANNELS_LAST},
        notes=(
            "Grouped 1x1 Conv1d rewritten to per-group nn.Linear (export.rewrite) first; "
            "without it ORT int8 takes ConvInteger and XNNPACK leaves Conv1d fp32."
        ),
    )
)
