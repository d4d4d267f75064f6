"""The package's structure: no import cycles, one registry of layer functions.

Imports are read from the source (``ast``), every ``import`` statement
counted, the ones inside functions too: a lazy import that closes a circle is
still a circle a reader has to hold in their head.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ascii_explain"


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's ``__init__``)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_package)
    return modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``from . import x`` names the submodule ``x``)."""
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[name].update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in modules:
                        edges[name].add(submodule)
                    elif target in modules:
                        edges[name].add(target)
    for name in edges:
        edges[name].discard(name)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or round a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(edges) == [["a", "b", "c"]]


def test_the_import_graph_sees_lazy_and_relative_imports():
    edges = import_graph()
    assert "ascii_explain.views.diff_text" in edges["ascii_explain.diff"]  # imported inside a method
    assert "ascii_explain.layers.registry" in edges["ascii_explain.layers.hub"]  # from ..registry import


def test_no_import_cycles():
    assert strongly_connected(import_graph()) == []


def test_one_registry_of_layer_functions():
    """Only ``layers/registry.py`` keeps a table of classes or resolves classes from their paths.

    keras-hub's families hand their path tables to it (``register_by_path``)
    instead of registering classes themselves.
    """
    resolving = []
    for path in (PACKAGE / "layers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [alias.name for alias in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if "importlib" in names or module == "importlib":
                resolving.append(path.relative_to(PACKAGE).as_posix())
    assert resolving == ["layers/registry.py"]
    import ascii_explain.layers.hub as hub
    from ascii_explain.layers import registry

    assert not hasattr(hub, "importlib")
    assert {kind for kind, _ in hub.TABLES} <= set(registry.LayerEntry.__dataclass_fields__)


def test_no_module_of_the_views_holds_a_whole_renderer_alone():
    """The text diagram is split by concern (rows, columns, wrapping); no view module grows past 500 lines."""
    long = {
        path.relative_to(PACKAGE).as_posix(): length
        for path in (PACKAGE / "views").glob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


def test_the_reading_layer_imports_no_view():
    """``read/`` turns Keras objects into facts; it draws nothing, so it never imports ``views/``
    (making text safe is ``safe_text.py``'s job, shared by the views, the command line and the readers)."""
    upward = sorted(
        (module, imported)
        for module, imports in import_graph().items()
        if module.startswith("ascii_explain.read")
        for imported in imports
        if imported.startswith("ascii_explain.views")
    )
    assert upward == []
