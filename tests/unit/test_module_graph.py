"""The layout is the architecture: two services standing on one contract, no cycles, small modules.

Read from the source with `ast` (nothing is imported), so a test run proves it for every module,
including ones no test imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contract", "backend", "agent_service", "agent_stream_cli", "devstack")
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) in (
                "TYPE_CHECKING",
                "typing.TYPE_CHECKING",
            ):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(name: str, path: Path) -> set[str]:
    """Our modules that `name` imports at run time, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in MODULES and t != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("contract", {"backend", "agent_service", "agent_stream_cli", "devstack"}),
        ("backend", {"agent_service", "agent_stream_cli", "devstack"}),
        ("agent_service", {"backend", "agent_stream_cli", "devstack"}),
        ("agent_stream_cli", {"backend", "agent_service", "devstack"}),
    ],
)
def test_each_package_stands_only_on_what_it_may(importer, forbidden):
    crossings = sorted(
        f"{name} → {target}"
        for name, targets in GRAPH.items()
        if _top(name) == importer
        for target in targets
        if _top(target) in forbidden
    )
    assert crossings == []


def test_the_module_graph_has_no_cycles():
    # a package's __init__ re-exporting its own modules is not a cycle between rooms
    def edges(name):
        return {t for t in GRAPH[name] if not name.startswith(t + ".") and not t.startswith(name + ".")}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges(name)):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_is_over_300_lines():
    long = {
        name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
