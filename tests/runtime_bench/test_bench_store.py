"""No run loses results an earlier run wrote: the output folder's rules (runtime_bench.store),
checked on real files through the host benchmark's own save()."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from benchfakes import synthetic_results

from runtime_bench.errors import BenchError
from runtime_bench.measure.bench import BenchConfig, HostBenchmark
from runtime_bench.store import RESULTS, RUNS, ResultsStore


def published(out: Path, doc: dict) -> bytes:
    """Put a complete earlier run into `out`; return its bytes."""
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS).write_text(json.dumps(doc))
    return (out / RESULTS).read_bytes()


def new_run(out: Path, records: list[dict]) -> HostBenchmark:
    """A host run whose completed records so far are `records` (nothing is measured here)."""
    bench = HostBenchmark([], BenchConfig(seq_lens=[32]), ResultsStore(out), host={})
    bench.doc["records"] = [dict(r) for r in records]
    return bench


def aside(out: Path) -> list[Path]:
    return sorted((out / RUNS).glob(f"*/{RESULTS}"))


def test_a_run_that_stops_early_goes_beside_a_complete_earlier_run(tmp_path: Path) -> None:
    earlier = synthetic_results()
    before = published(tmp_path, earlier)
    bench = new_run(tmp_path, [])
    bench.save()  # the first save of a run: 0 records
    bench.doc["records"] = earlier["records"][:3]
    bench.mark_interrupted()  # Ctrl-C after 3 records
    assert (tmp_path / RESULTS).read_bytes() == before
    [own] = aside(tmp_path)
    doc = json.loads(own.read_text())
    assert doc["status"] == "interrupted" and len(doc["records"]) == 3
    assert bench.location == own.parent and not bench.published


def test_a_complete_run_covering_the_earlier_one_replaces_it_and_its_own_folder_goes(
    tmp_path: Path,
) -> None:
    earlier = synthetic_results()
    published(tmp_path, earlier)
    bench = new_run(tmp_path, [])
    bench.save()
    assert len(aside(tmp_path)) == 1
    bench.doc["records"] = earlier["records"]
    bench.doc["evaluations"] = earlier["evaluations"]
    bench.doc["memory"] = earlier["memory"]
    bench.doc["status"] = "complete"
    bench.save()
    assert json.loads((tmp_path / RESULTS).read_text())["status"] == "complete"
    assert not (tmp_path / RUNS).exists() and bench.published


def test_a_complete_but_narrower_run_does_not_replace_what_it_did_not_measure(
    tmp_path: Path,
) -> None:
    earlier = synthetic_results()
    before = published(tmp_path, earlier)
    bench = new_run(tmp_path, earlier["records"])  # same records, but no evaluations/memory
    bench.doc["status"] = "complete"
    bench.save()
    assert (tmp_path / RESULTS).read_bytes() == before
    assert len(aside(tmp_path)) == 1 and not bench.published


def test_in_an_empty_folder_the_run_writes_results_json_as_it_goes(tmp_path: Path) -> None:
    bench = new_run(tmp_path / "out", [])
    bench.save()
    bench.doc["records"] = synthetic_results()["records"][:2]
    bench.mark_interrupted()
    doc = json.loads((tmp_path / "out" / RESULTS).read_text())
    assert doc["status"] == "interrupted" and len(doc["records"]) == 2
    assert not (tmp_path / "out" / RUNS).exists()


def test_phone_results_merged_earlier_stay_in_the_host_runs_file(tmp_path: Path) -> None:
    earlier = synthetic_results()
    earlier["records"], earlier["evaluations"], earlier["memory"] = [], [], []
    earlier["devices"] = [{"device": {"serial": "P1"}, "status": "complete", "records": []}]
    published(tmp_path, earlier)  # a device-only file: no host results to lose
    bench = new_run(tmp_path, [])
    bench.save()
    assert json.loads((tmp_path / RESULTS).read_text())["devices"] == earlier["devices"]


def test_an_unreadable_results_json_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / RESULTS).write_text("{not json")
    with pytest.raises(BenchError, match="not a readable runtime_bench results file"):
        ResultsStore(tmp_path)
    assert (tmp_path / RESULTS).read_text() == "{not json"


def test_out_pointing_at_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("x")
    with pytest.raises(BenchError, match="is a file; pass a directory"):
        ResultsStore(target)


def test_a_full_disk_during_a_save_leaves_the_published_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = new_run(tmp_path, synthetic_results()["records"][:2])
    bench.save()
    before = (tmp_path / RESULTS).read_bytes()

    def disk_full(fd: int) -> None:  # where a full disk surfaces for a buffered write
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    bench.doc["records"] = synthetic_results()["records"][:4]
    with pytest.raises(OSError, match="No space left on device"):
        bench.save()
    assert (tmp_path / RESULTS).read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
