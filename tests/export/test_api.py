"""The Python API: `load` a task folder's artifact through its own runtime and call it on real
sentences (every backend, all three tasks), checked against the folder's Hugging Face model in
eager PyTorch decoded the same way; `build` from Python; refusals as the CLI's error classes."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from export import TaskModel, build, load
from export.errors import ArtifactIntegrityError, ConfigError

BACKENDS = ("onnx", "executorch", "litert")


def conll_sentence(data_dir: Path, index: int = 1) -> str:
    """The `index`-th CoNLL-2003 test sentence, its words joined by spaces."""
    blocks = (data_dir / "conll2003" / "test.txt").read_text().split("\n\n")
    sentences = [b for b in blocks if b.strip() and not b.startswith("-DOCSTART-")]
    return " ".join(line.split()[0] for line in sentences[index].splitlines())


def news_article(data_dir: Path) -> str:
    with open(data_dir / "news" / "bbc_news.csv", newline="", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))["text"]


def dialog_with_mask(data_dir: Path) -> str:
    """A DailyDialog test line with two of its words masked."""
    words = (data_dir / "dailydialog" / "test.txt").read_text().splitlines()[0].split()
    words[1] = words[-2] = "[MASK]"
    return " ".join(words)


@pytest.fixture(scope="module")
def folders(tiny_litert_artifacts: Path) -> Path:
    return tiny_litert_artifacts / "squeezebert-random-tiny"


def eager(folder: Path) -> TaskModel:
    """The folder's Hugging Face model in eager PyTorch behind the same post-processing."""
    import torch
    import transformers

    from export.models import load_tokenizer

    task = json.loads((folder / "task.json").read_text())
    auto = {"mlm": "MaskedLM", "news": "SequenceClassification", "ner": "TokenClassification"}
    model = getattr(transformers, f"AutoModelFor{auto[task['task']]}").from_pretrained(folder)

    def run(input_ids: np.ndarray, attention_mask: np.ndarray, *positions: np.ndarray):
        with torch.no_grad():
            logits = model.eval()(torch.from_numpy(input_ids), torch.from_numpy(attention_mask))
        out = logits.logits.numpy()
        return out[:, positions[0][0]] if positions else out

    return TaskModel(folder, run, load_tokenizer(folder), task)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_answers_all_three_tasks_as_eager_does(folders, data_dir, backend):
    text = conll_sentence(data_dir)
    entities = load(folders / "ner", backend=backend)(text)
    assert entities == eager(folders / "ner")(text)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text
        assert entity.start == 0 or text[entity.start - 1] == " "  # starts at a word
        assert entity.label in {"PER", "ORG", "LOC", "MISC"}

    article = news_article(data_dir)
    ranking = load(folders / "news", backend=backend)(article)
    want = eager(folders / "news")(article)
    assert [r.label for r in ranking] == [r.label for r in want]
    assert {r.label for r in ranking} == set(json.loads((folders / "news/labels.json").read_text()))
    assert [r.score for r in ranking] == pytest.approx([r.score for r in want], abs=1e-5)
    assert sum(r.score for r in ranking) == pytest.approx(1.0)

    line = dialog_with_mask(data_dir)
    masks = load(folders / "mlm", backend=backend).fill_mask(line, top_k=3)
    want_masks = eager(folders / "mlm").fill_mask(line, top_k=3)
    assert [m.position for m in masks] == [m.position for m in want_masks] and len(masks) == 2
    for got, expected in zip(masks, want_masks, strict=True):
        assert [t for t, _ in got.candidates] == [t for t, _ in expected.candidates]
        probs = [p for _, p in got.candidates]
        assert probs == sorted(probs, reverse=True) and len(probs) == 3
        assert probs == pytest.approx([p for _, p in expected.candidates], abs=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_int8_artifacts_load_and_answer(folders, data_dir, backend):
    ranking = load(folders / "news", backend=backend, precision="int8").classify(
        news_article(data_dir)
    )
    assert sum(r.score for r in ranking) == pytest.approx(1.0) and len(ranking) == 5


def test_the_classifier_task_json_says_the_pipeline_tag_and_old_folders_still_load(
    folders, data_dir, tmp_path
):
    assert json.loads((folders / "news/task.json").read_text())["task_type"] == (
        "text-classification"
    )
    old = shutil.copytree(folders / "news", tmp_path / "news")
    task = json.loads((old / "task.json").read_text())
    (old / "task.json").write_text(json.dumps(task | {"task_type": "sequence-classification"}))
    assert load(old).task_type == "text-classification"
    assert len(load(old).classify(news_article(data_dir))) == 5


def test_a_corrupt_artifact_is_refused_with_the_integrity_error(folders, tmp_path):
    copy = shutil.copytree(folders / "ner", tmp_path / "ner")
    (copy / "squeezebert_random_tiny_onnx_fp32.onnx").write_bytes(b"corrupt")
    with pytest.raises(ArtifactIntegrityError, match="does not match the sha256"):
        load(copy, backend="onnx")
    assert ArtifactIntegrityError.exit_code == 8


def test_a_missing_artifact_or_the_wrong_task_names_what_there_is(folders, data_dir):
    with pytest.raises(ConfigError, match=r"no onnx int4 artifact: it has .*onnx/int8"):
        load(folders / "ner", backend="onnx", precision="int4")
    with pytest.raises(ConfigError, match="is a token-classification model, not fill-mask"):
        load(folders / "ner").fill_mask("a [MASK]")
    with pytest.raises(ConfigError, match=r"needs a \[MASK\]"):
        load(folders / "mlm").fill_mask(conll_sentence(data_dir))


def test_the_onnx_files_run_in_plain_onnxruntime_as_the_readme_shows(folders, data_dir):
    """What `ORTModelForSequenceClassification`/`...TokenClassification` would do: the folder's
    tokenizer, two int64 inputs, logits equal to the transformers model's."""
    import onnxruntime as ort
    from transformers import AutoTokenizer

    for task, text in (("news", news_article(data_dir)), ("ner", conll_sentence(data_dir))):
        folder = folders / task
        tokenizer = AutoTokenizer.from_pretrained(folder)
        session = ort.InferenceSession(str(folder / "squeezebert_random_tiny_onnx_fp32.onnx"))
        enc = tokenizer(text, return_tensors="np", truncation=True, max_length=256)
        inputs = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
        logits = session.run(None, inputs)[0]
        want = eager(folder).runner(inputs["input_ids"], inputs["attention_mask"])
        assert logits.shape == want.shape and np.abs(logits - want).max() < 1e-4


def test_build_from_python_returns_task_folders_that_load(tmp_path, data_dir, capsys):
    tqdm_before = os.environ.get("TQDM_DISABLE")
    folders = build(
        "squeezebert",
        tasks=["news"],
        data_dir=data_dir,
        out=tmp_path,
        formats=["onnx"],
        precisions=["fp32"],
        init="random",
        tiny=True,
        train_limit=16,
        epochs=1,
        eval_limit=8,
        quiet=True,
    )
    assert folders == [tmp_path / "squeezebert-random-tiny" / "news"]
    err = capsys.readouterr().err  # quiet=True: no stage lines, no bars
    assert "artifact 1/1" not in err and "fine-tune" not in err and "evaluate" not in err
    assert os.environ.get("TQDM_DISABLE") == tqdm_before  # quiet only while it ran
    assert len(load(folders[0])(news_article(data_dir))) == 5
    with pytest.raises(ConfigError, match="build\\(\\) has no option 'epoch'"):
        build("squeezebert", epoch=1)
