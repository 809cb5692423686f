"""The fine-tuned checkpoint and the records beside it (issue 14): the checkpoint's sha256 is
recorded; a corrupt checkpoint, an invalid training.json or manifest is one line, in the build and
in runtime_bench.

Tests copy a task directory from the session's `tiny_artifacts` and re-run the real `export.build`
on the copy with the fixture's own settings (tinybuilds.rebuild).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_build_cli import assert_one_line_error
from tinybuilds import BERT_NER, ONNX_FP32, copy_task, rebuild

from export.errors import ArtifactIntegrityError
from export.io import sha256_file
from export.manifest import read_manifest


def corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_checkpoint_sha256_is_recorded_in_training_json_and_the_manifest(tiny_artifacts):
    task_dir = tiny_artifacts.joinpath(*BERT_NER)
    checkpoint = sha256_file(task_dir / "model.safetensors")
    training = json.loads((task_dir / "training.json").read_text())
    assert training["checkpoint"]["sha256"] == checkpoint
    assert read_manifest(task_dir)["checkpoint"]["sha256"] == checkpoint


def test_a_corrupt_checkpoint_is_refused_by_the_build_and_by_runtime_bench(
    tiny_artifacts, tmp_path, capsys
):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    corrupt(task_dir / "model.safetensors")
    code, err = rebuild(capsys, out)
    assert_one_line_error(code, err, "model.safetensors is missing or does not match the sha256")
    assert "--force" in err
    with pytest.raises(ArtifactIntegrityError, match=r"model\.safetensors"):
        read_manifest(task_dir, verify=True)  # what runtime_bench's discovery calls
    from runtime_bench.cli import main as bench_main

    code = bench_main(["--artifacts", str(out), "--backends", "eager", "--out", str(tmp_path)])
    assert_one_line_error(code, capsys.readouterr().err, "model.safetensors")


@pytest.mark.parametrize("content", ["[]", "{not json", '{"result": {}}'])
def test_an_invalid_training_json_is_one_line_naming_it(tiny_artifacts, tmp_path, capsys, content):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    (task_dir / "training.json").write_text(content)
    code, err = rebuild(capsys, out)
    assert_one_line_error(code, err, "training.json is not")
    assert "--force" in err


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda m: [], "a JSON list, not an object"),
        (lambda m: m["artifacts"][ONNX_FP32].pop("sha256") and m, "has no sha256"),
        (lambda m: m["artifacts"].update({"../../x": {"sha256": "0"}}) or m, "plain file name"),
    ],
)
def test_an_invalid_manifest_is_one_line_in_runtime_bench(
    tiny_artifacts, tmp_path, capsys, mutate, pattern
):
    from runtime_bench.cli import main as bench_main

    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    manifest = json.loads((task_dir / "manifest.json").read_text())
    (task_dir / "manifest.json").write_text(json.dumps(mutate(manifest)))
    code = bench_main(["--artifacts", str(out), "--out", str(tmp_path / "bench")])
    assert_one_line_error(code, capsys.readouterr().err, pattern)
