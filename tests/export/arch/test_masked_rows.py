"""The BERT family's last layer on the masked rows only (export.arch._rows) equals the full
decode: stock, after each export rewrite, with padding, several masks, and through ONNX."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModel, ElectraConfig, ElectraModel

from export.arch import arch_for
from export.arch._rows import gather_positions
from export.backends import load_backend
from export.backends.base import ExportRequest
from export.exportable import (
    FullDecodeMaskedLm,
    MaskedLmExportable,
    export_module,
    masked_rows_path,
)
from export.models import build_task_model, load_config, load_tokenizer, resolve
from export.pipeline import auto_class, encode, load_task_data
from export.plan import plan_for
from export.rewrite import rewrite_for_export
from export.rewrite.bert import BmmAttention
from export.tasks import get_task

FAMILIES = ["bert-base", "minilm", "distilbert", "mobilebert"]
TARGETS = [None, "executorch", "onnx"]  # None: the stock Hugging Face modules


def build(name: str, data_dir):
    task = get_task("mlm")
    spec = resolve(name, "random", tiny=True)
    tokenizer = load_tokenizer(spec.source, spec)
    model = build_task_model(spec, auto_class(task), [], 7).eval()
    data = load_task_data(task, data_dir, 7, 8, 12)
    features = encode(data, data.test, tokenizer, 7, "test")
    return task, model, features, tokenizer.pad_token_id


@pytest.fixture(scope="module", params=FAMILIES)
def family(request, data_dir):
    return build(request.param, data_dir)


def batches(task, features, pad_id) -> list[tuple[torch.Tensor, ...]]:
    """Real DailyDialog sentences, masked as the task masks them, in batches of 4 (padded, up
    to the batch's most masks); plus one batch whose masks also point at padding and repeat."""
    out = []
    for first in range(0, len(features), 4):
        arrays = task.model_inputs(features[first : first + 4], pad_id)
        out.append(tuple(torch.from_numpy(a) for a in arrays))
    ids, mask, _ = out[0]
    short = int(mask.sum(1).argmin())
    length = int(mask[short].sum())
    positions = torch.zeros(ids.shape[0], 4, dtype=torch.int64)
    positions[:, 1] = ids.shape[1] - 1  # padded in the shortest row
    positions[:, 2] = length - 1
    positions[:, 3] = length - 1  # twice
    assert length < ids.shape[1] and mask[short, -1] == 0
    out.append((ids, mask, positions))
    return out


def rewritten(model: torch.nn.Module, target: str | None) -> torch.nn.Module:
    """The model as the export plan of backend `target` rewrites it (its family's rules)."""
    if target is None:
        return model
    rules = arch_for(model.config).rules_for(target)
    return rewrite_for_export(model, rules=rules, target=target).model


@pytest.mark.parametrize("target", TARGETS)
def test_rows_path_equals_the_full_decode_with_padding_and_several_masks(family, target):
    task, model, features, pad_id = family
    full = FullDecodeMaskedLm(model).eval()
    rows = MaskedLmExportable(rewritten(model, target)).eval()
    assert rows.rows is not None
    with torch.no_grad():
        for inputs in batches(task, features, pad_id):
            want, got = full(*inputs), rows(*inputs)
            assert got.shape == want.shape == (*inputs[2].shape, model.config.vocab_size)
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_executorch_rewrite_routes_the_rows_through_the_bmm_attention(family):
    _, model, _, _ = family
    encoder = rewritten(model, "executorch").base_model
    assert any(isinstance(m, BmmAttention) for m in encoder.modules())


def _last_ffn_input(encoder: torch.nn.Module) -> torch.nn.Module:
    """The first Linear of the last layer's FFN (after the stacked ones, for MobileBERT)."""
    if hasattr(encoder, "transformer"):  # DistilBERT
        return encoder.transformer.layer[-1].ffn.lin1
    return encoder.encoder.layer[-1].intermediate.dense


@pytest.mark.parametrize("target", TARGETS)
def test_last_layer_ffn_sees_only_the_masked_rows(family, target):
    task, model, features, pad_id = family
    exportable = MaskedLmExportable(rewritten(model, target)).eval()
    encoder = exportable.model.base_model
    seen: list[tuple[int, ...]] = []
    _last_ffn_input(encoder).register_forward_hook(lambda _m, a, _o: seen.append(a[0].shape))
    ids, mask, positions = batches(task, features, pad_id)[0]
    with torch.no_grad():
        exportable(ids, mask, positions)
    assert seen == [torch.Size([ids.shape[0], positions.shape[1], seen[0][-1]])]
    assert positions.shape[1] < ids.shape[1]


def _mobilebert_variant(**fields) -> torch.nn.Module:
    config = load_config(resolve("mobilebert", "random", tiny=True))
    values = {k: v for k, v in config.to_dict().items() if k != "true_hidden_size"}
    config = config.__class__.from_dict(values | fields)
    torch.manual_seed(3)
    return AutoModel.from_config(config, attn_implementation="eager").eval()


def _tiny_electra(embedding_size: int) -> torch.nn.Module:
    config = ElectraConfig(
        embedding_size=embedding_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
    )
    torch.manual_seed(5)
    model = AutoModel.from_config(config, attn_implementation="eager").eval()
    assert isinstance(model, ElectraModel)
    return model


ENCODERS = {
    "mobilebert-bottleneck-attention": lambda: _mobilebert_variant(use_bottleneck_attention=True),
    # queries, keys and values then read the unbottlenecked state: as wide as the bottleneck
    "mobilebert-no-shared-bottleneck": lambda: _mobilebert_variant(
        key_query_shared_bottleneck=False, intra_bottleneck_size=64
    ),
    "mobilebert-no-bottleneck": lambda: _mobilebert_variant(use_bottleneck=False),
    "mobilebert-layer-norm": lambda: _mobilebert_variant(normalization_type="layer_norm"),
    "electra-projected": lambda: _tiny_electra(32),
    "electra": lambda: _tiny_electra(64),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", list(ENCODERS))
def test_encoder_variants_rows_equal_the_gathered_last_hidden_state(name, target, data_dir):
    """MobileBERT's other bottleneck settings and NoNorm's alternative, and ELECTRA (BERT's
    layer, with and without `embeddings_project`), on the encoder alone."""
    task, _, features, pad_id = build("bert-base", data_dir)
    stock = ENCODERS[name]()
    encoder = rewritten(stock, target)
    rows = masked_rows_path(encoder)
    assert rows is not None
    with torch.no_grad():
        for ids, mask, positions in batches(task, features, pad_id):
            additive = (1.0 - mask[:, None, None, :].float()) * -10000.0
            kwargs = {"input_ids": ids, "attention_mask": additive}
            kwargs["token_type_ids"] = torch.zeros_like(ids)
            want = gather_positions(stock(**kwargs).last_hidden_state, positions)
            got = rows(encoder, positions, **kwargs)
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_a_two_dimensional_mask_is_refused_with_the_shape_it_needs(family):
    _, model, _, _ = family
    encoder = model.base_model
    ids = torch.ones(1, 6, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"\[B, 1, 1, L\]"):
        masked_rows_path(encoder)(encoder, torch.zeros(1, 2, dtype=torch.int64), ids, ids.float())


def test_a_decoder_has_no_rows_path():
    config = load_config(resolve("bert-base", "random", tiny=True))
    config.is_decoder = True
    assert masked_rows_path(AutoModel.from_config(config)) is None


def exported_matches_eager(built, backend_name: str, tmp_path) -> None:
    """Exported by `backend_name` as a build exports it (the backend's rewrite target, the
    masked-only module), run by its runtime on batches of other lengths and mask counts than
    traced, against the full decode."""
    task, model, features, pad_id = built
    backend = load_backend(backend_name)
    plan = plan_for(arch_for(model.config), backend, "fp32", task, file_tag="tiny", max_seq_len=64)
    module = export_module(rewritten(model, backend_name), plan.decoder_layout)
    assert module.rows is not None
    request = ExportRequest(
        module, plan, task.example_inputs(features, pad_id), input_names=task.input_names
    )
    path = tmp_path / plan.file
    backend.export(request, path)
    runner = backend.load(path, num_threads=1)
    full = FullDecodeMaskedLm(model).eval()
    for batch in batches(task, features, pad_id):
        # a batch-1 program (ExecuTorch) gets each row alone, still padded to the batch's length
        rows = (
            [batch]
            if backend.dynamic_batch
            else [tuple(t[i : i + 1] for t in batch) for i in range(len(batch[0]))]
        )
        for inputs in rows:
            with torch.no_grad():
                want = full(*inputs).numpy()
            got = runner(*(t.numpy() for t in inputs))
            assert got.shape == want.shape
            assert np.abs(got - want).max() < 1e-3


def test_the_onnx_artifact_of_the_rows_path_matches_eager(family, tmp_path):
    exported_matches_eager(family, "onnx", tmp_path)


def test_the_pte_of_the_rows_path_through_the_bmm_attention_matches_eager(data_dir, tmp_path):
    """BERT-base on ExecuTorch: the rewritten bmm attention with M queries over L keys, both
    axes dynamic, delegated to XNNPACK."""
    exported_matches_eager(build("bert-base", data_dir), "executorch", tmp_path)
