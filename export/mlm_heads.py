"""The masked-LM head of a task model, from its family's adapter (export.arch), so that
`export.exportable.MaskedLmExportable` gathers the masked rows first and decodes them from the
tied word-embedding table. Each adapter (``Architecture.mlm_head``) says where its family keeps
the transform before the decode and the decode's weights; the default reads BERT's
``cls.predictions``.
"""

from __future__ import annotations

from torch import nn

from export.arch import MaskedLmHead, arch_for
from export.errors import ModelLoadError


def masked_lm_head(model: nn.Module) -> MaskedLmHead:
    """The adapter's head for ``model``; refuses a decoder not tied to the input table (the
    masked-only export stores one matrix)."""
    head = arch_for(model.config).mlm_head(model)
    if model.base_model.embeddings.word_embeddings.weight is not head.table:
        raise ModelLoadError(
            "the masked-LM decoder is not tied to the input embeddings: the masked-only "
            "export stores one matrix and needs tied weights (config.tie_word_embeddings)"
        )
    return head
