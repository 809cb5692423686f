"""Issue 26 case 6: a Trainer checkpoint is resumed only whole and unchanged.

Trainer resumes from whatever it finds (fresh optimizer, scheduler and RNG state without a
word) or raises a traceback (no weights, no trainer_state.json). A real interrupted fine-tune
leaves a real checkpoint; each test damages one part of a copy and asks to resume from it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_train import CPU, StopAfterSave, ner  # noqa: F401 - ner is a fixture

from export.errors import DataError
from export.train import RunOptions, TrainConfig, resume_point
from export.trainer_checkpoint import HASHES

CONFIG = TrainConfig(epochs=1, max_steps=4)
FINGERPRINT = {"config": CONFIG.to_manifest()}  # what test_train's Setup.train records


@pytest.fixture(scope="module")
def interrupted(ner, tmp_path_factory) -> Path:  # noqa: F811
    """A work folder whose fine-tune stopped right after saving its step-2 checkpoint."""
    work = tmp_path_factory.mktemp("interrupted") / "work"
    with pytest.raises(KeyboardInterrupt):
        ner.train(work, CONFIG, RunOptions(CPU.placement, save_steps=2), (StopAfterSave(2),))
    return work


@pytest.fixture
def work(interrupted: Path, tmp_path: Path) -> Path:
    shutil.copytree(interrupted, tmp_path / "work")
    return tmp_path / "work"


def test_case6_a_whole_checkpoint_is_hashed_and_resumed(work):
    checkpoint = work / "checkpoint-2"
    assert (checkpoint / HASHES).is_file()
    assert resume_point(work, FINGERPRINT, restart=False) == str(checkpoint)


@pytest.mark.parametrize(
    ("pattern", "part"),
    [
        ("optimizer.pt", "optimizer state"),
        ("scheduler.pt", "scheduler state"),
        ("rng_state*.pth", "RNG state"),
        ("model.safetensors", "weights"),
        ("trainer_state.json", "trainer state"),
    ],
)
def test_case6_a_checkpoint_missing_a_part_is_refused_naming_it_and_force(work, pattern, part):
    for path in (work / "checkpoint-2").glob(pattern):
        path.unlink()
    with pytest.raises(DataError, match=rf"its {part} .* is missing: pass --force") as caught:
        resume_point(work, FINGERPRINT, restart=False)
    assert "\n" not in str(caught.value)


def test_case6_a_changed_checkpoint_file_is_refused(work):
    optimizer = work / "checkpoint-2" / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:-16] + b"\0" * 16)
    with pytest.raises(DataError, match=r"optimizer\.pt is changed since it was saved.*--force"):
        resume_point(work, FINGERPRINT, restart=False)


def test_case6_a_checkpoint_without_its_hash_record_is_refused(work):
    (work / "checkpoint-2" / HASHES).unlink()
    with pytest.raises(DataError, match=r"no readable .*interrupted while saving.*--force"):
        resume_point(work, FINGERPRINT, restart=False)


def test_case6_force_starts_afresh_from_a_damaged_checkpoint(work):
    (work / "checkpoint-2" / "optimizer.pt").unlink()
    assert resume_point(work, FINGERPRINT, restart=True) is None


def test_case6_a_resume_from_a_whole_checkpoint_records_its_step(ner, work):  # noqa: F811
    _, result = ner.train(work, CONFIG, RunOptions(CPU.placement, save_steps=2))
    assert result["resumed_from_step"] == 2 and result["steps"] == 4
