"""Model folders on the export side (issue 14): a broken config or a pickle is one line naming
the file, and a folder's own Python code (auto_map) never runs without --trust-remote-code, in
export.build or in runtime_bench.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_build_cli import assert_one_line_error, run_cli
from tinybuilds import copy_task

REPO = Path(__file__).resolve().parents[2]


def model_dir(tmp_path: Path, config: str | dict, *files: str) -> Path:
    folder = tmp_path / "my-model"
    folder.mkdir()
    text = config if isinstance(config, str) else json.dumps(config)
    (folder / "config.json").write_text(text)
    for name in files:
        (folder / name).write_bytes(b"\x80\x04K\x01.")  # a pickle
    return folder


@pytest.mark.parametrize(
    ("config", "files", "pattern"),
    [
        ('{"model_type": "bert",\n  oops}', (), "config.json:2: not valid JSON"),
        ({"model_type": "gpt-9"}, (), "unknown model_type 'gpt-9'"),
        ({"model_type": "bert"}, ("pytorch_model.bin",), "pytorch_model.bin is a pickle"),
    ],
)
def test_a_broken_model_folder_is_one_line_naming_the_file(
    capsys, tmp_path, data_dir, config, files, pattern
):
    folder = model_dir(tmp_path, config, *files)
    argv = ["--model", str(folder), "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *argv)
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "out").exists()


REMOTE_CODE = """
from pathlib import Path
Path(__file__).with_name("REMOTE_CODE_RAN").write_text("yes")
from transformers import BertConfig
class EvilConfig(BertConfig):
    model_type = "evil"
"""


def remote_code_folder(folder: Path) -> Path:
    """A model folder whose config names its own Python module; running it leaves a marker."""
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "evil.EvilConfig"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "evil.py").write_text(REMOTE_CODE)
    return folder / "REMOTE_CODE_RAN"


def test_remote_code_is_refused_without_the_flag_even_when_y_is_typed(tmp_path, data_dir):
    folder = model_dir(tmp_path, {"model_type": "bert", "vocab_size": 30522})
    marker = remote_code_folder(folder)
    proc = subprocess.run(
        [sys.executable, "-m", "export.build", "--model", str(folder), "--init", "random",
         "--tasks", "ner", "--data-dir", str(data_dir), "--out", str(tmp_path / "out")],
        input="y\ny\n", capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode != 0 and not marker.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "auto_map" in lines[0] and "--trust-remote-code" in lines[0]


def test_the_trust_flag_is_recorded_on_the_spec():
    from export.models import resolve

    assert resolve("bert-base", "random", True, trust_remote_code=True).to_manifest()[
        "trust_remote_code"
    ]
    assert not resolve("bert-base", "random", True).to_manifest()["trust_remote_code"]


def test_runtime_bench_never_runs_a_task_dirs_remote_code(tiny_artifacts, tmp_path):
    task_dir = copy_task(tiny_artifacts, tmp_path / "art")
    marker = remote_code_folder(task_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "runtime_bench", "--artifacts", str(tmp_path / "art"),
         "--backends", "eager", "--seq-lens", "8", "--runs", "1", "--warmup", "0",
         "--no-eval", "--no-memory", "--no-progress", "--matmul-sizes", "16",
         "--out", str(tmp_path / "bench")],
        input="y\ny\n", capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode != 0 and not marker.exists()
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "auto_map" in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
