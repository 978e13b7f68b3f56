"""The analysis stays in the pure engine: stdlib and solver only; python-sat loads lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SOLVER = Path(__file__).resolve().parents[2] / "solver"


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_analysis_and_sat_import_only_stdlib_and_solver_at_top_level():
    for module in ("analysis.py", "sat.py"):
        foreign = _top_level_imports(SOLVER / module) - set(sys.stdlib_module_names)
        assert foreign <= {"solver", "__future__"}, (module, foreign)


def test_importing_the_analysis_does_not_load_python_sat():
    code = "import sys, solver.analysis, solver.sat; print('pysat' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
