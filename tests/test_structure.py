"""The code's shape: no import cycles among the project's modules, no oversized files."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("export", "runtime_bench")
#: the limits the lead reviews against (issue 13)
MAX_LINES = 350
MAX_DOCSTRING_LINES = 25


def project_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every Python module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside an `if TYPE_CHECKING:` block: never executed, so not an import at run time."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _targets(node: ast.Import | ast.ImportFrom, package: str, modules: dict[str, Path]) -> set[str]:
    """The project modules one import statement names (a name imported from a module counts as
    that module)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
            base = f"{base}.{node.module}" if node.module else base
        targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            found.add(target)
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports anywhere in its file (top level or in a function)."""
    tree = ast.parse(path.read_text())
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if _type_checking_only(node, parents):
            continue
        found |= _targets(node, _package_of(name, path), modules)
    return found - {name}


def module_scope_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports when it is imported: not inside a function (run on
    call) and not under `if TYPE_CHECKING:` (never run)."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text())]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= _targets(node, _package_of(name, path), modules)
        pending.extend(ast.iter_child_nodes(node))
    return found - {name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph` as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_through_a_function_local_import(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import x\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert find_cycle(graph) == ["a", "b", "a"]


def test_no_import_cycles_among_project_modules() -> None:
    modules = project_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_no_python_file_is_oversized() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in project_modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"over {MAX_LINES} lines: {too_long}"


def test_no_module_docstring_is_an_essay() -> None:
    long_docs = {}
    for path in project_modules().values():
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False) or ""
        if (n := len(doc.splitlines())) > MAX_DOCSTRING_LINES:
            long_docs[str(path.relative_to(ROOT))] = n
    assert not long_docs, f"module docstrings over {MAX_DOCSTRING_LINES} lines: {long_docs}"


#: export/'s layers, lowest first: a module imports only from its own layer or lower ones.
#: A name ending in ".*" is a package with its submodules; an exact name wins over a package.
#: export.backends is the torch-free catalog (foundation); LOADER stands for its functions that
#: load a backend's implementation (load_backend, get_backend, parse_formats), so asking a
#: backend a question from below the implementations is an upward arrow too.
LOADER = "export.backends:loader"
LAYERS: tuple[tuple[str, ...], ...] = (
    (  # foundation: no knowledge of models, tasks or backends' code
        "export.errors", "export.io", "export.lists", "export.version", "export.masking",
        "export.lengths",
        "export.quantization", "export.quiet", "export.progress", "export.device",
        "export.locks", "export.ort_runtime", "export.tied_table", "export.model_dir",
        "export.trainer_checkpoint", "export.backends", "export.contract",
    ),
    ("export.arch", "export.arch.*"),  # what each architecture is
    (  # models, tasks, rewrites, and the eager forms of a model
        "export.models", "export.mlm_heads", "export.tasks", "export.tasks.*", "export.rewrite",
        "export.rewrite.*", "export.exportable", "export.evaluate", "export.train",
        "export.manifest", "export.pipeline",
    ),
    ("export.backends.*", "export.tflite_inputs", LOADER),  # backend implementations
    ("export.plan",),  # one artifact decided
    (  # one artifact exported and verified; the build's inputs and outputs
        "export.artifact_export", "export.verify", "export.model_card", "export.options",
        "export.rescore",
    ),
    ("export.orchestrate",),
    ("export", "export.build", "export.command", "export.api"),
)  # fmt: skip
_LOADER_NAMES = {"load_backend", "get_backend", "parse_formats"}


def layer_of(module: str) -> int | None:
    exact = {m: i for i, layer in enumerate(LAYERS) for m in layer if not m.endswith(".*")}
    if module in exact:
        return exact[module]
    for i, layer in enumerate(LAYERS):
        if any(p.endswith(".*") and module.startswith(p[:-1]) for p in layer):
            return i
    return None


def layered_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """`imports_of`, plus LOADER where the module imports a backend-loading function."""
    found = {m for m in imports_of(name, path, modules) if m.startswith("export")}
    for node in ast.walk(ast.parse(path.read_text())):
        loads = isinstance(node, ast.ImportFrom) and node.module == "export.backends"
        if loads and _LOADER_NAMES & {alias.name for alias in node.names}:  # type: ignore[union-attr]
            found.add(LOADER)
    return found


def upward_imports(modules: dict[str, Path]) -> list[str]:
    arrows = []
    for name, path in modules.items():
        if not name.startswith("export"):
            continue
        for target in sorted(layered_imports(name, path, modules)):
            if (layer_of(target) or 0) > (layer_of(name) or 0):
                arrows.append(f"{name} (layer {layer_of(name)}) imports {target}")
    return arrows


def test_every_export_module_has_a_layer() -> None:
    unplaced = [n for n in project_modules() if n.startswith("export") and layer_of(n) is None]
    assert not unplaced, f"add these to LAYERS in tests/test_structure.py: {unplaced}"


def test_no_export_module_imports_from_a_higher_layer() -> None:
    assert upward_imports(project_modules()) == []


def test_the_layer_check_finds_a_question_asked_of_a_backend_from_below(tmp_path: Path) -> None:
    """What export.exportable did before the export plan: load a backend to ask its decoder."""
    (tmp_path / "exportable.py").write_text(
        "def f():\n    from export.backends import load_backend\n"
    )
    modules = {"export.exportable": tmp_path / "exportable.py"}
    assert upward_imports(modules) == ["export.exportable (layer 2) imports export.backends:loader"]


# --- the torch-free contract (export.contract) -------------------------------------------------


def contract_breaches(modules: dict[str, Path]) -> list[str]:
    """Module-scope imports from export that are not contract modules, by runtime_bench's
    modules and by the contract's own (so the list is closed: importing it imports no more)."""
    from export.contract import CONTRACT_MODULES

    readers = [n for n in modules if n.startswith("runtime_bench") or n in CONTRACT_MODULES]
    return [
        f"{name} imports {target} at module scope"
        for name in sorted(readers)
        for target in sorted(module_scope_imports(name, modules[name], modules))
        if target.split(".")[0] == "export" and target not in CONTRACT_MODULES
    ]


def test_runtime_bench_and_the_contract_import_only_contract_modules_at_module_scope() -> None:
    assert contract_breaches(project_modules()) == []


def test_the_contract_check_finds_a_module_scope_import_and_not_a_function_local_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text("import export.exportable\n")
    (tmp_path / "b.py").write_text("def f():\n    from export.exportable import x\n")
    (tmp_path / "c.py").write_text("from export.errors import BuildError\n")
    (tmp_path / "empty.py").write_text("")
    modules = {"export.exportable": tmp_path / "empty.py", "export.errors": tmp_path / "empty.py"}
    modules |= {f"runtime_bench.{name}": tmp_path / f"{name}.py" for name in "abc"}
    assert contract_breaches(modules) == [
        "runtime_bench.a imports export.exportable at module scope"
    ]


def test_importing_every_contract_module_imports_no_torch_or_transformers() -> None:
    """In a fresh interpreter: what this process has imported already says nothing."""
    import os
    import subprocess
    import sys

    from export.contract import CONTRACT_MODULES

    code = (
        "import importlib, sys\n"
        f"for name in {CONTRACT_MODULES!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]", "a contract module imports torch or transformers"
