"""solver/ stays pure: stdlib, ``constraint`` (in csp.py only) and ``networkx`` (lazily).

The CDCL SAT backend may also use ``pysat``: ``sat.py`` (the CNF of a model, the analysis) and
``satquery.py`` (the engine's selector-based what-if oracle), there only and never at module top
level, so that importing ``solver`` does not load python-sat.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SOLVER = Path(__file__).resolve().parents[2] / "solver"
ALLOWED = {"constraint", "networkx", "solver"}
ONLY_IN = {"constraint": ("csp.py",), "pysat": ("sat.py", "satquery.py")}
LAZY = {"networkx", "pysat"}


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
            if path.name not in ONLY_IN.get(name, (path.name,)):
                raise AssertionError(f"{path.name} imports {name}: only {ONLY_IN[name]} may")
            allowed = name in sys.stdlib_module_names or name in ALLOWED or name in ONLY_IN
            assert allowed, f"{path.name}: {name}"
            if name in LAZY:
                assert id(node) not in top_level, f"{path.name}: {name} at module top level"
