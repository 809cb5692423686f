"""Shared fixtures: real-data excerpts and tiny artifacts built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the suite never reaches for the network
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).parent / "fixtures"
DATA = FIXTURES / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def tokenizer():
    from export.models import load_tokenizer, resolve

    spec = resolve("bert-base", "random", tiny=True)
    return load_tokenizer(spec.source, spec)


def build(out: Path, model: str, tasks: str = "mlm,news,ner", *extra: str) -> int:
    from export.build import main

    return main(
        [
            "--model",
            model,
            "--init",
            "random",
            "--tiny",
            "--tasks",
            tasks,
            "--data-dir",
            str(DATA),
            "--out",
            str(out),
            "--train-limit",
            "48",
            "--epochs",
            "1",
            "--eval-limit",
            "24",
            *extra,
        ]
    )


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """artifacts/ for tiny random SqueezeBERT (3 tasks) and BERT-base (ner, news), 4 artifacts
    per task: every task x artifact on one architecture, and a baseline for the ratios."""
    out = tmp_path_factory.mktemp("artifacts")
    assert build(out, "squeezebert") == 0
    assert build(out, "bert-base", "ner,news") == 0
    return out


@pytest.fixture(scope="session")
def tiny_litert_artifacts(tiny_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_artifacts' SqueezeBERT plus LiteRT: all three tasks built with
    --formats onnx,executorch,litert (the ONNX and .pte files are reused, not re-exported), and
    NER also with litert-stock (the export without export.rewrite). Needs the [litert] extra."""
    import shutil

    pytest.importorskip("litert_torch", reason="the LiteRT tests need pip install -e '.[litert]'")
    out = tmp_path_factory.mktemp("litert") / "artifacts"
    shutil.copytree(tiny_artifacts / "squeezebert-random-tiny", out / "squeezebert-random-tiny")
    assert build(out, "squeezebert", "mlm,news,ner", "--formats", "onnx,executorch,litert") == 0
    formats = "onnx,executorch,litert,litert-stock"
    assert build(out, "squeezebert", "ner", "--formats", formats) == 0
    return out
