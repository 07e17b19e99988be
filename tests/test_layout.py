"""The house plan, checked: no import cycle in pipeline/ or crawler/, no module past 900 lines,
the store, the stages and the CLI as packages.

Imports are read from the source with `ast`, at module level and inside functions alike: an
import deferred into a function still makes the two modules depend on each other when it runs,
so deferring it hides a cycle instead of removing it. Only imports under `if TYPE_CHECKING:` are
left out (they never run). A submodule's implicit import of its parent package is not an edge
(a package's `__init__` importing its own modules is how a package is put together); importing
a name from the package itself is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

ROOTS = ("pipeline", "crawler")
MAX_LINES = 900


def _modules() -> dict[str, Path]:
    found = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """The modules `module` imports, wherever in its source (but under TYPE_CHECKING)."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".strip(".")
            names.extend(f"{base}.{alias.name}" for alias in node.names)
            names.append(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: set[str] = set()
        raw = _imports(tree, name, path.name == "__init__.py")
        for target in raw:
            # `from a.b import c`: the module a.b.c if there is one (listed too), else a.b
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        # `from a.b import c` with c a module also lists a.b: keep the parent only when a name
        # that is not a module was imported from it
        for target in list(edges):
            children = {e for e in edges if e.startswith(target + ".")}
            if children and not _imports_names_from(tree, target, modules):
                edges.discard(target)
        graph[name] = edges
    return graph


def _imports_names_from(tree: ast.AST, package: str, modules: dict[str, Path]) -> bool:
    """Whether the source imports from `package` a name that is not one of its modules."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == package
            and any(f"{package}.{a.name}" not in modules for a in node.names)
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name == package for a in node.names):
            return True
    return False


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycle_in_pipeline_or_crawler() -> None:
    graph = import_graph()
    assert "pipeline.store.sql" in graph and "crawler.spiders.bilingual" in graph
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from x import y\n"
        "def f():\n    from z import w\n"
    )
    assert "x.y" not in _imports(tree, "m", False) and "z.w" in _imports(tree, "m", False)


def test_no_module_is_over_900_lines() -> None:
    long = {
        str(path.relative_to(REPO)): n
        for path in _modules().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_store_stages_and_cli_are_packages() -> None:
    for package in ("store", "stages", "cli"):
        assert (REPO / "pipeline" / package / "__init__.py").is_file()
    assert (REPO / "pipeline" / "store" / "migrations" / "__init__.py").is_file()
