"""The rewrite registry: rules keyed by module type, the options, and the report."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from torch import nn

from export.errors import ExportError

#: Bumped whenever a change reaches every rewritten graph; a change to one rule's graph bumps
#: that rule's own `version` instead (`rule_versions`), so only its artifacts are rebuilt.
#: Both are in every artifact's fingerprint, so a rebuild is forced.
REWRITE_VERSION = 2


@dataclass(frozen=True)
class RewriteOptions:
    """Layout choices of the rewrite; the defaults measured fastest on every backend
    (docs/performance.md).

    Attributes:
        pieces: when the model's groups line up, run the q/k/v projections and the FFN per
            group (export.rewrite.squeezebert). ``False`` treats every grouped projection on its own:
            slice its input, one Linear per group, concatenate its output.
    """

    pieces: bool = True


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
            "rule_versions": rule_versions(rules),
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
    version: int = 1


_RULES: dict[type[nn.Module], RewriteRule] = {}


def register_rewrite(
    module_type: type[nn.Module], name: str, version: int = 1
) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the export rewrite for modules of exactly ``module_type``, under
    ``name``: the name an architecture's table lists (export.arch) to have it applied.
    ``version``: bumped whenever the graph this rule writes changes.

    The walk looks rules up along the module's MRO, so a rule for a base class also applies to
    subclasses that have no rule of their own; the most specific rule wins. Registering a
    second rule for the same type replaces the first (so a project can override a built-in).
    """

    def decorator(fn: RuleFn) -> RuleFn:
        _RULES[module_type] = RewriteRule(name, module_type, fn, version)
        return fn

    return decorator


def registered_rules() -> list[RewriteRule]:
    return list(_RULES.values())


def rule_versions(names: Iterable[str]) -> dict[str, int]:
    """The versions of the named rules that were ever bumped (version > 1): what an artifact's
    fingerprint records beside REWRITE_VERSION, so one rule's change rebuilds only its own."""
    wanted = set(names)
    return {r.name: r.version for r in _RULES.values() if r.name in wanted and r.version > 1}


def _rule_for(module: nn.Module, rules: frozenset[str]) -> RewriteRule | None:
    for cls in type(module).__mro__:
        rule = _RULES.get(cls)
        if rule is not None and rule.name in rules:
            return rule
    return None


def rewrite_for_export(
    model: nn.Module,
    *,
    rules: Iterable[str],
    target: str = "generic",
    options: RewriteOptions | None = None,
    inplace: bool = False,
) -> RewriteResult:
    """Apply the registered rewrites named in ``rules`` to (a deep copy of) ``model``.

    Args:
        model: an eval-mode model, typically a Hugging Face task model.
        rules: the rule names to apply (an export plan's ``rewrite_rules``); each must meet
            a module of its type (which it may still decline, e.g. MobileBERT's NoNorm fold on
            a LayerNorm variant), so a plan and the walk cannot disagree silently. Empty: the
            model as is.
        target: the backend the result is for, recorded in the report only.
        options: layout options (default: `RewriteOptions()`).
        inplace: rewrite ``model`` itself instead of a deep copy. Only for callers that made
            their own copy; the default never mutates the caller's model.

    Returns:
        ``RewriteResult(model, report)``; with no rules the model itself, unchanged.

    Raises:
        ExportError: a rule in ``rules`` is not registered or met no module of its type.
    """
    wanted = frozenset(rules)
    opts = options if options is not None else RewriteOptions()
    report = RewriteReport(target=target, options=opts)
    if not wanted:
        return RewriteResult(model, report)
    unknown = wanted - {rule.name for rule in _RULES.values()}
    if unknown:
        raise ExportError(f"no export.rewrite rule is registered as {sorted(unknown)}")
    out = model if inplace else copy.deepcopy(model)
    out.eval()
    met: set[str] = set()  # rules that met a module of their type (applied or declined)
    root_rule = _rule_for(out, wanted)
    applied = root_rule.fn(out, opts) if root_rule is not None else None
    met |= {root_rule.name} if root_rule is not None else set()
    if root_rule is not None and applied is not None:
        new, counts, notes = applied
        report.records.append(RewriteRecord(root_rule.name, "", type(out).__name__, counts, notes))
        out = new.eval()
    else:
        _walk(out, "", opts, report, wanted, met)
    missing = wanted - met
    if missing:
        raise ExportError(
            f"the export plan lists rewrite rule(s) {sorted(missing)} but no module of this "
            f"{type(model).__name__} matched: fix the architecture's table (export.arch)"
        )
    return RewriteResult(out, report)


def _walk(
    parent: nn.Module,
    prefix: str,
    opts: RewriteOptions,
    report: RewriteReport,
    rules: frozenset[str],
    met: set[str],
) -> None:
    for name, child in list(parent.named_children()):
        path = f"{prefix}.{name}" if prefix else name
        rule = _rule_for(child, rules)
        if rule is not None:
            met.add(rule.name)
        applied = rule.fn(child, opts) if rule is not None else None
        if applied is None:
            _walk(child, path, opts, report, rules, met)
            continue
        new, counts, notes = applied
        setattr(parent, name, new.eval())
        report.records.append(RewriteRecord(rule.name, path, type(child).__name__, counts, notes))
