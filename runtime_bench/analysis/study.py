"""The study's models: their display order, the baseline, and the pairs the ratios compare.

Every table, plot and ratio list takes its model order and comparisons from here; the order is
the built-ins' rank in export.arch, so a new built-in takes its place without a line here.
Models a run did not measure are skipped; models not listed (a local directory, say) come
after the listed ones, by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from export.arch import builtin_models

#: display order of models in tables, plots and ratio lists: the built-ins by their rank
#: (export.arch)
MODEL_ORDER = tuple(builtin_models())
#: the study's reference model: every other model gets a "<model> / BASELINE_MODEL" ratio
BASELINE_MODEL = "bert-base"
#: further (numerator, denominator) pairs: the comparisons a paper makes beyond the baseline
EXTRA_COMPARISONS = (("squeezebert", "mobilebert"),)
#: (numerator, denominator) tasks compared per model, backend and precision: masked-LM decodes
#: 10% of the positions over the same encoder as NER, so this ratio is the decode's cost
TASK_COMPARISONS = (("mlm", "ner"),)


def model_rank(model: str) -> tuple[int, str]:
    """Sort key putting models in MODEL_ORDER, unknown ones after them by name."""
    index = MODEL_ORDER.index(model) if model in MODEL_ORDER else len(MODEL_ORDER)
    return index, model


def ordered_models(models: Iterable[str]) -> list[str]:
    """The distinct `models`, in display order."""
    return sorted(set(models), key=model_rank)


def comparisons(models: Iterable[str]) -> list[tuple[str, str]]:
    """(numerator, denominator) model pairs among `models`: each over the baseline, then the
    extra pairs whose both models were measured."""
    present = ordered_models(models)
    pairs = [
        (m, BASELINE_MODEL) for m in present if BASELINE_MODEL in present and m != BASELINE_MODEL
    ]
    pairs += [
        (num, den)
        for num, den in EXTRA_COMPARISONS
        if num in present and den in present and (num, den) not in pairs
    ]
    return pairs
