"""CoNLL-2003 named-entity recognition (IOB2), scored by token accuracy and seqeval entity F1.

As in the study, only the first subword of each word carries a label; the others are -100.
Token accuracy is over labelled tokens, as the study measured it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from transformers import PreTrainedTokenizerBase

from export.errors import DataError
from export.tasks.base import (
    IGNORE,
    Feature,
    Splits,
    Task,
    TaskContext,
    describe_files,
    describe_hub,
    load_hub_dataset,
    read_lines,
    register_task,
)

#: The order of HF eriktks/conll2003's integer labels, used to name the hub's ids.
HUB_LABEL_ORDER = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
_FILES = {"train": "train.txt", "validation": "valid.txt", "test": "test.txt"}

Sentence = tuple[list[str], list[str]]  # words, tags
#: an IOB2 tag; seqeval scores anything else with only a warning, so it is refused on reading
IOB2 = re.compile(r"O|[BI]-[^\s-][^\s]*")


def read_conll(path: Path) -> list[Sentence]:
    """Sentences of a 4-column CoNLL file; -DOCSTART- lines are document breaks, not words."""
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split()
        if not fields:
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        if fields[0] == "-DOCSTART-":
            continue
        if len(fields) != 4:
            raise DataError(
                f"{path}:{number}: malformed CoNLL line, expected 4 columns "
                f"'word POS chunk NER', got {len(fields)}: fix or replace the file"
            )
        if not IOB2.fullmatch(fields[3]):
            raise DataError(
                f"{path}:{number}: tag {fields[3]!r} is not IOB2 (O, B-TYPE or I-TYPE): fix "
                "the file or convert its tags to IOB2"
            )
        words.append(fields[0])
        tags.append(fields[3])
    if words:
        sentences.append((words, tags))
    return sentences


@register_task
class NerTask(Task):
    name = "ner"
    task_type = "token-classification"
    auto_class_name = "AutoModelForTokenClassification"
    max_length = 100
    epochs = 3
    hub_dataset = "eriktks/conll2003"
    primary_metric = "entity_f1"
    description = "CoNLL-2003 NER: token accuracy and seqeval entity F1"

    def load_local(self, data_dir: Path, seed: int) -> Splits:
        root = data_dir / "conll2003"
        files = {split: root / name for split, name in _FILES.items()}
        examples = {split: read_conll(path) for split, path in files.items()}
        origin = {split: str(path) for split, path in files.items()}
        return Splits(examples, describe_files(data_dir, list(files.values())), origin)

    def load_hub(self, seed: int) -> Splits:
        data = load_hub_dataset(self.hub_dataset, revision="refs/convert/parquet")
        examples = {
            split: [
                (row["tokens"], [HUB_LABEL_ORDER[t] for t in row["ner_tags"]])
                for row in data[split]
            ]
            for split in ("train", "validation", "test")
        }
        return Splits(examples, describe_hub(self.hub_dataset, data))

    def label_list(self, splits: Splits) -> list[str]:
        seen = {tag for words, tags in splits.require("train") for tag in tags}
        # The documented id order where it covers the data; anything new follows, sorted.
        return [t for t in HUB_LABEL_ORDER if t in seen] + sorted(seen - set(HUB_LABEL_ORDER))

    def encode(
        self,
        examples: list[Sentence],
        tokenizer: PreTrainedTokenizerBase,
        labels: list[str],
        seed: int,
        split: str,
    ) -> list[Feature]:
        index = {label: i for i, label in enumerate(labels)}
        encoded = tokenizer(
            [words for words, _ in examples],
            is_split_into_words=True,
            truncation=True,
            max_length=self.max_length,
        )
        features = []
        for row, (_words, tags) in enumerate(examples):
            word_ids = encoded.word_ids(row)
            label_ids, previous = [], None
            for word in word_ids:
                first = word is not None and word != previous
                if first and tags[word] not in index:
                    raise DataError(
                        f"label '{tags[word]}' in the {split} split is not among "
                        f"the training labels {labels}: check the data"
                    )
                label_ids.append(index[tags[word]] if first else IGNORE)
                previous = word
            features.append(Feature(encoded["input_ids"][row], label_ids))
        return features

    def predict(self, logits: np.ndarray, features: list[Feature]) -> list[Any]:
        out = []
        for row, feature in enumerate(features):
            labels = np.asarray(feature.labels)
            keep = labels != IGNORE
            out.append(logits[row, : len(labels)].argmax(-1)[keep].tolist())
        return out

    def score(
        self, predictions: list[Any], features: list[Feature], ctx: TaskContext
    ) -> dict[str, float]:
        from seqeval.metrics import f1_score, precision_score, recall_score

        true_seqs, pred_seqs = [], []
        correct = total = 0
        for pred, feature in zip(predictions, features, strict=True):
            gold = [label for label in feature.labels if label != IGNORE]
            correct += sum(p == g for p, g in zip(pred, gold, strict=True))
            total += len(gold)
            true_seqs.append([ctx.labels[g] for g in gold])
            pred_seqs.append([ctx.labels[p] for p in pred])
        return {
            "token_accuracy": correct / max(total, 1),
            "entity_precision": precision_score(true_seqs, pred_seqs, zero_division=0),
            "entity_recall": recall_score(true_seqs, pred_seqs, zero_division=0),
            "entity_f1": f1_score(true_seqs, pred_seqs, zero_division=0),
        }
