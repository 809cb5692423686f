"""Re-runs on the export side (issue 14): nothing lost, nothing stale. A narrower re-run keeps
valid entries, another checkpoint drops what was not rebuilt, an artifact that cannot run or whose
rewrite table changed is exported again.

Tests copy a task directory from the session's `tiny_artifacts` and re-run the real `export.build`
on the copy with the fixture's own settings (tinybuilds.rebuild).
"""

from __future__ import annotations

import json

from tinybuilds import ONNX_FP32, PTE_FP32, PTE_Q8, copy_task, rebuild

from export.io import sha256_file
from export.manifest import read_manifest


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
