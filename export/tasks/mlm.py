"""Masked-LM on DailyDialog utterances, scored as the study did.

Metrics: masked-token accuracy, and the mean cosine similarity between the input embeddings of
the predicted and the true token over masked positions (study: 0.6972 SqueezeBERT, 0.7820
BERT-base). Masks are drawn once per split from a seeded generator, so every backend is scored
on the very same masks; `majority_baseline_accuracy` is the accuracy of always predicting the
most frequent true token of those masks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from export.errors import DataError
from export.tasks.base import (
    IGNORE,
    SPLITS,
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

MASK_PROBABILITY = 0.10


def read_utterances(path: Path) -> list[str]:
    return [line.strip() for line in read_lines(path) if line.strip()]


def masked_positions(feature: Feature) -> list[int]:
    """Token indices that carry a label: the masked ones."""
    return [i for i, label in enumerate(feature.labels) if label != IGNORE]


@register_task
class MaskedLmTask(Task):
    name = "mlm"
    task_type = "fill-mask"
    auto_class_name = "AutoModelForMaskedLM"
    decodes_masked_rows = True
    max_length = 50
    epochs = 2
    hub_dataset = "benjaminbeilharz/better_daily_dialog"
    primary_metric = "masked_accuracy"
    description = "masked-LM on DailyDialog: masked-token accuracy and embedding cosine"
    input_names = ("input_ids", "attention_mask", "mask_positions")

    def load_local(self, data_dir: Path, seed: int) -> Splits:
        files = [data_dir / "dailydialog" / f"{split}.txt" for split in SPLITS]
        examples = {split: read_utterances(f) for split, f in zip(SPLITS, files, strict=True)}
        origin = {split: str(f) for split, f in zip(SPLITS, files, strict=True)}
        return Splits(examples, describe_files(data_dir, files), origin)

    def load_hub(self, seed: int) -> Splits:
        data = load_hub_dataset(self.hub_dataset)
        examples = {
            split: [u.strip() for u in data[split]["utterance"] if u and u.strip()]
            for split in SPLITS
        }
        return Splits(examples, describe_hub(self.hub_dataset, data))

    def label_list(self, splits: Splits) -> list[str]:
        splits.require("train")
        return []

    def encode(
        self,
        examples: list[str],
        tokenizer: PreTrainedTokenizerBase,
        labels: list[str],
        seed: int,
        split: str,
    ) -> list[Feature]:
        if tokenizer.mask_token_id is None:
            raise DataError("the tokenizer has no [MASK] token: masked-LM needs a BERT-style vocab")
        rng = np.random.default_rng([seed, SPLITS.index(split) if split in SPLITS else 99])
        special = set(tokenizer.all_special_ids)
        encoded = tokenizer(examples, truncation=True, max_length=self.max_length)
        features = []
        for ids in encoded["input_ids"]:
            candidates = [i for i, token in enumerate(ids) if token not in special]
            if not candidates:
                continue
            chosen = [i for i in candidates if rng.random() < MASK_PROBABILITY]
            if not chosen:  # every example contributes at least one masked token
                chosen = [candidates[int(rng.integers(len(candidates)))]]
            masked, label_ids = list(ids), [IGNORE] * len(ids)
            for i in chosen:
                label_ids[i] = ids[i]
                masked[i] = tokenizer.mask_token_id
            features.append(Feature(masked, label_ids))
        return features

    def model_inputs(self, features: list[Feature], pad_id: int) -> tuple[np.ndarray, ...]:
        """input_ids, attention_mask and mask_positions [B, M]: each example's masked positions,
        padded with position 0 ([CLS]) up to the batch's largest count; `predict` drops those."""
        return self._inputs(features, pad_id, min_masks=1)

    def example_inputs(self, features: list[Feature], pad_id: int) -> tuple[torch.Tensor, ...]:
        return tuple(torch.from_numpy(a) for a in self._inputs(features[:2], pad_id, min_masks=2))

    def _inputs(
        self, features: list[Feature], pad_id: int, min_masks: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        batch = self.collate(features, pad_id)
        positions = [masked_positions(f) for f in features]
        width = max(min_masks, *(len(p) for p in positions))
        out = np.zeros((len(features), width), dtype=np.int64)
        for row, chosen in enumerate(positions):
            out[row, : len(chosen)] = chosen
        return batch["input_ids"].numpy(), batch["attention_mask"].numpy(), out

    def output_rows(self, features: list[Feature], inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        rows = np.zeros(inputs[2].shape, dtype=bool)
        for row, feature in enumerate(features):
            rows[row, : len(masked_positions(feature))] = True
        return rows

    def bench_example(self, feature: Feature) -> dict[str, Any]:
        """input_ids plus `mask_positions`: the example's masked positions, then its other
        word positions in a seeded order. A benchmark at length L takes the first
        M = max(1, round(L / 10)) of them that survive fitting to L (runtime_bench.inputs)."""
        masked = masked_positions(feature)
        others = [i for i in range(1, len(feature.input_ids) - 1) if i not in masked]
        order = np.random.default_rng(len(feature.input_ids)).permutation(len(others))
        return {
            "input_ids": feature.input_ids,
            "mask_positions": masked + [others[i] for i in order],
        }

    def predict(self, logits: np.ndarray, features: list[Feature]) -> list[Any]:
        """logits [B, M, V] at the masked positions, in the order `model_inputs` put them."""
        return [
            logits[row, : len(masked_positions(f))].argmax(-1).tolist()
            for row, f in enumerate(features)
        ]

    def score(
        self, predictions: list[Any], features: list[Feature], ctx: TaskContext
    ) -> dict[str, float]:
        pred = np.asarray([p for row in predictions for p in row])
        gold = np.asarray([g for f in features for g in f.labels if g != IGNORE])
        if ctx.embeddings is None:
            raise ValueError("masked-LM scoring needs the model's input embeddings")
        emb = ctx.embeddings / np.maximum(
            np.linalg.norm(ctx.embeddings, axis=1, keepdims=True), 1e-12
        )
        cosine = np.sum(emb[pred] * emb[gold], axis=1)
        majority = Counter(gold.tolist()).most_common(1)[0][1] / len(gold)
        return {
            "masked_accuracy": float(np.mean(pred == gold)),
            "embedding_cosine": float(np.mean(cosine)),
            "majority_baseline_accuracy": float(majority),
            "masked_tokens": len(gold),
        }
