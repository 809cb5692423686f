"""The rewrite registry: rules keyed by module type, the options, and the report."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from torch import nn

from export.backends import CATALOG

#: Bumped whenever the rewritten graph changes; recorded in the manifest so a rebuild is forced.
REWRITE_VERSION = 2

#: "generic", or the name of the backend the result is for (export.backends.CATALOG)
Target = str


@dataclass(frozen=True)
class RewriteOptions:
    """Layout choices of the rewrite. ``options_for_target`` holds the measured defaults.

    Attributes:
        pieces: when the model's groups line up, run q/k/v, attention and the FFN per group
            (export.rewrite.squeezebert). ``False`` treats every grouped projection on its own:
            slice its input, one Linear per group, concatenate its output.
    """

    pieces: bool = True


def options_for_target(target: Target) -> RewriteOptions:
    """The layout for ``target`` ("generic" or a backend name). The same layout measured
    fastest on every backend (docs/performance.md); the targets differ only in which
    registered rules apply (BERT attention)."""
    if target != "generic" and target not in CATALOG:
        raise ValueError(
            f"unknown rewrite target {target!r}; use generic or one of {', '.join(CATALOG)}"
        )
    return RewriteOptions()


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class RewriteRecord:
    """One application of one rule to one module."""

    rule: str
    module: str  # dotted path inside the model ("" for the root)
    replaced: str  # class name of the module that was replaced
    counts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RewriteReport:
    """What ``rewrite_for_export`` changed; ``to_manifest()`` is what the manifest records."""

    target: str
    options: RewriteOptions
    records: list[RewriteRecord] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return bool(self.records)

    @property
    def counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for record in self.records:
            total.update(record.counts)
        return dict(sorted(total.items()))

    def to_manifest(self) -> dict[str, Any]:
        rules = Counter(record.rule for record in self.records)
        return {
            "applied": self.applied,
            "version": REWRITE_VERSION,
            "target": self.target,
            "options": asdict(self.options) if self.applied else None,
            "rules": dict(sorted(rules.items())),
            "counts": self.counts,
            "modules": [
                {"rule": r.rule, "module": r.module, "replaced": r.replaced, **r.notes}
                for r in self.records
            ],
        }


class RewriteResult(NamedTuple):
    model: nn.Module
    report: RewriteReport


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

#: A rule gets (module, options) and returns (replacement, counts, notes); it may return None
#: to decline (the walk then descends into the module's children).
RuleFn = Callable[
    [nn.Module, RewriteOptions], "tuple[nn.Module, dict[str, int], dict[str, Any]] | None"
]


@dataclass(frozen=True)
class RewriteRule:
    name: str
    module_type: type[nn.Module]
    fn: RuleFn
    #: False: every target (including "generic"); True: only backends whose catalog line lists
    #: the rule in `rewrites` (a layout that pays off on some runtimes only)
    opt_in: bool = False

    def applies_to(self, target: str) -> bool:
        if not self.opt_in:
            return True
        info = CATALOG.get(target)
        return info is not None and self.name in info.rewrites


_RULES: dict[type[nn.Module], RewriteRule] = {}


def register_rewrite(
    module_type: type[nn.Module], name: str, *, opt_in: bool = False
) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the export rewrite for modules of exactly ``module_type``.

    ``opt_in`` limits the rule to the backends that list ``name`` in their catalog line's
    ``rewrites`` (a layout that only pays off on some runtimes); by default it applies to
    every target.

    The walk looks rules up along the module's MRO, so a rule for a base class also applies to
    subclasses that have no rule of their own; the most specific rule wins. Registering a
    second rule for the same type replaces the first (so a project can override a built-in).
    """

    def decorator(fn: RuleFn) -> RuleFn:
        _RULES[module_type] = RewriteRule(
            name=name,
            module_type=module_type,
            fn=fn,
            opt_in=opt_in,
        )
        return fn

    return decorator


def registered_rules() -> list[RewriteRule]:
    return list(_RULES.values())


def _rule_for(module: nn.Module, target: str) -> RewriteRule | None:
    for cls in type(module).__mro__:
        rule = _RULES.get(cls)
        if rule is not None and rule.applies_to(target):
            return rule
    return None


def rewrite_for_export(
    model: nn.Module,
    *,
    target: Target = "generic",
    options: RewriteOptions | None = None,
    inplace: bool = False,
) -> RewriteResult:
    """Apply every registered rewrite to (a deep copy of) ``model``.

    Args:
        model: an eval-mode model, typically a Hugging Face task model.
        target: backend the result is for; selects the measured-fastest ``RewriteOptions``.
        options: explicit layout options (overrides ``target``'s defaults).
        inplace: rewrite ``model`` itself instead of a deep copy. Only for callers that made
            their own copy; the default never mutates the caller's model.

    Returns:
        ``RewriteResult(model, report)``; ``report.applied`` is False when nothing matched, in
        which case the returned model is an unchanged copy.
    """
    opts = options if options is not None else options_for_target(target)
    out = model if inplace else copy.deepcopy(model)
    out.eval()
    report = RewriteReport(target=target, options=opts)

    root_rule = _rule_for(out, target)
    if root_rule is not None:
        applied = root_rule.fn(out, opts)
        if applied is not None:
            new, counts, notes = applied
            report.records.append(
                RewriteRecord(root_rule.name, "", type(out).__name__, counts, notes)
            )
            return RewriteResult(new.eval(), report)

    _walk(out, "", opts, report)
    return RewriteResult(out, report)


def _walk(parent: nn.Module, prefix: str, opts: RewriteOptions, report: RewriteReport) -> None:
    for name, child in list(parent.named_children()):
        path = f"{prefix}.{name}" if prefix else name
        rule = _rule_for(child, report.target)
        applied = rule.fn(child, opts) if rule is not None else None
        if applied is None:
            _walk(child, path, opts, report)
            continue
        new, counts, notes = applied
        setattr(parent, name, new.eval())
        report.records.append(RewriteRecord(rule.name, path, type(child).__name__, counts, notes))
