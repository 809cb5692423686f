"""Faults and hostile input on the export side (issue 14): one-line errors, no silent success,
no lost results, no remote code, hashed checkpoints, sane file modes, no leftovers.

Tests that need a built task directory copy one from the session's `tiny_artifacts` and re-run
the real `export.build` on the copy with the fixture's own settings, so the checkpoint is reused
and only what the test is about gets rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import build_argv
from test_build_cli import BASE, assert_one_line_error, build_on, run_cli

from export.build import main
from export.errors import ArtifactIntegrityError, BuildError
from export.io import atomic_path, default_file_mode, sha256_file, write_json
from export.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
BERT_NER = ("bert-base-random-tiny", "ner")
PTE_FP32 = "bert_base_random_tiny_xnnpack_fp32.pte"
PTE_Q8 = "bert_base_random_tiny_xnnpack_q8.pte"
ONNX_FP32 = "bert_base_random_tiny_onnx_fp32.onnx"


def copy_task(tiny_artifacts: Path, out: Path, tag_task: tuple[str, str] = BERT_NER) -> Path:
    """A private copy of one built task directory, at the same place under `out`."""
    task_dir = out / tag_task[0] / tag_task[1]
    shutil.copytree(tiny_artifacts / tag_task[0] / tag_task[1], task_dir)
    return task_dir


def rebuild(capsys, out: Path, *extra: str) -> tuple[int, str]:
    """`export.build` for bert-base ner with the fixture's settings (fingerprints match)."""
    code = main(build_argv(out, "bert-base", "ner", *extra))
    return code, capsys.readouterr().err


# --- arguments: checked up front, nothing written ------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--lr", "-1"], "--lr must be greater than 0"),
        (["--lr", "nan"], "--lr must be greater than 0"),
        (["--tasks", "mlm", "--seed", "-1"], "--seed must be at least 0"),
        (["--epochs", "-1"], "--epochs must be greater than 0"),
        (["--max-steps", "0"], "--max-steps must be at least 1"),
        (["--formats", ","], "--formats is empty"),
    ],
)
def test_numbers_that_would_train_nothing_or_crash_fail_up_front(
    capsys, tmp_path, data_dir, extra, pattern
):
    code, err = run_cli(
        capsys, tmp_path, *BASE, "--model", "bert-base", "--data-dir", str(data_dir), *extra
    )
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "out").exists()


def test_out_pointing_to_a_file_is_refused_before_training(capsys, tmp_path, data_dir):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    code = main([*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_dir),
                 "--out", str(target)])  # fmt: skip
    err = capsys.readouterr().err
    assert_one_line_error(code, err, "is a file, not a folder")
    assert "fine-tune" not in err and target.read_text() == "keep me"


def test_a_file_passed_as_model_or_data_dir_is_called_a_file(capsys, tmp_path, data_dir):
    afile = tmp_path / "weights.bin"
    afile.write_bytes(b"x")
    code, err = run_cli(capsys, tmp_path, *BASE, "--model", str(afile), "--data-dir", str(data_dir))
    assert_one_line_error(code, err, "is a file, not a model directory")
    code, err = run_cli(capsys, tmp_path, *BASE, "--model", "bert-base", "--data-dir", str(afile))
    assert_one_line_error(code, err, f"--data-dir {afile} is a file, not a folder")


# --- model folders -------------------------------------------------------------------------------


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


# --- data files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "task"),
    [
        ("conll2003/valid.txt", "ner"),
        ("news/bbc_news.csv", "news"),
        ("dailydialog/test.txt", "mlm"),
    ],
)
def test_non_utf8_bytes_are_named_by_file_and_line(capsys, tmp_path, data_copy, relative, task):
    path = data_copy / relative
    lines = path.read_bytes().split(b"\n")
    lines[4] += b" caf\xe9"  # latin-1, on line 5
    path.write_bytes(b"\n".join(lines))
    code, err = build_on(capsys, tmp_path, data_copy, task=task)
    assert_one_line_error(code, err, f"{relative}:5: byte 0xe9 is not UTF-8")


