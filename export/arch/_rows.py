"""The last encoder layer on the masked rows only, for the Hugging Face BERT family.

A masked-LM export (export.exportable.MaskedLmExportable) decodes M masked rows of L. Every
layer but the last must run on all L tokens, but the last layer's output is only read at those
M rows: its keys and values read every token, while its queries, attention output, residuals,
norms and FFN run on the M gathered rows. Exact (each of those is row-wise), not an
approximation; at L=128, M=20 it skips about 5/6 of one layer's FFN and projections.

One function per family, each ``(encoder, rows, input_ids, attention_mask, token_type_ids)
-> [B, M, H]``; a family names its own in its record (``Architecture.masked_rows``, export.arch). They run the
model's own modules (its embeddings, its earlier layers, its Linear layers, norms and FFN), so
they hold on the stock modules and after the export rewrites (export.rewrite.bert's bmm
attention, export.rewrite.mobilebert's NoNorm folds and trigram embeddings): the only
attention math here is for transformers' own attention modules, whose forward cannot take a
query input of another length than the key input; the rewritten `BmmAttention` can (``attend``).

The rewritten SqueezeBERT has its own ``hidden_rows`` (export.rewrite.squeezebert).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

#: (encoder, rows [B, M], input_ids, additive mask [B, 1, 1, L], token_type_ids) -> [B, M, H]
RowsFn = Callable[..., torch.Tensor]


def gather_positions(values: torch.Tensor, mask_positions: torch.Tensor) -> torch.Tensor:
    """values[b, mask_positions[b, m]] for [B, L, D] values and int64 [B, M] positions."""
    index = mask_positions[:, :, None].expand(-1, -1, values.shape[-1])
    return torch.gather(values, 1, index)


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


def _run_all_but_last(layers: nn.ModuleList, hidden: torch.Tensor, mask: torch.Tensor) -> Any:
    """Every layer but the last on all tokens; returns (hidden [B, L, H], the last layer)."""
    if mask.dim() != 4 or mask.shape[2] != 1:
        raise ValueError(
            "the masked-rows path takes the prepared additive mask [B, 1, 1, L] "
            "(export.exportable.ExportableModel.encoder_kwargs), got shape "
            f"{tuple(mask.shape)}"
        )
    for layer in layers[:-1]:
        hidden = layer(hidden, mask)
    return hidden, layers[-1]


def attend(
    attention: nn.Module,
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    names: tuple[str, str, str] = ("query", "key", "value"),
    out: str = "",
) -> torch.Tensor:
    """Self-attention of `queries` [B, M, .] over `keys`/`values` [B, L, .] -> [B, M, .].

    The rewritten `BmmAttention` takes separate inputs itself. transformers' modules derive the
    key/value head shape from the query input, so here their Linear layers (`names`; `out`, the
    output projection a module holds, DistilBERT's) run around transformers' own attention
    function for the model's ``_attn_implementation``. The [B, 1, 1, L] mask broadcasts over
    the M query rows, masking padded keys exactly as the full layer does.
    """
    if hasattr(attention, "attend"):  # export.rewrite.bert's BmmAttention
        return attention.attend(queries, keys, values, mask)
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
    from transformers.models.bert.modeling_bert import eager_attention_forward

    head_dim = attention.attention_head_size
    q_lin, k_lin, v_lin = (getattr(attention, name) for name in names)

    def heads(x: torch.Tensor) -> torch.Tensor:  # [B, N, heads*d] -> [B, heads, N, d]
        return x.view(*x.shape[:-1], -1, head_dim).transpose(1, 2)

    interface = ALL_ATTENTION_FUNCTIONS.get_interface(
        attention.config._attn_implementation, eager_attention_forward
    )
    context, _ = interface(
        attention,
        heads(q_lin(queries)),
        heads(k_lin(keys)),
        heads(v_lin(values)),
        mask,
        dropout=0.0,
        scaling=attention.scaling,
    )
    context = context.reshape(*queries.shape[:-1], -1)
    return getattr(attention, out)(context) if out else context


# --------------------------------------------------------------------------------------------
# One function per family
# --------------------------------------------------------------------------------------------


def bert_rows(
    encoder: nn.Module,
    rows: torch.Tensor,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """BertModel (BERT-base, MiniLM) and ElectraModel (same layer; `embeddings_project` when
    the embeddings are narrower than the hidden state)."""
    hidden = encoder.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
    if hasattr(encoder, "embeddings_project"):
        hidden = encoder.embeddings_project(hidden)
    hidden, last = _run_all_but_last(encoder.encoder.layer, hidden, attention_mask)
    picked = gather_positions(hidden, rows)
    context = attend(last.attention.self, picked, hidden, hidden, attention_mask)
    return last.feed_forward_chunk(last.attention.output(context, picked))


def distilbert_rows(
    encoder: nn.Module,
    rows: torch.Tensor,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    **kwargs: Any,
) -> torch.Tensor:
    """DistilBertModel: post-norm block, output projection inside the attention."""
    hidden = encoder.embeddings(input_ids)
    hidden, last = _run_all_but_last(encoder.transformer.layer, hidden, attention_mask)
    picked = gather_positions(hidden, rows)
    names = ("q_lin", "k_lin", "v_lin")
    context = attend(last.attention, picked, hidden, hidden, attention_mask, names, "out_lin")
    attended = last.sa_layer_norm(context + picked)
    return last.output_layer_norm(last.ffn(attended) + attended)


def _mobilebert_keys_values(layer: nn.Module, hidden: torch.Tensor) -> tuple[Any, Any]:
    """The key and value inputs on all tokens, as ``Bottleneck.forward`` picks them; only
    the bottlenecks keys and values read run on every token."""
    if not layer.use_bottleneck:
        return hidden, hidden
    bottleneck = layer.bottleneck
    if bottleneck.use_bottleneck_attention:
        shared = bottleneck.input(hidden)
        return shared, shared
    if bottleneck.key_query_shared_bottleneck:
        return bottleneck.attention(hidden), hidden
    return hidden, hidden


def mobilebert_rows(
    encoder: nn.Module,
    rows: torch.Tensor,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """MobileBertModel: bottlenecks (row-wise, so the query and residual inputs come from the
    M rows), stacked FFNs, NoNorm or its folded form (export.rewrite.mobilebert)."""
    hidden = encoder.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
    hidden, last = _run_all_but_last(encoder.encoder.layer, hidden, attention_mask)
    picked = gather_positions(hidden, rows)
    if last.use_bottleneck:
        queries, _, _, layer_input = last.bottleneck(picked)
    else:
        queries = layer_input = picked
    keys, values = _mobilebert_keys_values(last, hidden)
    context = attend(last.attention.self, queries, keys, values, attention_mask)
    attended = last.attention.output(context, layer_input)
    for ffn in getattr(last, "ffn", ()):
        attended = ffn(attended)
    return last.output(last.intermediate(attended), attended, picked)
