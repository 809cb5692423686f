"""Round-by-round latency ratios between artifacts measured in the same round-robin group.

Five comparisons at the same task and sequence length, and one across tasks:

* model: one model over another, same backend and precision, for each pair runtime_bench.analysis.study
  declares (every model over the BERT-base baseline, plus SqueezeBERT over MobileBERT);
* precision: int8 over fp32, same model and backend;
* backend: a backend over eager PyTorch (fp32), same model and precision;
* best: for the same pairs, a model on its fastest exported backend over the other model on
  *its* fastest backend, same precision: what a user choosing a runtime per model cares about;
* rewrite: an artifact over the same runtime's stock export (backend ``<name>-stock``, built
  without export.rewrite), same model and precision: what the rewrite buys on that runtime;
* task: one task over another (runtime_bench.analysis.study's pairs, masked-LM over NER), same model,
  backend, precision and length. Tasks are separate groups, but their loads take turns
  (runtime_bench.measure.latency), so round i of each is at most one load apart.

Each ratio is taken per round and summarized by its median (with p10/p90), which is robust to
machine drift in a way that a ratio of two medians is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from export.quantization import REFERENCE_PRECISION, SCHEMES
from runtime_bench.analysis.stats import paired_ratios, summarize
from runtime_bench.analysis.study import BASELINE_MODEL, TASK_COMPARISONS, comparisons, model_rank
from runtime_bench.artifacts import EAGER, STOCK_OF


def _paired(kind: str, num: dict[str, Any], den: dict[str, Any]) -> bool:
    """Whether round i of `num` and of `den` were taken close enough together to pair."""
    if kind == "task":  # took turns load by load in one run: the same split of rounds
        return num.get("interleave") is not None and (
            num.get("interleave") == den.get("interleave")
            and len(num["samples_ms"]) == len(den["samples_ms"])
        )
    return num.get("group") == den.get("group")


def _ratio(kind: str, num: dict[str, Any], den: dict[str, Any]) -> dict[str, Any] | None:
    if not _paired(kind, num, den):
        return None  # not measured in the same rounds: no paired ratio
    series = paired_ratios(num["samples_ms"], den["samples_ms"])
    summary = summarize(series)
    return {
        "kind": kind,
        "task": num["task"],
        "seq_len": num["seq_len"],
        "numerator": num["id"],
        "denominator": den["id"],
        "median": summary["median"],
        "p10": summary["p10"],
        "p90": summary["p90"],
        "rounds": len(series),
    }


def compute_ratios(
    records: list[dict[str, Any]], pairs: Sequence[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """All model, precision, backend, best, rewrite and task ratios the records allow; model
    and best ratios for `pairs` of (numerator, denominator) models (default:
    runtime_bench.analysis.study's)."""
    if pairs is None:
        pairs = comparisons(r["model"] for r in records)
    index = {
        (r["model"], r["task"], r["backend"], r["precision"], r["seq_len"]): r for r in records
    }
    ratios: list[dict[str, Any] | None] = []
    for num_model, den_model in pairs:
        for (model, task, backend, precision, seq_len), record in sorted(index.items()):
            den = index.get((den_model, task, backend, precision, seq_len))
            if model == num_model and den is not None:
                ratios.append(_ratio("model", record, den))
    for (model, task, backend, precision, seq_len), record in sorted(index.items()):
        if precision in SCHEMES and SCHEMES[precision].quantized:
            fp32 = index.get((model, task, backend, REFERENCE_PRECISION, seq_len))
            if fp32 is not None:
                ratios.append(_ratio("precision", record, fp32))
        stock = index.get((model, task, STOCK_OF.get(backend), precision, seq_len))
        if stock is not None:
            ratios.append(_ratio("rewrite", record, stock))
        if backend != EAGER:
            eager = index.get((model, task, EAGER, REFERENCE_PRECISION, seq_len))
            if eager is not None:
                ratios.append(_ratio("backend", record, eager))
    ratios += _best_backend_ratios(records, pairs)
    for num_task, den_task in TASK_COMPARISONS:
        for (model, task, backend, precision, seq_len), record in sorted(index.items()):
            den = index.get((model, den_task, backend, precision, seq_len))
            if task == num_task and den is not None:
                ratios.append(_ratio("task", record, den))
    return [r for r in ratios if r is not None]


def _best_backend_ratios(
    records: list[dict[str, Any]], pairs: Sequence[tuple[str, str]]
) -> list[dict[str, Any] | None]:
    """Per (task, precision, length): each pair's numerator model on its lowest-median exported
    backend, paired round by round with the denominator model on its lowest-median one."""
    fastest = fastest_exported(records)
    out: list[dict[str, Any] | None] = []
    for num_model, den_model in pairs:
        for (model, task, precision, seq_len), record in sorted(fastest.items()):
            den = fastest.get((den_model, task, precision, seq_len))
            if model == num_model and den is not None:
                out.append(_ratio("best", record, den))
    return out


def fastest_exported(records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """(model, task, precision, seq_len) -> the record of its lowest-median exported backend."""
    fastest: dict[tuple, dict[str, Any]] = {}
    for r in records:
        if r["backend"] == EAGER:
            continue
        key = (r["model"], r["task"], r["precision"], r["seq_len"])
        if key not in fastest or _median(r) < _median(fastest[key]):
            fastest[key] = r
    return fastest


def by_denominator(
    ratios: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Model or best ratios grouped by their denominator's model (the baseline first, then the
    study's order), for one table or plot panel per comparison; `by_id` maps record ids."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for ratio in ratios:
        groups.setdefault(by_id[ratio["denominator"]]["model"], []).append(ratio)
    order = sorted(groups, key=lambda model: (model != BASELINE_MODEL, model_rank(model)))
    return [(model, groups[model]) for model in order]


def _median(record: dict[str, Any]) -> float:
    return summarize(record["samples_ms"])["median"]
