"""Every task folder gets a model card (README.md) that huggingface_hub reads: base model,
datasets, pipeline tag, library, tags, model-index metrics of eager and every artifact, sizes,
and the latency of the newest benchmark run that timed the same bytes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from export.model_card import newest_latency, write_model_card

PIPELINE_TAGS = {"mlm": "fill-mask", "news": "text-classification", "ner": "token-classification"}


@pytest.fixture(scope="module")
def folders(tiny_litert_artifacts: Path) -> Path:
    """A tiny build into a new folder: SqueezeBERT, three tasks, ONNX, ExecuTorch and LiteRT."""
    return tiny_litert_artifacts / "squeezebert-random-tiny"


@pytest.mark.parametrize("task", sorted(PIPELINE_TAGS))
def test_the_build_writes_a_card_per_task_that_huggingface_hub_parses(folders, task):
    from huggingface_hub import ModelCard

    manifest = json.loads((folders / task / "manifest.json").read_text())
    card = ModelCard.load(folders / task / "README.md")
    data = card.data
    assert data.pipeline_tag == PIPELINE_TAGS[task] and data.library_name == "transformers"
    assert data.datasets == [manifest["task"]["hub_dataset"]]
    assert data.base_model is None  # random weights: fine-tuned from no hub model
    assert {"onnx", "executorch", "tflite", "int8"} <= set(data.tags)
    primary = manifest["task"]["primary_metric"]
    got = {r.metric_name: r.metric_value for r in data.eval_results}
    assert got[f"{primary} (eager PyTorch)"] == manifest["eager_metrics"][primary]
    for name, entry in manifest["artifacts"].items():
        assert got[f"{primary} ({name})"] == entry["metrics"][primary]
        assert f"| {name} | {entry['format']} | {entry['precision']} | " in card.text
    assert {r.task_type for r in data.eval_results} == {PIPELINE_TAGS[task]}
    assert ("mask_positions" in card.text) == (task == "mlm")


def test_latency_comes_from_the_newest_run_that_timed_the_same_bytes(folders, tmp_path):
    from huggingface_hub import ModelCard

    manifest = json.loads((folders / "news" / "manifest.json").read_text())
    name, entry = next(iter(manifest["artifacts"].items()))

    def run(folder: str, sha256: str, median: float, mtime: int) -> None:
        """A runtime_bench results.json with one record (the fields the card reads)."""
        record = {"sha256": sha256, "seq_len": 128, "file": name}
        record["metrics"] = {"median_inference_latency(ms)": median}
        path = tmp_path / "results" / folder / "results.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"host": {"tag": folder}, "records": [record]}))
        os.utime(path, (mtime, mtime))

    assert newest_latency(manifest, tmp_path / "results") is None
    run("oldest-host", entry["sha256"], 9.0, mtime=1_000_000)
    run("older-host", entry["sha256"], 3.5, mtime=2_000_000)
    run("newer-host", "0" * 64, 1.0, mtime=3_000_000)  # newest, but it timed other bytes
    latency = newest_latency(manifest, tmp_path / "results")
    assert latency is not None and latency["host"] == "older-host"
    assert latency["files"] == {name: {128: 3.5}}

    folder = shutil.copytree(folders / "news", tmp_path / "news")
    card = ModelCard.load(write_model_card(folder, manifest, tmp_path / "results"))
    assert "## Latency (older-host, one thread, median ms)" in card.text
    assert f"| {name} | 3.50 |" in card.text
