"""The computation the backends export: a task model as forward(int64 inputs) -> logits.

``ExportableModel`` passes the encoder a plain additive 4-D mask; masked-LM exports decode only
the masked positions (``MaskedLmExportable``) and are verified against the full decode
(``FullDecodeMaskedLm``).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig

from export.arch import MaskedLmHead, arch_for
from export.arch._rows import gather_positions
from export.errors import ModelLoadError
from export.mlm_heads import masked_lm_head
from export.model_dir import refuse_remote_code
from export.models import load_pretrained

#: Bumped whenever the masked-LM export graph changes (the artifact fingerprint records it).
#: 2: an encoder that offers `hidden_rows` runs its last layer on the masked rows only.
#: 3: BERT, MiniLM, ELECTRA, DistilBERT and MobileBERT do too (export.arch._rows).
MASKED_LM_VERSION = 3


class ExportableModel(torch.nn.Module):
    """forward(input_ids, attention_mask) -> logits, with a plain additive attention mask.

    transformers 5 builds index-based masks that break PT2E calibration and lower poorly; a
    prepared 4-D additive mask is passed through untouched, so every backend sees simple ops.
    """

    input_names: tuple[str, ...] = ("input_ids", "attention_mask")

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        # DistilBERT has no token types; encoders that have them get type 0 everywhere.
        encoder_args = inspect.signature(model.base_model.forward).parameters
        self.token_types = "token_type_ids" in encoder_args

    def encoder_kwargs(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> dict[str, Any]:
        additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        kwargs = {"input_ids": input_ids, "attention_mask": additive, "return_dict": True}
        if self.token_types:
            kwargs["token_type_ids"] = torch.zeros_like(input_ids)
        return kwargs

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(**self.encoder_kwargs(input_ids, attention_mask)).logits


class FullDecodeMaskedLm(ExportableModel):
    """The reference masked-LM path: the Hugging Face model decodes every position, and the
    rows at `mask_positions` are picked afterwards. Verification compares the exported
    masked-only decode (`MaskedLmExportable`) against this."""

    input_names = ("input_ids", "attention_mask", "mask_positions")

    def forward(  # type: ignore[override]
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        mask_positions: torch.Tensor,
    ) -> torch.Tensor:
        return gather_positions(super().forward(input_ids, attention_mask), mask_positions)


class MaskedLmExportable(ExportableModel):
    """forward(input_ids, attention_mask, mask_positions) -> logits [B, M, V] of those rows only.

    The encoder runs on every token; the hidden states of the masked positions are gathered
    before the MLM head (transform, LayerNorm, decoder), so the 30,522-wide vocabulary
    projection runs on M rows instead of L. The rows are gathered earlier, before the last
    layer's queries, by an encoder that offers ``hidden_rows`` (the rewritten SqueezeBERT) or
    whose family names a rows path (``Architecture.masked_rows``: the BERT family): that layer's keys and values read every
    token, the rest of it only the M rows (exact). The decoder reads
    the one word-embedding parameter the input lookup also reads (tied weights), in one of the
    `DECODER_LAYOUTS`. Each architecture's head comes from its adapter (export.arch);
    MobileBERT's decodes the features past the table's width with its own `rest` weight.
    """

    input_names = ("input_ids", "attention_mask", "mask_positions")

    def __init__(self, model: torch.nn.Module, decoder: str = "linear", rows: bool = True) -> None:
        super().__init__(model)
        head = masked_lm_head(model)
        self.transform = head.transform
        self.decoder = TiedDecoder(head, decoder)
        self.rows = masked_rows_path(model.base_model) if rows else None

    def forward(  # type: ignore[override]
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        mask_positions: torch.Tensor,
    ) -> torch.Tensor:
        kwargs = self.encoder_kwargs(input_ids, attention_mask)
        encoder = self.model.base_model
        if hasattr(encoder, "hidden_rows"):
            picked = encoder.hidden_rows(mask_positions, **kwargs)
        elif self.rows is not None:
            picked = self.rows(encoder, mask_positions, **kwargs)
        else:
            picked = gather_positions(encoder(**kwargs).last_hidden_state, mask_positions)
        return self.decoder(self.transform(picked))


def masked_rows_path(encoder: torch.nn.Module) -> Any:
    """The family's last-layer-on-the-masked-rows path (export.arch), or None: no path, or a
    decoder (its full last layer then runs and the rows are gathered after it)."""
    config = encoder.config
    if getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
        return None
    return arch_for(config).masked_rows


class TiedDecoder(torch.nn.Module):
    """The vocabulary projection on the tied table, in one of the `DECODER_LAYOUTS`.

    Its own submodule (``MaskedLmExportable.decoder``) so that a quantizer can address the
    decoder by name and give the tied table its own scheme (export.tied_table). A table
    narrower than the hidden state (MobileBERT) decodes the remaining features through the
    head's own `rest` weights (export.arch).
    """

    def __init__(self, head: MaskedLmHead, layout: str = "linear") -> None:
        super().__init__()
        if layout not in DECODER_LAYOUTS:
            raise ValueError(f"unknown decoder layout {layout!r}: one of {list(DECODER_LAYOUTS)}")
        self.layout = layout
        self.table = head.table  # the lookup's own parameter: tied, stored once
        self.bias = head.bias
        self.rest = None if head.rest is None else torch.nn.Parameter(head.rest, False)

    def forward(self, picked: torch.Tensor) -> torch.Tensor:
        width = self.table.shape[1]
        tied = picked if self.rest is None else picked[..., :width]
        if self.layout == "table_mm":
            # [V, E] @ [E, M]: the table is the first operand, which XNNPACK's GEMM does not
            # take, so the product runs in the program and reads the lookup's constant.
            rows = torch.mm(self.table, tied.reshape(-1, width).t()).t()
            logits = (rows + self.bias).reshape(*picked.shape[:-1], -1)
        else:
            logits = torch.nn.functional.linear(tied, self.table, self.bias)
        if self.rest is not None:
            logits = logits + torch.nn.functional.linear(picked[..., width:], self.rest)
        return logits


#: How the masked-LM decoder reads the tied table (measurements: docs/performance.md).
#: "linear": F.linear(h, table): a delegate / ORT GEMM that holds its own copy of the table in
#: an ExecuTorch .pte (the lookup runs outside XNNPACK, which cannot share a constant).
#: "table_mm": mm(table, h^T)^T: stays outside XNNPACK, so the .pte stores the table once.
DECODER_LAYOUTS = ("linear", "table_mm")


def reference_module(model: torch.nn.Module, masked_lm: bool) -> ExportableModel:
    """The eager reference of a task model (masked-LM: full decode, then the masked rows)."""
    wrapper = FullDecodeMaskedLm if masked_lm else ExportableModel
    return wrapper(model).eval()


def export_module(
    model: torch.nn.Module, decoder_layout: str | None = None, masked_rows: bool = True
) -> ExportableModel:
    """The module the backends export: with a decoder layout (masked-LM, its export plan's),
    the masked rows only, decoded in that layout; without, the task model as it is."""
    if decoder_layout is not None:
        return MaskedLmExportable(model, decoder_layout, masked_rows).eval()
    return ExportableModel(model).eval()


def load_exportable(task_dir: str | Path, trust_remote_code: bool = False) -> ExportableModel:
    """The eager form of what the exporters export for a fine-tuned task directory."""
    import transformers

    from export.tasks import task_for_architecture

    refuse_remote_code(Path(task_dir), trust_remote_code)
    config = load_pretrained(AutoConfig.from_pretrained, task_dir, trust_remote_code)
    arch = (config.architectures or [""])[0]
    task = task_for_architecture(arch)
    if task is None:
        raise ModelLoadError(
            f"{task_dir}: architecture {arch or '(none)'} has no head of a known task; "
            "point at a folder python -m export.build fine-tuned"
        )
    model = load_pretrained(
        getattr(transformers, task.auto_class_name).from_pretrained,
        task_dir,
        trust_remote_code,
        attn_implementation="eager",
        use_safetensors=True,
    )
    return export_module(model.eval(), DECODER_LAYOUTS[0] if task.decodes_masked_rows else None)
