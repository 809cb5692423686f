"""A full disk (issue 14), on a real tmpfs: one line naming the file and the fix, and no
partial files, while saving the checkpoint or exporting.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_build_cli import assert_one_line_error
from tinybuilds import ONNX_FP32, build_argv

from export.build import main
from export.errors import BuildError


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of `size` (needs root, as in CI); skips where mounting is not allowed."""
    where.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def no_partial_files(root: Path) -> list[str]:
    names = [p.name for p in root.rglob("*")]
    return [n for n in names if n.endswith((".tmp", ".onnx")) or n.startswith((".tmp-", ".check"))]


def test_a_full_disk_while_saving_the_checkpoint_is_one_line_naming_it(tmp_path, tokenizer):
    from transformers import AutoModelForTokenClassification

    from export.models import build_task_model, resolve
    from export.pipeline import save_checkpoint

    spec = resolve("bert-base", "random", tiny=True)
    model = build_task_model(spec, AutoModelForTokenClassification, ["O", "B-PER"], 0)
    with small_disk(tmp_path / "disk", "1m") as disk:
        with pytest.raises(BuildError, match=r"no space left .*model\.safetensors: free some"):
            save_checkpoint(model, tokenizer, disk / "task")
        assert list((disk / "task").iterdir()) == []


def test_a_full_disk_during_export_is_one_line_and_leaves_no_partial_files(capsys, tmp_path):
    """A 12 MiB tmpfs: the 8 MB checkpoint fits, the 8 MB ONNX export then does not."""
    with small_disk(tmp_path / "disk", "12m") as disk:
        code = main(build_argv(disk, "bert-base", "ner", "--formats", "onnx"))
        err = capsys.readouterr().err
        assert_one_line_error(code, err, "no space left on the device while writing")
        assert ONNX_FP32 in err and "--out" in err
        assert no_partial_files(disk) == []
