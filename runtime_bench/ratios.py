"""Round-by-round latency ratios between artifacts measured in the same round-robin group.

Five comparisons, each at the same task and sequence length:

* model: a model over the baseline model (SqueezeBERT / BERT-base), same backend and precision;
* precision: int8 over fp32, same model and backend;
* backend: a backend over eager PyTorch (fp32), same model and precision;
* best: a model on its fastest exported backend over the baseline model on *its* fastest
  backend, same precision: the comparison a user choosing a runtime per model cares about;
* rewrite: an artifact over the same runtime's stock export (backend ``<name>-stock``, built
  without export.rewrite), same model and precision: what the rewrite buys on that runtime.

Each ratio is taken per round and summarized by its median (with p10/p90), which is robust to
machine drift in a way that a ratio of two medians is not.
"""

from __future__ import annotations

from typing import Any

from export.quantization import REFERENCE_PRECISION, SCHEMES
from runtime_bench.artifacts import EAGER, STOCK_OF
from runtime_bench.stats import paired_ratios, summarize

#: The study's reference model; model ratios are "<other model> / BASELINE_MODEL".
BASELINE_MODEL = "bert-base"


def _ratio(kind: str, num: dict[str, Any], den: dict[str, Any]) -> dict[str, Any] | None:
    if num.get("group") != den.get("group"):
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
    records: list[dict[str, Any]], baseline_model: str = BASELINE_MODEL
) -> list[dict[str, Any]]:
    """All model, precision, backend, best and rewrite ratios the records allow."""
    index = {
        (r["model"], r["task"], r["backend"], r["precision"], r["seq_len"]): r for r in records
    }
    ratios: list[dict[str, Any]] = []
    for (model, task, backend, precision, seq_len), record in sorted(index.items()):
        if model != baseline_model:
            base = index.get((baseline_model, task, backend, precision, seq_len))
            if base is not None:
                ratios.append(_ratio("model", record, base))
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
    ratios += _best_backend_ratios(records, baseline_model)
    return [r for r in ratios if r is not None]


def _best_backend_ratios(
    records: list[dict[str, Any]], baseline_model: str
) -> list[dict[str, Any] | None]:
    """Per (task, precision, length): each model's lowest-median exported backend, paired
    round by round with the baseline model's lowest-median one."""
    fastest: dict[tuple, dict[str, Any]] = {}
    for r in records:
        if r["backend"] == EAGER:
            continue
        key = (r["model"], r["task"], r["precision"], r["seq_len"])
        if key not in fastest or _median(r) < _median(fastest[key]):
            fastest[key] = r
    out: list[dict[str, Any] | None] = []
    for (model, task, precision, seq_len), record in sorted(fastest.items()):
        base = fastest.get((baseline_model, task, precision, seq_len))
        if model != baseline_model and base is not None:
            out.append(_ratio("best", record, base))
    return out


def _median(record: dict[str, Any]) -> float:
    return summarize(record["samples_ms"])["median"]
