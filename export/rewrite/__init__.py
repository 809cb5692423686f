"""Export-time rewrites that turn 1x1 Conv1d projections into quantizer-friendly Linear layers.

``rewrite_for_export(model, rules=...)`` deep-copies the model, applies the named rules (an
export plan's, from the architecture's table in export.arch) to the copy and returns
``RewriteResult(model, report)``: fine-tuned checkpoints stay standard Hugging Face folders and
the rewritten model keeps their call signature. Rules live in a registry keyed by module type
(``@register_rewrite``, export.rewrite.registry); each architecture registers its own from its
module (export.rewrite.squeezebert, export.rewrite.bert). Why the layouts are what they are,
and what was measured and rejected: docs/performance.md ("Export rewrite").
"""

from __future__ import annotations

from export.rewrite import bert, mobilebert, squeezebert  # noqa: F401  (register their rules)
from export.rewrite.blocks import GroupedLinear, PointwiseConv1dAsLinear, additive_attention_mask
from export.rewrite.registry import (
    REWRITE_VERSION,
    RewriteOptions,
    RewriteReport,
    RewriteResult,
    RewriteRule,
    register_rewrite,
    registered_rules,
    rewrite_for_export,
    rule_versions,
)

__all__ = [
    "REWRITE_VERSION",
    "GroupedLinear",
    "PointwiseConv1dAsLinear",
    "RewriteOptions",
    "RewriteReport",
    "RewriteResult",
    "RewriteRule",
    "additive_attention_mask",
    "register_rewrite",
    "registered_rules",
    "rewrite_for_export",
    "rule_versions",
]
