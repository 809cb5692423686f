"""Issue 26, one writer per output folder (cases 2 and 9): export.build and runtime_bench lock
their folders, a second run waits for the first (then would refuse naming its pid), a lock of
a dead process is taken over, and a sweep never deletes a live run's temporary files.

Real processes throughout; the assertions hold whatever order the processes run in, so the
tests do not depend on timing (run them with the other core busy, too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tinybuilds import DATA

from export.io import remove_stale_temporaries
from export.locks import FolderLockedError, folder_lock
from export.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys; from pathlib import Path; from export.locks import folder_lock\n"
    "with folder_lock(Path(sys.argv[1]), 'holder for a test'):\n"
    "    print('held', flush=True); sys.stdin.read()\n"
)


def hold_lock(folder: Path) -> subprocess.Popen[str]:
    """Another process that holds `folder`'s lock until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_waits_then_refuses_naming_the_holder_pid(tmp_path, capsys):
    holder = hold_lock(tmp_path / "out")
    try:
        with (
            pytest.raises(FolderLockedError) as caught,
            folder_lock(tmp_path / "out", "t", wait=0.3),
        ):
            pass
        message = str(caught.value)
        assert f"in use by pid {holder.pid} (" in message and "folder_lock" in message
        assert "\n" not in message and "another --out" in message
        assert "waiting for pid" in capsys.readouterr().err
    finally:
        holder.communicate("")


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    holder = hold_lock(tmp_path / "out")
    holder.kill()
    holder.communicate()
    with folder_lock(tmp_path / "out", "next run", wait=0):  # no wait: the lock died with it
        assert list((tmp_path / "out").iterdir()) == []  # and no lock file was left behind


def test_case9_a_sweep_leaves_a_live_processes_temporaries_alone(tmp_path):
    holder = subprocess.Popen(  # any live process other than this one
        [sys.executable, "-c", "import sys; print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    try:
        live = [f".model_fp32.onnx.pid{holder.pid}.a1b2.tmp", f".tmp-build-{holder.pid}-x"]
        gone = [f".model_fp32.onnx.pid{dead}.c3d4.tmp", f".checkpoint-{dead}-y", ".old.k3j2.tmp"]
        for name in live + gone:
            if name.endswith(".tmp"):
                (tmp_path / name).write_bytes(b"half")
            else:
                (tmp_path / name).mkdir()
        assert sorted(remove_stale_temporaries(tmp_path)) == sorted(gone)
        assert all((tmp_path / name).exists() for name in live)
    finally:
        holder.communicate("")


# --- two builds and two benchmarks on one folder at once ----------------------------------------

BUILD = ["--model", "squeezebert", "--init", "random", "--tiny", "--tasks", "ner",
         "--train-limit", "32", "--max-steps", "2", "--eval-limit", "8", "--formats", "onnx",
         "--precisions", "fp32", "--threads", "1", "--data-dir", str(DATA)]  # fmt: skip
BENCH = ["--runs", "2", "--warmup", "1", "--sessions", "1", "--seq-lens", "16", "--no-memory",
         "--no-eval", "--no-progress", "--matmul-sizes", "64"]  # fmt: skip


def start(module: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    """Wait for every process; each must succeed. Their stderr, in order."""
    outputs = [proc.communicate(timeout=1200) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
    return [err for _, err in outputs]


def leftovers(root: Path) -> list[str]:
    """Our temporary names anywhere under `root` (nothing half-written may remain)."""
    return [
        str(p.relative_to(root))
        for p in root.rglob(".*")
        if p.name.endswith(".tmp") or p.name.startswith((".checkpoint-", ".tmp-build-"))
    ]


@pytest.mark.slow
def test_case2_case9_two_builds_and_two_benchmarks_on_one_folder_lose_nothing(tmp_path):
    art, res = tmp_path / "art", tmp_path / "res"
    finish([start("export.build", *BUILD, "--out", str(art)) for _ in range(2)])
    task_dir = art / "squeezebert-random-tiny" / "ner"
    read_manifest(task_dir)  # every artifact, checkpoint and contract file as hashed

    # Two benchmarks on one --out, and a third build of the same folder, all at once.
    benches = [
        start("runtime_bench", "--artifacts", str(art), "--out", str(res), *BENCH,
              "--backends", backend)
        for backend in ("onnx", "eager")
    ]  # fmt: skip
    finish([*benches, start("export.build", *BUILD, "--out", str(art))])

    read_manifest(task_dir)
    assert leftovers(art) == [] and leftovers(res) == []
    docs = [json.loads(p.read_text()) for p in res.rglob("results.json")]
    assert all(doc["status"] == "complete" for doc in docs)
    backends = sorted(r["backend"] for doc in docs for r in doc["records"])
    assert backends == ["eager", "onnx"]  # both runs' records kept, neither overwritten
