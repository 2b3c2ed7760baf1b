"""The package's shape: module-level imports form no cycle, rooms stay small, facts live once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import optverify
from optverify import optimizers

PACKAGE = Path(optverify.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "generated.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {module_name(p): p for p in MODULES}


def module_level_imports(path: Path) -> set[str]:
    """Modules of the package imported at module level (not inside functions or
    ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.If):  # TYPE_CHECKING blocks do not run
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("optverify"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("optverify"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in NAMES else base)
    return {m for m in found if m in NAMES and m != this}


def test_module_level_imports_form_no_cycle() -> None:
    graph = {name: module_level_imports(path) for name, path in NAMES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_under_500_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500


def test_the_command_line_entry_point_is_thin() -> None:
    assert len((PACKAGE / "cli.py").read_text(encoding="utf-8").splitlines()) <= 200


def code_strings(path: Path) -> set[str]:
    """String constants in code: docstrings and ``__all__`` (identifiers) left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip.update(id(n) for n in ast.walk(node.value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    }


HYPERPARAMETER_NAMES = {h.name for r in optimizers.records() for h in r.hyperparameters}


@pytest.mark.parametrize(
    "name", [n for n in optimizers.names(specimens=True) if n not in HYPERPARAMETER_NAMES]
)
def test_each_optimizer_name_is_spelled_out_in_at_most_two_modules(name: str) -> None:
    # ("momentum" is also a hyperparameter's name, a different fact, so it is not counted.)
    spelled = [str(p.relative_to(PACKAGE)) for p in MODULES if name in code_strings(p)]
    assert len(spelled) <= 2, spelled


def test_the_lower_wings_do_not_import_the_higher_ones() -> None:
    order = ["symbolic", "optim", "verification", "animation", "commands"]
    for name, path in NAMES.items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in order:
            continue
        rank = order.index(parts[1])
        for imported in module_level_imports(path):
            wing = imported.split(".")[1] if imported.count(".") else ""
            if wing in order:
                assert order.index(wing) <= rank, f"{name} imports {imported}"
