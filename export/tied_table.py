"""The masked-LM's tied embedding/decoder table in 4 bits, for the int8 ExecuTorch `.pte`.

The word-embedding lookup runs outside XNNPACK and the decoder inside it, and neither can read
the other's copy of the table (docs/performance.md, "int8 .pte layouts"), so an int8 `.pte`
carries the 30,522-row table twice: 2 x 23.4 MB for a 768-wide model. In 4 bits each copy is
half that: the lookup becomes ExecuTorch's `embedding_4bit` and the decoder an XNNPACK 4-bit
GEMM with dynamically quantized int8 activations (torchao's `Int8DynamicActivationIntxWeight`,
qd8-f32-qb4w), both symmetric in groups of `GROUP` columns. Per-channel 4-bit decoder weights
moved the trained MiniLM's masked-token accuracy by 1.5 points; groups of 32 keep it within a
point (docs/performance.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch

#: columns per scale in both 4-bit copies (ExecuTorch llama's `-E 4,32` and `8da4w` group)
GROUP = 32
#: the qmin/qmax of a signed 4-bit value, as embedding_4bit and XNNPACK's qc4w expect them
INT4_RANGE = (-8, 7)
#: the name of the decoder submodule a quantizer addresses (MaskedLmExportable.decoder)
DECODER_MODULE = "decoder"


class Int4GroupEmbedding(torch.nn.Module):
    """An `nn.Embedding` whose table is 4-bit, packed two values per byte, with one fp32 scale
    per `group` columns: runs as `quantized_decomposed::embedding_4bit` in the `.pte`."""

    def __init__(self, table: torch.Tensor, group: int = GROUP) -> None:
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


class Int4Decoder(torch.nn.Module):
    """The decoder as one `nn.Linear` over the table (and MobileBERT's `rest` columns) with
    torchao's dynamic-int8-activation, 4-bit-group weight quantization, which XNNPACK runs."""

    def __init__(self, decoder: torch.nn.Module, group: int = GROUP) -> None:
        super().__init__()
        from torchao.quantization import quantize_

        weight = decoder.table.detach()
        if decoder.rest is not None:
            weight = torch.cat([weight, decoder.rest.detach()], dim=1)
        rows, width = weight.shape
        self.linear = torch.nn.Linear(width, rows)
        with torch.no_grad():
            self.linear.weight.copy_(weight)
            self.linear.bias.copy_(decoder.bias.detach())
        quantize_(self.linear, int4_weight_config(group if width % group == 0 else width))

    def forward(self, picked: torch.Tensor) -> torch.Tensor:
        return self.linear(picked)


def int4_weight_config(group: int) -> Any:
    """torchao's dynamic-int8-activation, 4-bit-weight config (groups of `group` input
    columns): what XNNPACK runs as qd8-f32-qb4w."""
    from torchao.quantization import Int8DynamicActivationIntxWeightConfig
    from torchao.quantization.granularity import PerGroup

    return Int8DynamicActivationIntxWeightConfig(
        weight_dtype=torch.int4, weight_granularity=PerGroup(group)
    )


def int4_table_inplace(model: torch.nn.Module, group: int = GROUP) -> list[str]:
    """Make a masked-LM exportable's lookup and decoder read 4-bit tables, in place (the
    caller passes its own copy). Returns the submodule the PT2E quantizer must leave alone
    (`keep_as_is_quantizer`): the `DECODER_MODULE`, already quantized."""
    embeddings = model.model.base_model.embeddings
    table = embeddings.word_embeddings.weight.detach()
    embeddings.word_embeddings = Int4GroupEmbedding(table, group)
    setattr(model, DECODER_MODULE, Int4Decoder(getattr(model, DECODER_MODULE), group))
    return [DECODER_MODULE]


def int4_linears_inplace(model: torch.nn.Module, pattern: str, group: int = GROUP) -> list[str]:
    """Give `model`'s `nn.Linear` layers named by `pattern` (a regex searched in the module
    name) 4-bit weights in groups of `group` input columns, in place (the caller passes its own
    copy); XNNPACK runs them as qd8-f32-qb4w GEMMs, as the 4-bit decoder. A Linear whose width
    `group` does not divide stays for the int8 quantizer. Returns the names it changed, which
    the PT2E quantizer must leave alone (`keep_as_is_quantizer`)."""
    from torchao.quantization import quantize_

    wanted = re.compile(pattern)
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and wanted.search(name)
        and module.in_features % group == 0
    ]
    for name in names:
        quantize_(model.get_submodule(name), int4_weight_config(group))
    return names


def keep_as_is_quantizer(module_names: Sequence[str] = (DECODER_MODULE,)) -> Any:
    """A PT2E quantizer that marks every node of the named submodules as annotated, so that
    the quantizers after it in a ComposableQuantizer leave those submodules as they are."""
    from torchao.quantization.pt2e.quantizer import QuantizationAnnotation, Quantizer

    kept = tuple(module_names)

    class KeepAsIs(Quantizer):
        def annotate(self, model: torch.fx.GraphModule) -> torch.fx.GraphModule:
            for node in model.graph.nodes:
                paths = [path for path, _ in (node.meta.get("nn_module_stack") or {}).values()]
                if any(p == name or p.startswith(name + ".") for p in paths for name in kept):
                    node.meta["quantization_annotation"] = QuantizationAnnotation(_annotated=True)
            return model

        def validate(self, model: torch.fx.GraphModule) -> None:
            return None

    return KeepAsIs()
