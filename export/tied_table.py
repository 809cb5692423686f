"""The masked-LM's tied embedding/decoder table in 4 bits, for the int8 ExecuTorch `.pte`.

The word-embedding lookup runs outside XNNPACK and the decoder inside it, and neither can read
the other's copy of the table (docs/performance.md, "int8 .pte layouts"), so an int8 `.pte`
carries the 30,522-row table twice: 2 x 23.4 MB for a 768-wide model. In 4 bits each copy is
half that: the lookup becomes ExecuTorch's `embedding_4bit` (symmetric, groups of
`LOOKUP_GROUP` columns) and the decoder an XNNPACK 4-bit per-channel GEMM with dynamically
quantized activations. Measured on the trained MiniLM table, masked-token accuracy stays within
a point of fp32 (docs/performance.md).
"""

from __future__ import annotations

import copy
from typing import Any

import torch

#: columns per scale in the 4-bit lookup table (ExecuTorch llama's `-E 4,32`)
LOOKUP_GROUP = 32
#: the qmin/qmax of a signed 4-bit value, as embedding_4bit and XNNPACK's qc4w expect them
INT4_RANGE = (-8, 7)
#: the name of the decoder submodule a quantizer addresses (MaskedLmExportable.decoder)
DECODER_MODULE = "decoder"


class Int4GroupEmbedding(torch.nn.Module):
    """An `nn.Embedding` whose table is 4-bit, packed two values per byte, with one fp32 scale
    per `group` columns: runs as `quantized_decomposed::embedding_4bit` in the `.pte`."""

    def __init__(self, table: torch.Tensor, group: int = LOOKUP_GROUP) -> None:
        super().__init__()
        from executorch.exir.passes import _quant_patterns_and_replacements  # noqa: F401  (ops)
        from torchao.quantization.quant_primitives import (
            MappingType,
            choose_qparams_affine,
            quantize_affine,
        )

        rows, width = table.shape
        group = group if width % group == 0 else width  # else one scale per row
        qmin, qmax = INT4_RANGE
        block = (1, group)
        with torch.no_grad():
            scale, zero = choose_qparams_affine(
                table.float(), MappingType.SYMMETRIC, block, torch.int8, qmin, qmax
            )
            values = quantize_affine(table.float(), block, scale, zero, torch.int8, qmin, qmax)
            packed = torch.ops.quant_fusion._pack_embedding_weight(values, 4)
        self.register_buffer("packed", packed.contiguous())
        self.register_buffer("scales", scale.reshape(rows, width // group).float().contiguous())

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        qmin, qmax = INT4_RANGE
        return torch.ops.quantized_decomposed.embedding_4bit.dtype(
            self.packed, self.scales, None, qmin, qmax, indices, dtype=torch.float32
        )


def with_int4_lookup(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of a masked-LM exportable whose word-embedding lookup reads a 4-bit table; the
    decoder keeps the fp32 parameter (the quantizer makes it 4-bit, `decoder_int4_config`)."""
    model = copy.deepcopy(model)
    embeddings = model.model.base_model.embeddings
    embeddings.word_embeddings = Int4GroupEmbedding(embeddings.word_embeddings.weight.detach())
    return model


def decoder_int4_config() -> Any:
    """XNNPACK's dynamic per-channel 4-bit weight config (qd8-f32-qc4w) for the decoder."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        get_symmetric_quantization_config,
    )

    qmin, qmax = INT4_RANGE
    return get_symmetric_quantization_config(
        is_per_channel=True, is_dynamic=True, weight_qmin=qmin, weight_qmax=qmax
    )


def has_tied_decoder(model: torch.nn.Module) -> bool:
    return isinstance(getattr(model, DECODER_MODULE, None), torch.nn.Module) and hasattr(
        getattr(model, "model", None), "base_model"
    )
