"""solver/ stays pure: stdlib, ``constraint`` (in csp.py only) and ``networkx`` (lazily).

The SAT-based analysis (``sat.py``, another engineer's) may also use ``pysat``, there only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SOLVER = Path(__file__).resolve().parents[2] / "solver"
ALLOWED = {"constraint", "networkx", "solver"}
ONLY_IN = {"constraint": "csp.py", "pysat": "sat.py"}


def imports(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node))
    return found


def test_solver_imports_only_stdlib_constraint_and_networkx() -> None:
    for path in sorted(SOLVER.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(map(id, tree.body))
        for name, node in imports(tree):
            if ONLY_IN.get(name, path.name) != path.name:
                raise AssertionError(f"{path.name} imports {name}: only {ONLY_IN[name]} may")
            allowed = name in sys.stdlib_module_names or name in ALLOWED or name in ONLY_IN
            assert allowed, f"{path.name}: {name}"
            if name == "networkx":
                assert id(node) not in top_level, f"{path.name}: networkx at module top level"
