from __future__ import annotations

import shutil

import numpy as np
import pytest

from export.errors import ConfigError, DataError
from export.tasks import get_task, parse_tasks
from export.tasks.base import IGNORE, TaskContext
from export.tasks.ner import HUB_LABEL_ORDER, read_conll


def test_tasks_are_registered_by_name():
    assert [t.name for t in parse_tasks("mlm,news,ner")] == ["mlm", "news", "ner"]
    with pytest.raises(ConfigError, match="unknown task 'pos'"):
        get_task("pos")


def test_study_defaults_are_the_task_settings():
    assert (get_task("mlm").max_length, get_task("mlm").epochs) == (50, 2)
    assert (get_task("news").max_length, get_task("news").epochs) == (300, 3)
    assert (get_task("ner").max_length, get_task("ner").epochs) == (100, 3)


# --- NER ---------------------------------------------------------------------------------------


def test_conll_reader_skips_docstart_and_keeps_iob2_tags(data_dir):
    sentences = read_conll(data_dir / "conll2003" / "train.txt")
    words, tags = sentences[0]
    assert words[:3] == ["EU", "rejects", "German"] and tags[:3] == ["B-ORG", "O", "B-MISC"]
    assert all("-DOCSTART-" not in w for w, _ in sentences)


def test_malformed_conll_line_names_file_and_line(tmp_path, data_dir):
    shutil.copytree(data_dir, tmp_path / "data")
    path = tmp_path / "data" / "conll2003" / "train.txt"
    lines = path.read_text().splitlines(keepends=True)
    lines[4] = "broken line\n"
    path.write_text("".join(lines))
    with pytest.raises(DataError, match=r"train\.txt:5: malformed CoNLL line"):
        get_task("ner").load(tmp_path / "data", 123)


def test_ner_labels_follow_the_documented_order(data_dir):
    task = get_task("ner")
    labels = task.label_list(task.load(data_dir, 123))
    assert labels == [t for t in HUB_LABEL_ORDER if t in labels] and labels[0] == "O"


def test_only_the_first_subword_of_a_word_is_labelled(tokenizer):
    task = get_task("ner")
    labels = ["O", "B-PER", "I-PER"]
    [feature] = task.encode(
        [(["Wolfeschlegelsteinhausen", "ran"], ["B-PER", "O"])], tokenizer, labels, 0, "test"
    )
    pieces = tokenizer.convert_ids_to_tokens(feature.input_ids)
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]" and len(pieces) > 4
    labelled = [i for i, label in enumerate(feature.labels) if label != IGNORE]
    assert labelled == [1, pieces.index("ran")]
    assert [feature.labels[i] for i in labelled] == [1, 0]


def test_ner_metrics_count_tokens_and_entities():
    task = get_task("ner")
    labels = ["O", "B-PER", "I-PER", "B-LOC"]
    from export.tasks.base import Feature

    features = [
        Feature([101, 1, 2, 3, 102], [IGNORE, 1, 2, 0, IGNORE]),
        Feature([101, 4, 102], [IGNORE, 3, IGNORE]),
    ]
    perfect = task.score([[1, 2, 0], [3]], features, TaskContext(labels))
    assert perfect["token_accuracy"] == 1.0 and perfect["entity_f1"] == 1.0
    wrong = task.score([[1, 0, 0], [0]], features, TaskContext(labels))
    assert wrong["token_accuracy"] == 0.5
    assert wrong["entity_precision"] == 0.0 and wrong["entity_recall"] == 0.0


# --- news --------------------------------------------------------------------------------------


def test_news_split_is_deterministic_stratified_and_leak_free(data_dir):
    task = get_task("news")
    first, second = task.load(data_dir, 123), task.load(data_dir, 123)
    assert first.examples == second.examples
    texts = {split: {t for t, _ in rows} for split, rows in first.examples.items()}
    assert not texts["train"] & texts["test"] and not texts["validation"] & texts["test"]
    labels = task.label_list(first)
    assert labels == sorted(labels) and len(labels) == 5  # read from the data
    test_labels = {label for _, label in first.examples["test"]}
    assert test_labels == set(labels)  # stratified: every class is in the small test split
    total = sum(len(rows) for rows in first.examples.values())
    assert len(first.examples["train"]) == pytest.approx(0.8 * total, abs=3)


def test_news_duplicates_are_removed_before_splitting(tmp_path, data_dir):
    shutil.copytree(data_dir, tmp_path / "data")
    path = tmp_path / "data" / "news" / "bbc_news.csv"
    lines = path.read_text()
    path.write_text(lines + lines.split("\n", 1)[1])  # every article twice
    doubled = get_task("news").load(tmp_path / "data", 123)
    single = get_task("news").load(data_dir, 123)
    assert sum(map(len, doubled.examples.values())) == sum(map(len, single.examples.values()))


def test_news_metrics_are_accuracy_and_macro_f1():
    from export.tasks.base import Feature

    task = get_task("news")
    features = [Feature([101], label) for label in (0, 0, 1, 2)]
    result = task.score([0, 0, 1, 1], features, TaskContext(["a", "b", "c"]))
    assert result["accuracy"] == 0.75
    assert result["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)


# --- masked-LM ---------------------------------------------------------------------------------


def test_masks_are_seeded_about_ten_percent_and_never_empty(data_dir, tokenizer):
    task = get_task("mlm")
    utterances = task.load(data_dir, 123).examples["train"]
    a = task.encode(utterances, tokenizer, [], 123, "train")
    b = task.encode(utterances, tokenizer, [], 123, "train")
    assert [f.input_ids for f in a] == [f.input_ids for f in b]
    masked = [sum(label != IGNORE for label in f.labels) for f in a]
    assert min(masked) >= 1
    maskable = sum(len(f.input_ids) - 2 for f in a)
    assert 0.10 <= sum(masked) / maskable <= 0.2  # 10% plus the one-per-utterance floor
    for feature in a:
        for token, label in zip(feature.input_ids, feature.labels, strict=True):
            assert (token == tokenizer.mask_token_id) == (label != IGNORE)


def test_mlm_metrics_score_accuracy_cosine_and_the_majority_baseline():
    from export.tasks.base import Feature

    task = get_task("mlm")
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    features = [
        Feature([101, 103, 102], [IGNORE, 0, IGNORE]),
        Feature([101, 103, 103, 102], [IGNORE, 0, 1, IGNORE]),
    ]
    result = task.score([[0], [2, 1]], features, TaskContext([], embeddings))
    assert result["masked_accuracy"] == pytest.approx(2 / 3)
    assert result["embedding_cosine"] == pytest.approx((1 + np.sqrt(0.5) + 1) / 3)
    assert result["majority_baseline_accuracy"] == pytest.approx(2 / 3)


def test_batches_are_padded_to_their_own_longest_example(tokenizer):
    from export.tasks.base import Feature

    batch = get_task("ner").collate(
        [Feature([101, 5, 102], [IGNORE, 1, IGNORE]), Feature([101, 102], [IGNORE, IGNORE])], 0
    )
    assert batch["input_ids"].shape == (2, 3)
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"][1].tolist() == [IGNORE, IGNORE, IGNORE]
