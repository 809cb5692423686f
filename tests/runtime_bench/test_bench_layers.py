"""runtime_bench's subpackages import only what their __init__ docstrings allow.

Lowest first: analysis (pure functions over records) < measure (the host benchmark) < report
(rendered from results.json) < phone (rewrites the report after every pull); parity records
and compares outputs over measure. The top-level modules are the CLI and results plumbing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from benchfakes import REPO

PACKAGE = REPO / "runtime_bench"
#: subpackage -> the subpackages it may import (top-level plumbing and export/ are always fine)
MAY_IMPORT = {
    "analysis": set(),
    "measure": {"analysis"},
    "report": {"analysis", "measure"},
    "phone": {"analysis", "report"},
    "parity": {"measure"},
}
#: the top-level modules below every subpackage: none of them imports one lazily either
PLUMBING = ("errors", "artifacts", "results", "store")


def _imported(path: Path) -> set[str]:
    """Every runtime_bench module path a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("runtime_bench"):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("runtime_bench"))
    return found


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in MAY_IMPORT else None


def test_every_subpackage_is_declared_and_documented() -> None:
    found = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert found == set(MAY_IMPORT)
    for name in found:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert doc and "import" in doc, f"runtime_bench/{name}/__init__.py says what it imports"


def test_subpackages_import_only_the_layers_below_them() -> None:
    wrong = []
    for name, allowed in MAY_IMPORT.items():
        for path in sorted((PACKAGE / name).glob("*.py")):
            for module in _imported(path):
                other = _subpackage(module)
                if other not in (None, name) and other not in allowed:
                    wrong.append(f"{path.relative_to(REPO)} imports {module}")
    assert not wrong, wrong


def test_the_plumbing_imports_no_subpackage_above_analysis() -> None:
    wrong = [
        f"runtime_bench/{name}.py imports {module}"
        for name in PLUMBING
        for module in _imported(PACKAGE / f"{name}.py")
        if _subpackage(module) not in (None, "analysis")
    ]
    assert not wrong, wrong
