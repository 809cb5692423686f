"""News topic classification, scored by accuracy and macro F1.

Online the study's `valurank/News_Articles_Categorization` (8 classes, one split); offline the
BBC News stand-in (5 classes). Both are deduplicated, then split 80/10/10 with a seeded,
stratified split, as the study split its data (seed 123). Labels are read from the data.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
from transformers import PreTrainedTokenizerBase

from export.errors import DataError
from export.tasks.base import (
    Feature,
    Splits,
    Task,
    TaskContext,
    describe_files,
    describe_hub,
    load_hub_dataset,
    read_text_file,
    register_task,
)

Article = tuple[str, str]  # text, label


def read_news_csv(path: Path) -> list[Article]:
    rows: list[Article] = []
    reader = csv.DictReader(io.StringIO(read_text_file(path), newline=""))
    if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
        raise DataError(f"{path}: expected a CSV header with 'text' and 'label' columns")
    for number, row in enumerate(reader, start=2):
        if row["text"] is None or row["label"] is None:
            raise DataError(f"{path}:{number}: row has missing fields: fix the CSV quoting")
        rows.append((row["text"], row["label"]))
    return rows


#: Rows a label needs so that each of the two stratified splits keeps one on either side.
MIN_ROWS_PER_LABEL = 2


def split_articles(
    articles: list[Article], seed: int, source: str = "the news data"
) -> dict[str, list[Article]]:
    """Deduplicate (duplicates would leak into test), then a stratified 80/10/10 split."""
    from collections import Counter

    from datasets import Dataset

    unique: dict[str, str] = {}
    for text, label in articles:
        text = text.strip()
        if text and label and text not in unique:
            unique[text] = label.strip()
    if not unique:
        raise DataError(f"{source} is empty after deduplication: check the data files")
    counts = Counter(unique.values())
    rare = sorted(label for label, n in counts.items() if n < MIN_ROWS_PER_LABEL)
    if rare:
        raise DataError(
            f"{source}: label {rare[0]!r} has {counts[rare[0]]} row(s) after deduplication; a "
            f"stratified split needs at least {MIN_ROWS_PER_LABEL} per label: add rows or "
            "drop the label"
        )
    data = Dataset.from_dict({"text": list(unique), "label": list(unique.values())})
    data = data.class_encode_column("label")
    try:
        first = data.train_test_split(test_size=0.2, seed=seed, stratify_by_column="label")
        second = first["test"].train_test_split(
            test_size=0.5, seed=seed, stratify_by_column="label"
        )
    except ValueError as exc:  # too few rows overall for an 80/10/10 split of every label
        raise DataError(
            f"{source}: cannot split {len(unique)} articles of {len(counts)} labels 80/10/10 "
            f"by label ({exc}): add rows"
        ) from None
    names = data.features["label"].names
    as_rows = lambda d: [(r["text"], names[r["label"]]) for r in d]  # noqa: E731
    splits = {
        "train": as_rows(first["train"]),
        "validation": as_rows(second["train"]),
        "test": as_rows(second["test"]),
    }
    for split, rows in splits.items():
        missing = sorted(set(counts) - {label for _, label in rows})
        if missing:  # a label never scored: the metrics would silently leave it out
            raise DataError(
                f"{source}: label {missing[0]!r} has {counts[missing[0]]} row(s) after "
                f"deduplication, too few for the stratified 80/10/10 split to put one in the "
                f"{split} split: add rows (10 or more per label) or drop the label"
            )
    return splits


@register_task
class NewsTask(Task):
    name = "news"
    task_type = "text-classification"
    auto_class_name = "AutoModelForSequenceClassification"
    max_length = 300
    epochs = 3
    hub_dataset = "valurank/News_Articles_Categorization"
    primary_metric = "accuracy"
    description = "news topic classification: accuracy and macro F1"

    def load_local(self, data_dir: Path, seed: int) -> Splits:
        path = data_dir / "news" / "bbc_news.csv"
        splits = split_articles(read_news_csv(path), seed, str(path))
        origin = {split: f"{path} ({split} part)" for split in splits}
        return Splits(splits, describe_files(data_dir, [path]), origin)

    def load_hub(self, seed: int) -> Splits:
        data = load_hub_dataset(self.hub_dataset, split="train")
        articles = [
            (r["Text"], r["Category"])
            for r in data
            if r["Text"] is not None and r["Category"] is not None
        ]
        splits = split_articles(articles, seed, self.hub_dataset)
        return Splits(splits, describe_hub(self.hub_dataset, data))

    def label_list(self, splits: Splits) -> list[str]:
        return sorted({label for _, label in splits.require("train")})

    def encode(
        self,
        examples: list[Article],
        tokenizer: PreTrainedTokenizerBase,
        labels: list[str],
        seed: int,
        split: str,
    ) -> list[Feature]:
        index = {label: i for i, label in enumerate(labels)}
        encoded = tokenizer(
            [text for text, _ in examples], truncation=True, max_length=self.max_length
        )
        features = []
        for ids, (_, label) in zip(encoded["input_ids"], examples, strict=True):
            if label not in index:
                raise DataError(
                    f"label '{label}' in the {split} split is not among the "
                    f"training labels {labels}: check the data"
                )
            features.append(Feature(ids, index[label]))
        return features

    def predict(self, logits: np.ndarray, features: list[Feature]) -> list[Any]:
        return logits.reshape(len(features), -1).argmax(-1).tolist()

    def score(
        self, predictions: list[Any], features: list[Feature], ctx: TaskContext
    ) -> dict[str, float]:
        from sklearn.metrics import accuracy_score, f1_score

        gold = [f.labels for f in features]
        return {
            "accuracy": float(accuracy_score(gold, predictions)),
            "macro_f1": float(f1_score(gold, predictions, average="macro", zero_division=0)),
        }
