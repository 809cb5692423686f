"""MobileBERT: bottlenecks, stacked FFNs, NoNorm and a trigram embedding narrower than the
hidden state.

export.rewrite folds 192 of the 193 NoNorms into the Linear before them and builds the trigram
embedding from one padded copy (a dynamic length from 2 on ExecuTorch), on ONNX and ExecuTorch;
ExecuTorch also gets bmm attention. LiteRT measured no gain: no rewrite there. The masked-LM
.pte has 4-bit FFN weights: with int8 FFNs it is 33.7 MB, 27.9 MB with 4-bit ones (1.07x
slower on x86); NER and news keep int8 FFNs (26.2 MB, faster on x86). docs/performance.md,
"MobileBERT and DistilBERT".
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

#: MobileBERT's four stacked FFNs per layer (intermediate and output Linears): 12.6 M of its
#: encoder's 20.1 M weights
FFNS = r"encoder\.layer\.\d+\.(ffn\.\d+\.)?(intermediate|output)\.dense$"
_FOLDS = ("mobilebert_no_norm_fold", "mobilebert_trigram_embeddings")


def _config() -> Any:
    from transformers import MobileBertConfig

    return MobileBertConfig()  # the defaults are mobilebert-uncased's architecture


def _head(model: Any) -> MaskedLmHead:
    """The BERT transform, then ``h @ cat([table^T, dense.weight])``: the table is only 128
    wide (embedding_size) against a 512-wide hidden state, so the first 128 features decode
    through the tied table and the other 384 through the head's own ``dense`` weight. Split,
    the table is stored once; the concatenation would make a [V, 512] copy of it."""
    predictions = model.cls.predictions
    # dense is Linear(V, H - E) only to hold a [H - E, V] matrix; F.linear wants [V, H - E]. A
    # transposed copy: a plain weight to every quantizer (a permuted parameter is not).
    rest = predictions.dense.weight.detach().t().contiguous()
    return MaskedLmHead(
        predictions.transform, predictions.decoder.weight, predictions.decoder.bias, rest
    )


ARCH = register_arch(
    Architecture(
        "mobilebert",
        builtins=(
            BuiltinModel(
                "mobilebert",
                "MobileBERT uncased (bottlenecks, stacked FFNs, NoNorm)",
                lambda: "google/mobilebert-uncased",
                _config,
                rank=2,
            ),
        ),
        tiny={
            **TINY_BERT,
            "intermediate_size": 64,
            "embedding_size": 32,  # != hidden_size, as the released 128 vs 512
            "intra_bottleneck_size": 32,
            "num_feedforward_networks": 2,  # stacked (the released 4 only make tests slower)
        },
        mlm_head=_head,
        masked_rows=rows_path("mobilebert_rows"),
        rewrites={"onnx": _FOLDS, "executorch": (*_FOLDS, "mobilebert_bmm_attention")},
        task_quant={"mlm": {"executorch": {"int4_linears": FFNS}}},
        notes=(
            "Every Linear int8 (bottlenecks, stacked FFNs, the split masked-LM decode), "
            "embeddings int8; NoNorm (x*w+b) stays fp32 elementwise; the masked-LM .pte has "
            "4-bit FFN weights. Random-init int8 stays within 1 point on every task."
        ),
    )
)
