"""solver/ stays pure: the standard library, ``constraint`` (in csp.py only) and ``pysat`` (in
cnf.py only, never at module top level, so that importing ``solver`` loads it not); never
``networkx`` (an explanation's chain is a depth-first walk of its own)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SOLVER = Path(__file__).resolve().parents[2] / "solver"
ONLY_IN: dict[str, tuple[str, ...]] = {
    "constraint": ("csp.py",),
    "pysat": ("cnf.py",),
    "networkx": (),
}
LAZY = {"pysat"}


def imports(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node))
    return found


def test_solver_imports_only_stdlib_constraint_and_pysat() -> None:
    for path in sorted(SOLVER.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(map(id, tree.body))
        for name, node in imports(tree):
            if name in ONLY_IN:
                assert path.name in ONLY_IN[name], f"{path.name} imports {name}"
            else:
                assert name in sys.stdlib_module_names or name == "solver", f"{path.name}: {name}"
            if name in LAZY:
                assert id(node) not in top_level, f"{path.name}: {name} at module top level"


def _printed(code: str) -> list[str]:
    """What ``code`` prints, run in a fresh interpreter (so that imports start from nothing)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_importing_solver_loads_neither_python_sat_nor_networkx() -> None:
    code = "import sys, solver; print('pysat' in sys.modules, 'networkx' in sys.modules)"
    assert _printed(code) == ["False", "False"]


def test_solver_exports_every_public_name_lazily_and_only_those() -> None:
    import solver

    assert sorted(solver._HOME) == sorted(solver.__all__)
    code = (
        "import sys, solver; print('solver.analysis' in sys.modules); "
        "from solver import analyse, check, Verdict, Model; "
        "print('solver.analysis' in sys.modules, solver.check.__module__)"
    )
    assert _printed(code) == ["False", "True", "solver.engine"]


def _check_printing(rules: str, result: str) -> str:
    """Code that checks ``{'g': ('a',)}`` in a one-group model with ``rules`` and prints the
    verdict's status and ``result``."""
    return (
        "import sys\n"
        "from solver import Group, Model, Rule, RuleKind, Selection, Strategy, check\n"
        f"model = Model((Group('g', Strategy.ONE, ('a', 'b')),), {rules})\n"
        "verdict = check(model, Selection({'g': ('a',)}))\n"
        f"print(verdict.status, {result})"
    )


def test_a_check_that_holds_as_written_loads_neither_python_constraint_nor_python_sat() -> None:
    code = _check_printing("()", "'constraint' in sys.modules, 'pysat' in sys.modules")
    assert _printed(code) == ["valid", "False", "False"]


def test_an_explanation_loads_no_networkx() -> None:
    rules = "(Rule(RuleKind.CONFLICTS, (), ('a',)),)"
    code = _check_printing(rules, "len(verdict.conflict.chain), 'networkx' in sys.modules")
    assert _printed(code) == ["invalid", "2", "False"]


def test_feasible_loads_python_sat_only_when_some_option_does_not_fit_as_written() -> None:
    code = (
        "import sys\n"
        "from solver import Group, Model, Rule, RuleKind, Selection, Strategy, feasible\n"
        "groups = (Group('g', Strategy.MANY, ('a', 'b', 'c')),"
        " Group('h', Strategy.ONE, ('x', 'y')))\n"
        "model = Model(groups, (Rule(RuleKind.CONFLICTS, ('c',), ('y',)),))\n"
        "fits = feasible(model, Selection({'g': ('a',), 'h': ('x',)}), 'g')\n"
        "print(list(fits.values()) == [None] * 3, 'pysat' in sys.modules)\n"
        "rejected = feasible(model, Selection({'g': ('a',), 'h': ('y',)}), 'g')\n"
        "print(rejected['c'] is not None, 'pysat' in sys.modules)"
    )
    assert _printed(code) == ["True", "False", "True", "True"]
