"""Progress you can trust: artifact k of N with elapsed time and an ETA from finished work, a
heartbeat while one export runs, --quiet, and the --json summary of every artifact."""

from __future__ import annotations

import json
import threading

import pytest

from export import progress
from export.progress import BuildProgress, Heartbeat, format_seconds


class FakeClock:
    """A clock the test moves by hand: timings in the lines are exact, no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_artifact_lines_count_k_of_n_and_estimate_from_finished_ones(capsys):
    clock = FakeClock()
    build = BuildProgress(total=3, clock=clock)
    clock.now += 5
    build.stage("ner: data and fine-tuning")
    with build.artifact("ner/model_fp32.onnx"):
        clock.now += 60
    with build.artifact("ner/model_int8.onnx"):
        clock.now += 120
    with build.artifact("ner/model.pte"):
        pass
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "[5s] ner: data and fine-tuning",
        "[5s] artifact 1/3: ner/model_fp32.onnx (ETA after the first artifact)",
        "[1m05s] artifact 2/3: ner/model_int8.onnx (ETA 2m00s)",  # 60 s each, 2 left
        "[3m05s] artifact 3/3: ner/model.pte (ETA 1m30s)",  # (60 + 120) / 2, 1 left
    ]


def test_heartbeat_beats_while_the_call_runs_and_stops_after_it():
    beats: list[float] = []
    two = threading.Event()

    def emit(seconds: float) -> None:
        beats.append(seconds)
        if len(beats) >= 2:
            two.set()

    with Heartbeat(0.001, emit):
        assert two.wait(timeout=60), "no heartbeat while the call ran"
    after = len(beats)
    assert after >= 2 and beats == sorted(beats)
    assert len(beats) == after  # joined on exit: nothing beats once the call returned


def test_exporting_prints_a_still_exporting_line_with_the_time_so_far(capsys):
    clock = FakeClock()
    build = BuildProgress(total=1, heartbeat_seconds=0.001, clock=clock)
    seen = threading.Event()
    original = progress.log

    def log(message: str) -> None:
        original(message)
        seen.set()

    clock.now += 95  # what the heartbeat reads as the time since the export started
    progress.log = log
    try:
        with build.exporting("model.tflite"):
            assert seen.wait(timeout=60)
    finally:
        progress.log = original
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("   model.tflite: still exporting (") and first.endswith("so far)")


def test_quiet_prints_nothing(capsys, monkeypatch):
    monkeypatch.setitem(progress._state, "quiet", False)
    monkeypatch.setenv("TQDM_DISABLE", "")
    progress.set_quiet(True)
    BuildProgress(total=1).stage("training")
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(progress._state, "quiet", False)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0s"), (59, "59s"), (61, "1m01s"), (3725, "1h02m")]
)
def test_durations_read_short(seconds, text):
    assert format_seconds(seconds) == text


def test_a_build_shows_stages_artifacts_a_heartbeat_and_writes_its_json_summary(
    tmp_path, capsys, monkeypatch, data_dir
):
    """One real tiny build (news, ONNX fp32 and int8): every artifact's start line, a
    heartbeat during the export (the export waits for it, so no timing race), and --json."""
    from export.backends import load_backend
    from export.build import main

    monkeypatch.setattr(progress, "HEARTBEAT_SECONDS", 0.01)
    onnx = type(load_backend("onnx"))
    export = onnx.export
    beat = threading.Event()
    original = progress.log

    def log(message: str) -> None:
        original(message)
        if "still exporting" in message:
            beat.set()

    def export_after_a_heartbeat(self, request, out_path):
        assert beat.wait(timeout=120), "no heartbeat while the export ran"
        beat.clear()
        return export(self, request, out_path)

    monkeypatch.setattr(progress, "log", log)
    monkeypatch.setattr(onnx, "export", export_after_a_heartbeat)
    summary = tmp_path / "build.json"
    argv = ["--model", "squeezebert", "--init", "random", "--tiny", "--tasks", "news"]
    argv += ["--data-dir", str(data_dir), "--out", str(tmp_path / "out"), "--formats", "onnx"]
    argv += ["--train-limit", "16", "--epochs", "1", "--eval-limit", "8", "--json", str(summary)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert (
        "artifact 1/2: news/squeezebert_random_tiny_onnx_fp32.onnx (ETA after the first artifact)"
        in err
    )
    assert "artifact 2/2: news/squeezebert_random_tiny_onnx_q8.onnx (ETA " in err
    assert err.count("squeezebert_random_tiny_onnx_fp32.onnx: still exporting") >= 1
    assert err.count("squeezebert_random_tiny_onnx_q8.onnx: still exporting") >= 1
    doc = json.loads(summary.read_text())
    [task] = doc["tasks"]
    assert task["task"] == "news" and set(task["eager"]) >= {"accuracy"}
    files = {a["file"]: a for a in task["artifacts"]}
    assert set(files) == {
        "squeezebert_random_tiny_onnx_fp32.onnx",
        "squeezebert_random_tiny_onnx_q8.onnx",
    }
    for name, entry in files.items():
        on_disk = tmp_path / "out" / "squeezebert-random-tiny" / "news" / name
        assert entry["size_bytes"] == on_disk.stat().st_size
        assert entry["parity"]["max_abs_diff"] >= 0 and "accuracy" in entry["metric_deltas_points"]
        assert isinstance(entry["flagged"], bool)
    assert files["squeezebert_random_tiny_onnx_fp32.onnx"]["parity"]["max_abs_diff"] < 1e-3
