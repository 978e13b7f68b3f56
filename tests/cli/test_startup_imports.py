"""Start-up: ``hpm check`` on a local registry without machine conditions loads only what it uses.

A real ``python -m hpm check`` process (the import graph is per process), then ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.projects import copy_example_registry, use_registry, write_project

# Modules a plain check of a local registry never needs (see issue 16, start-up).
NOT_LOADED = (
    "networkx",
    "pysat",
    "constraint",
    "tomlkit",
    "hpm.machine.detect",
    "hpm.registry.gitspec",
    "hpm.registry.gitfetch",
    "hpm.registry.layers",
    "solver.analysis",
)

RUNNER = """
import json, runpy, sys
try:
    runpy.run_module("hpm", run_name="__main__")
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def loaded_by(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], cwd=cwd, capture_output=True, text=True
    )
    line = done.stderr.rsplit("MODULES ", 1)[1]
    return done, set(json.loads(line))


def test_check_on_a_local_registry_imports_no_git_machine_or_analysis_module(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "app")
    registry = copy_example_registry(project / "registry")
    (registry / "groups" / "accelerator.yaml").unlink()  # the only group with machine conditions
    use_registry(project, "registry")
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[tool.hpm.groups]\ninference = "vlm-adapter-qwen"\n')

    done, modules = loaded_by(["check"], project)

    assert done.returncode == 0, done.stderr
    assert "the selection is valid" in done.stdout
    assert "solver.engine" in modules  # the runner saw the command's imports
    assert sorted(name for name in NOT_LOADED if name in modules) == []
    # with a machine-conditioned registry, the same runner does see detection
    (registry / "groups" / "accelerator.yaml").write_text(
        (Path(__file__).resolve().parents[2] / "registry" / "groups" / "accelerator.yaml")
        .read_text()
    )
    _, modules = loaded_by(["check"], project)
    assert "hpm.machine.detect" in modules
