"""The package's own structure: its modules import in one direction only."""

import ast
from pathlib import Path

import embodb

PACKAGE = Path(embodb.__file__).parent


def sibling_imports(path: Path) -> set:
    """The package modules a module imports, at run time or for type checkers."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(a.name for a in node.names)
    return names


def test_modules_import_without_a_circle():
    graph = {p.stem: sibling_imports(p) & {q.stem for q in PACKAGE.glob("*.py")} for p in PACKAGE.glob("*.py")}
    state = {}  # module -> "visiting" | "done"

    def visit(module, path):
        if state.get(module) == "done":
            return
        assert state.get(module) != "visiting", "import circle: " + " -> ".join(path + [module])
        state[module] = "visiting"
        for imported in sorted(graph.get(module, ())):
            visit(imported, path + [module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert "database" not in graph["table"] | graph["kv"] | graph["transaction"] | graph["vector"]
