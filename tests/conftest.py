"""Shared fixtures: real-data excerpts and tiny artifacts built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the suite never reaches for the network
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES / "export"))  # tinybuilds, by name from any folder

from tinybuilds import DATA, build_argv  # noqa: E402 - needs the path above


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture
def data_copy(tmp_path: Path, data_dir: Path) -> Path:
    """A writable copy of the real-data excerpts, for breaking on purpose."""
    shutil.copytree(data_dir, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture(scope="session")
def tokenizer():
    from export.models import load_tokenizer, resolve

    spec = resolve("bert-base", "random", tiny=True)
    return load_tokenizer(spec.source, spec)


def _build_lane(out: Path, jobs: list[tuple[str, ...]], log: Path) -> None:
    """Run `export.build` for each (model, tasks, *extra arguments) in turn, in a fresh
    process, on one thread."""
    with open(log, "w") as handle:
        for model, tasks, *extra in jobs:
            argv = build_argv(out, model, tasks, "--threads", "1", *extra)
            cmd = [sys.executable, "-m", "export.build", *argv]
            code = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT).returncode
            assert code == 0, log.read_text()[-4000:]


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """artifacts/ for tiny random SqueezeBERT (3 tasks) and BERT-base (ner), 4 artifacts per
    task: every task x artifact on one architecture, and a baseline for the ratios.

    Built once per test run, in two lanes of `export.build` processes side by side with one
    thread each (export tracing is mostly single-threaded Python), about eight exports per lane.
    """
    out = tmp_path_factory.mktemp("artifacts")
    _build_lanes(
        out, [[("squeezebert", "mlm,news")], [("squeezebert", "ner"), ("bert-base", "ner")]]
    )
    return out


@pytest.fixture(scope="session")
def tiny_mobile_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """artifacts/ for tiny random MobileBERT and DistilBERT, all three tasks, 4 artifacts each:
    the encoders a mobile engineer would pick instead (issue 16), one lane per model.

    Apart from `tiny_artifacts`, so the benchmark and aarch64 tests that run over every model
    there do not grow; only the tests of these two architectures pay for this build.
    """
    out = tmp_path_factory.mktemp("mobile-artifacts")
    _build_lanes(out, [[("mobilebert", "mlm,news,ner")], [("distilbert", "mlm,news,ner")]])
    return out


def _build_lanes(out: Path, lanes: list[list[tuple[str, ...]]]) -> None:
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        logs = [out.parent / f"{out.name}-lane{i}.log" for i in range(len(lanes))]
        list(pool.map(_build_lane, [out] * len(lanes), lanes, logs))


@pytest.fixture(scope="session")
def tiny_litert_artifacts(tiny_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_artifacts' SqueezeBERT plus LiteRT: all three tasks built with
    --formats onnx,executorch,litert (the ONNX and .pte files are reused, not re-exported), and
    NER also with litert-stock (the export without export.rewrite), in two lanes. Needs the
    [litert] extra."""
    import shutil

    pytest.importorskip("litert_torch", reason="the LiteRT tests need pip install -e '.[litert]'")
    out = tmp_path_factory.mktemp("litert") / "artifacts"
    shutil.copytree(tiny_artifacts / "squeezebert-random-tiny", out / "squeezebert-random-tiny")
    formats = "onnx,executorch,litert"
    _build_lanes(
        out,
        [
            [("squeezebert", "mlm,news", "--formats", formats)],
            [("squeezebert", "ner", "--formats", f"{formats},litert-stock")],
        ],
    )
    return out
