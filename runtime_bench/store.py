"""Where a run's results go, so that no run ever loses results an earlier run wrote.

`<out>/results.json`, with report.md and the plots beside it, is the published result (the
default `<out>` is the committed runtime_bench/results/<host-tag>/). A run writes there
directly only when that cannot lose anything: there is no results.json yet, or the part this
run would replace is empty, or this run already published there. Otherwise the run writes into
its own folder `<out>/runs/<UTC start>/` and publishes only when it has completed and covers
everything the part it replaces held: every record, evaluation and memory probe of the host
benchmark, or every record of that phone (the phone part is decided per device). A run that
stops early (Ctrl-C, an error, a lost phone, a full disk), and a narrower run, leave the
published files as they were and say where their own results are.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from export.errors import BuildError
from runtime_bench.errors import BenchError
from runtime_bench.results import load_document, write_atomic

RESULTS = "results.json"
RUNS = "runs"


def check_out_dir(out: Path) -> None:
    """A one-line error if --out cannot be the output folder (checked before any work)."""
    if out.exists() and not out.is_dir():
        raise BenchError(f"--out {out} is a file; pass a directory for results.json and report.md")


def read_published(path: Path) -> dict[str, Any] | None:
    """The published results document; a one-line error if the file is there but not ours."""
    if not path.exists():
        return None
    doc = load_document(path)
    if doc is None:
        raise BenchError(
            f"{path} exists but is not a readable runtime_bench results file; move it away "
            "or pass another --out (it is never overwritten)"
        )
    return doc


def host_ids(doc: dict[str, Any] | None) -> set[str]:
    """What the host part of a document holds: its record, evaluation and memory ids."""
    if not doc:
        return set()
    return {
        f"{kind}:{item.get('id')}"
        for kind in ("records", "evaluations", "memory")
        for item in doc.get(kind) or []
    }


def device_ids(entry: dict[str, Any] | None) -> set[str]:
    """What one phone's entry holds: its record ids."""
    return {str(r.get("id")) for r in (entry or {}).get("records") or []}


def may_replace(old: Iterable[str], new: Iterable[str], complete: bool) -> bool:
    """Whether results holding `new` may replace results holding `old` without losing any."""
    old = set(old)
    return not old or (complete and old <= set(new))


class ResultsStore:
    """The output folder of one run: the published results.json and, if needed, the run's own."""

    def __init__(self, out_dir: Path) -> None:
        check_out_dir(out_dir)
        self.out_dir = out_dir
        self.published_path = out_dir / RESULTS
        self.published = read_published(self.published_path)
        self.stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self._run_dir: Path | None = None

    @property
    def run_dir(self) -> Path:
        """This run's own folder under runs/ (named, and created, on first use)."""
        if self._run_dir is None:
            base = self.out_dir / RUNS / self.stamp
            candidate, n = base, 1
            while candidate.exists():
                n += 1
                candidate = base.with_name(f"{self.stamp}-{n}")
            candidate.mkdir(parents=True)
            self._run_dir = candidate
        return self._run_dir

    @property
    def used_run_dir(self) -> bool:
        return self._run_dir is not None

    def publish(self, doc: dict[str, Any]) -> Path:
        write_atomic(self.published_path, doc)
        self.published = doc
        return self.out_dir

    def write_error(self, exc: OSError) -> BuildError:
        """A failed write (a full disk, a read-only folder) as one line; atomic writes mean the
        published results.json is still the one from before."""
        kept = (
            f"{self.published_path} was not touched by the failed write"
            if self.published is not None
            else "nothing earlier was there to keep"
        )
        return BuildError(  # exit 1: not a usage error
            f"cannot write {exc.filename or self.out_dir}: {exc.strerror or exc}; free disk space "
            f"or pass --out on another disk ({kept})"
        )

    def set_aside(self, doc: dict[str, Any]) -> Path:
        write_atomic(self.run_dir / RESULTS, doc)
        return self.run_dir

    def drop_run_dir(self) -> None:
        """Remove this run's own folder once everything in it has been published."""
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            runs = self._run_dir.parent
            if runs.is_dir() and not any(runs.iterdir()):
                runs.rmdir()
            self._run_dir = None