def test_a_news_label_with_a_single_row_is_named(capsys, tmp_path, data_copy):
    path = data_copy / "news" / "bbc_news.csv"
    path.write_text(path.read_text() + '"A one-off article about kites.",kites\n')
    code, err = build_on(capsys, tmp_path, data_copy, task="news")
    assert_one_line_error(code, err, "label 'kites' has 1 row(s)")
    assert "bbc_news.csv" in err


# --- the fine-tuned checkpoint -------------------------------------------------------------------


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


# --- re-runs: nothing lost, nothing stale --------------------------------------------------------


def test_a_narrower_rerun_keeps_valid_pte_entries_in_manifest_and_task_json(
    tiny_artifacts, tmp_path, capsys
):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    code, err = rebuild(capsys, out, "--formats", "onnx")
    assert code == 0, err
    manifest = read_manifest(task_dir, verify=True)
    assert {PTE_FP32, PTE_Q8} <= set(manifest["artifacts"])
    task = json.loads((task_dir / "task.json").read_text())
    assert task["artifacts"] == {"fp32": PTE_FP32, "int8": PTE_Q8}


def test_a_rerun_on_another_checkpoint_removes_artifacts_it_did_not_rebuild(
    tiny_artifacts, tmp_path, capsys
):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    code, err = rebuild(capsys, out, "--seed", "7", "--formats", "onnx", "--precisions", "fp32")
    assert code == 0, err
    manifest = read_manifest(task_dir, verify=True)
    assert list(manifest["artifacts"]) == [ONNX_FP32]
    on_disk = {p.name for p in task_dir.iterdir() if p.suffix in (".onnx", ".pte")}
    assert on_disk == {ONNX_FP32}
    assert json.loads((task_dir / "task.json").read_text())["artifacts"] == {}


def test_a_pte_that_cannot_run_is_exported_again_even_with_a_matching_sha256(
    tiny_artifacts, tmp_path, capsys
):
    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    pte = task_dir / PTE_FP32
    pte.write_bytes(b"not a program" * 100)
    manifest = json.loads((task_dir / "manifest.json").read_text())
    manifest["artifacts"][PTE_FP32]["sha256"] = sha256_file(pte)  # hand-"fixed" manifest
    (task_dir / "manifest.json").write_text(json.dumps(manifest))
    code, err = rebuild(capsys, out, "--formats", "executorch", "--precisions", "fp32")
    assert code == 0, err
    assert f"{PTE_FP32}: recorded but cannot run" in err and "Traceback" not in err
    from export.backends import get_backend

    read_manifest(task_dir, verify=True)
    get_backend("executorch").load(pte)  # the re-export loads


# --- files on disk -------------------------------------------------------------------------------


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


def test_static_lengths_shorter_than_a_test_example_are_refused_before_fine_tuning(
    capsys, tmp_path, data_dir
):
    argv = [*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *argv, "--formats", "litert", "--static-lengths", "8")
    assert_one_line_error(code, err, "--static-lengths stops at 8: add a length of at least")
    written = {p.name for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert not written & {"model.safetensors", "training.json"}
    assert not any(name.endswith(".tflite") for name in written)


def test_a_change_to_an_architectures_rewrite_table_exports_its_artifacts_again(
    tiny_artifacts, tmp_path, capsys, monkeypatch
):
    from dataclasses import replace

    from export.arch import arch_for, base

    out = tmp_path / "art"
    task_dir = copy_task(tiny_artifacts, out)
    onnx = ONNX_FP32
    built = read_manifest(task_dir, verify=True)["artifacts"][onnx]
    assert "bert_bmm_attention" not in built["rewrite"]["rules"]
    bert = arch_for("bert")
    listed = replace(bert, rewrites={**bert.rewrites, "onnx": ("bert_bmm_attention",)})
    monkeypatch.setitem(base._BY_TYPE, "bert", listed)
    code, err = rebuild(capsys, out, "--formats", "onnx", "--precisions", "fp32")
    assert code == 0, err
    assert f"{onnx}: up to date" not in err
    rebuilt = read_manifest(task_dir, verify=True)["artifacts"][onnx]
    assert "bert_bmm_attention" in rebuilt["rewrite"]["rules"]
