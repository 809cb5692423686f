"""Files on disk (issue 14): built files get the umask's mode, atomic writes too, NaN never
reaches JSON, and a killed run's leftovers are removed by the next one.
"""

from __future__ import annotations

import os

import pytest
from tinybuilds import BERT_NER, copy_task, rebuild

from export.errors import BuildError
from export.io import atomic_path, default_file_mode, write_json


def test_built_files_get_the_umask_mode_not_0600(tiny_artifacts):
    expected = default_file_mode()
    task_dir = tiny_artifacts.joinpath(*BERT_NER)
    modes = {p.name: p.stat().st_mode & 0o777 for p in task_dir.iterdir() if p.is_file()}
    assert modes and all(mode == expected for mode in modes.values()), modes


def test_atomic_writes_apply_the_umask_as_a_plain_write_would(tmp_path):
    old = os.umask(0o027)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
        with atomic_path(tmp_path / "b.bin") as tmp:
            tmp.write_bytes(b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o640


def test_nan_is_never_written_into_json(tmp_path):
    with pytest.raises(BuildError, match=r"result\.final_loss is NaN or infinite"):
        write_json(tmp_path / "training.json", {"result": {"final_loss": float("nan")}})
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_killed_run_are_removed_by_the_next_one(tiny_artifacts, tmp_path, capsys):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    leftovers = [
        task_dir / ".model_fp32.onnx.k3j2h1.tmp",
        task_dir / ".manifest.json.a8d9f0.tmp",
        task_dir / ".checkpoint-x1y2z3",
        task_dir / ".tmp-build-99999999-abc",  # a scratch folder of a process that is gone
    ]
    for path in leftovers:
        if path.suffix == ".tmp":
            path.write_bytes(b"half")
        else:
            path.mkdir()
            (path / "model.safetensors").write_bytes(b"half")
    (task_dir / "notes.tmp").write_text("not ours: no leading dot")
    code, err = rebuild(capsys, out)
    assert code == 0, err
    assert not any(p.exists() for p in leftovers)
    assert (task_dir / "notes.tmp").exists()
    assert err.count("left behind by an interrupted run") == len(leftovers)
    assert not [p.name for p in task_dir.iterdir() if p.name.startswith(".tmp-build-")]
