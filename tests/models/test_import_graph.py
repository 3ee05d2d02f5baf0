"""Layers import one way: no import cycle among swerl's modules (module-level imports), and swerl.models
imports nothing else from swerl."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "swerl"


def module_name(p: Path) -> str:
    parts = p.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(p: Path) -> set[str]:
    """swerl modules imported at module level (function-level imports are lazy on purpose)."""
    out = set()
    for node in ast.parse(p.read_text()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n == "swerl" or n.startswith("swerl.")}
    return out


def graph() -> dict[str, set[str]]:
    mods = {module_name(p): p for p in ROOT.rglob("*.py")}
    return {m: {i for i in top_level_imports(p) if i in mods and i != m} for m, p in mods.items()}


def test_no_import_cycle():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n) :] + [n]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)


def test_models_is_data_only():
    for p in (ROOT / "models").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [mod] if mod else []
            bad = [n for n in names if n and n.startswith("swerl.") and not n.startswith("swerl.models")]
            assert not bad, f"{p.name} imports {bad}"
