"""Masked-LM decodes only the masked positions, and that equals the full decode on the same masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from export.arch import arch_for
from export.evaluate import device_runner, eager_runner, evaluate, task_context
from export.exportable import MaskedLmExportable, reference_module
from export.models import build_task_model, load_tokenizer, resolve
from export.pipeline import auto_class, encode, load_task_data
from export.rewrite import rewrite_for_export
from export.tasks import get_task
from export.tasks.base import IGNORE, Feature
from export.tied_table import GROUP, Int4GroupEmbedding


#: every masked-LM head adapter (export.arch): BERT's, MobileBERT's split decode, DistilBERT's
@pytest.fixture(scope="module", params=["squeezebert", "bert-base", "mobilebert", "distilbert"])
def tiny_mlm(request, data_dir):
    return build_tiny_mlm(request.param, data_dir)


def build_tiny_mlm(name: str, data_dir):
    task = get_task("mlm")
    spec = resolve(name, "random", tiny=True)
    tokenizer = load_tokenizer(spec.source, spec)
    model = build_task_model(spec, auto_class(task), [], 123).eval()
    data = load_task_data(task, data_dir, 123, 8, 12)
    features = encode(data, data.test, tokenizer, 123, "test")
    return task, model, features, task_context(model, task, []), tokenizer.pad_token_id


@pytest.mark.parametrize(
    ("target", "decoder"),
    [
        ("onnx", "linear"),
        ("executorch", "table_mm"),
        ("litert", "linear"),
        ("litert-stock", "linear"),
    ],
)
def test_masked_only_decode_equals_the_full_decode_on_the_same_masks(tiny_mlm, target, decoder):
    task, model, features, ctx, pad_id = tiny_mlm
    full = eager_runner(reference_module(model, task.decodes_masked_rows))
    masked = eager_runner(
        MaskedLmExportable(
            rewrite_for_export(model, rules=arch_for(model.config).rules_for(target)).model, decoder
        )
    )
    # batch 5: rows with fewer masks are padded with position 0
    want = evaluate(full, task, features, ctx, pad_id, 5, progress=False)
    got = evaluate(masked, task, features, ctx, pad_id, 5, progress=False)
    assert got.metrics == want.metrics and got.metrics["masked_tokens"] >= len(features)
    for first in range(0, len(features), 5):
        inputs = task.model_inputs(features[first : first + 5], pad_id)
        a, b = full(*inputs), masked(*inputs)
        assert a.shape == b.shape == (*inputs[2].shape, 30522)
        assert np.abs(a - b).max() < 1e-4
        assert task.predict(a, features[first : first + 5]) == task.predict(
            b, features[first : first + 5]
        )


def test_model_inputs_pad_mask_positions_and_predict_drops_the_padding():
    task = get_task("mlm")
    features = [
        Feature([101, 103, 7, 102], [IGNORE, 5, IGNORE, IGNORE]),
        Feature([101, 103, 103, 102], [IGNORE, 5, 6, IGNORE]),
    ]
    ids, mask, positions = task.model_inputs(features, 0)
    assert positions.tolist() == [[1, 0], [1, 2]] and positions.dtype == np.int64
    assert task.output_rows(features, (ids, mask, positions)).tolist() == [
        [True, False],
        [True, True],
    ]
    logits = np.zeros((2, 2, 8), dtype=np.float32)
    logits[0, 0, 3] = logits[0, 1, 4] = logits[1, 0, 5] = logits[1, 1, 6] = 1.0
    assert task.predict(logits, features) == [[3], [5, 6]]
    assert task.example_inputs(features[:1], 0)[2].shape == (1, 2)  # traced with M >= 2


def test_bench_example_lists_the_masks_first_then_every_other_word_position():
    task = get_task("mlm")
    feature = Feature([101, 7, 103, 8, 9, 103, 102], [IGNORE, IGNORE, 4, IGNORE, IGNORE, 5, IGNORE])
    example = task.bench_example(feature)
    assert example["input_ids"] == feature.input_ids
    assert example["mask_positions"][:2] == [2, 5]
    assert sorted(example["mask_positions"][2:]) == [1, 3, 4]
    assert task.bench_example(feature) == example  # seeded


def test_an_untied_decoder_is_refused_with_the_reason(tiny_mlm):
    _, model, *_ = tiny_mlm
    untied = type(model)(model.config)
    decoder = untied.get_output_embeddings()
    decoder.weight = torch.nn.Parameter(decoder.weight.detach().clone())
    with pytest.raises(Exception, match="not tied to the input embeddings"):
        MaskedLmExportable(untied)


def test_the_int4_lookup_returns_each_row_within_half_a_quantization_step(tiny_mlm):
    _, model, *_ = tiny_mlm
    table = model.base_model.embeddings.word_embeddings.weight.detach()
    lookup = Int4GroupEmbedding(table)
    assert lookup.packed.dtype == torch.uint8
    assert lookup.packed.shape == (table.shape[0], table.shape[1] // 2)  # two values a byte
    ids = torch.tensor([[0, 101, 5000, table.shape[0] - 1]])
    want = table[ids[0]].reshape(4, -1, GROUP)
    got = lookup(ids)[0].reshape(4, -1, GROUP)
    step = want.abs().amax(-1, keepdim=True) / 7.5  # symmetric, [-8, 7]
    assert torch.all((got - want).abs() <= step / 2 + 1e-7)
    assert not torch.equal(got, want)  # it is 4-bit, not the table itself


def test_squeezebert_runs_its_last_layer_on_the_masked_rows_only(data_dir):
    task, model, features, _, pad_id = build_tiny_mlm("squeezebert", data_dir)
    exportable = MaskedLmExportable(
        rewrite_for_export(model, rules=arch_for(model.config).rules_for("executorch")).model
    )
    layers = exportable.model.base_model.layers
    seen: dict[str, tuple[int, ...]] = {}

    def record(name: str):  # the FFN's input shape, once per layer
        def hook(_module, args, _output) -> None:
            seen.setdefault(name, tuple(args[0].shape))

        return hook

    layers[-1].intermediate[0].register_forward_hook(record("last"))
    layers[-2].intermediate[0].register_forward_hook(record("before"))
    input_ids, attention_mask, positions = task.model_inputs(features[:3], pad_id)
    exportable(*(torch.from_numpy(a) for a in (input_ids, attention_mask, positions)))
    assert seen["before"][1] == input_ids.shape[1]  # every token
    assert seen["last"][1] == positions.shape[1]  # the masked rows only


def test_masked_lm_scores_through_the_training_device_runner_as_on_the_cpu(data_dir):
    """The eager score on a training device (CUDA, MPS) feeds the masked-LM's three inputs.
    "cpu:0" is not "cpu", so it takes the device path on a machine without a GPU."""
    task, model, features, ctx, pad_id = build_tiny_mlm("squeezebert", data_dir)
    module = reference_module(model, task.decodes_masked_rows)
    want = evaluate(eager_runner(module), task, features, ctx, pad_id, 4, progress=False)
    with device_runner(module, "cpu:0") as run:
        got = evaluate(run, task, features, ctx, pad_id, 4, progress=False)
    assert got.metrics == want.metrics and got.examples == len(features)
