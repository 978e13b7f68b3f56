"""Start-up: ``hpm check`` on a local registry without machine conditions loads only what it uses.

A real ``python -m hpm check`` process (the import graph is per process), then ``sys.modules``
and the dataclasses its hpm and solver modules define (each costs about a millisecond to create
at import on Python 3.11)."""

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
    "subprocess",  # machine detection runs a tool only when there is one to run
)
# ... nor, answered from the registry cache (the first command loaded and cached the registry):
NOT_LOADED_FROM_CACHE = (
    "yaml",
    "hpm.registry.loader",
    "packaging",  # names are checked by PEP 508's expression (packaging.utils loads logging)
)
# Dataclasses a check or an explanation never creates: they live where they are used.
NOT_CREATED = (
    "dataclass Ui",  # hpm sync's
    "dataclass MachineChange",  # hpm status's
    "dataclass Conflict",  # made only when a question has no answer (solver.conflicts)
    "dataclass Step",
    "dataclass Analysis",  # hpm registry check's (solver.analysis)
    "dataclass RuleFindings",
)

RUNNER = """
import json, runpy, sys
try:
    runpy.run_module("hpm", run_name="__main__")
except SystemExit as done:
    code = done.code
else:
    code = 0
import dataclasses
classes = [
    f"dataclass {value.__qualname__}"
    for name, module in list(sys.modules.items())
    if name.split(".")[0] in ("hpm", "solver")
    for value in vars(module).values()
    if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == name
]
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules) + classes) + "\\n")
sys.exit(code)
"""


def loaded_by(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The process's result, and the names of its modules and of its hpm/solver dataclasses."""
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
    assert "dataclass Verdict" in modules  # and the dataclasses they define
    assert "hpm.registry.loader" in modules  # the registry was not cached yet
    assert sorted(name for name in NOT_LOADED if name in modules) == []
    done, modules = loaded_by(["check"], project)
    assert done.returncode == 0, done.stderr
    unwanted = NOT_LOADED + NOT_LOADED_FROM_CACHE + NOT_CREATED
    assert sorted(name for name in unwanted if name in modules) == []
    # with a machine-conditioned registry, the same runner does see detection
    (registry / "groups" / "accelerator.yaml").write_text(
        (
            Path(__file__).resolve().parents[2] / "registry" / "groups" / "accelerator.yaml"
        ).read_text()
    )
    _, modules = loaded_by(["check"], project)
    assert "hpm.machine.detect" in modules


def test_explain_from_the_registry_cache_imports_nothing_beyond_check_when_every_option_fits(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "app")
    registry = copy_example_registry(project / "registry")
    # a GPU's cuda fact would be compared with packaging's specifiers
    (registry / "groups" / "accelerator.yaml").unlink()
    use_registry(project, "registry")
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[tool.hpm.groups]\nmetrics = ["metric-accuracy"]\n')
    loaded_by(["check"], project)  # loads and caches the registry

    done, modules = loaded_by(["explain", "metrics"], project)

    assert done.returncode == 0, done.stderr
    assert "metric-latency" in done.stdout
    # every option of metrics fits as written: feasible needs no SAT oracle
    lazy = ("pysat", "networkx", "constraint", "tomlkit", "solver.analysis", "yaml", "packaging")
    lazy += NOT_CREATED
    assert sorted(name for name in lazy if name in modules) == []


def test_the_file_helpers_load_tempfile_only_to_write() -> None:
    # (a check process may still write: the registry cache's digest memo of files just changed)
    code = "import sys, hpm.fsutil; print('tempfile' in sys.modules, 'shutil' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


COLLECTOR = """
import gc, runpy, sys
{run}
sys.stdout.write("\\nGC " + str(gc.isenabled()) + " " + str(gc.get_freeze_count() > 0) + "\\n")
"""
AS_A_PROCESS = """
try:
    runpy.run_module("hpm", run_name="__main__")
except SystemExit:
    pass
"""
IN_PROCESS = """
from click.testing import CliRunner
from hpm.cli import main
sys.stdout.write(CliRunner().invoke(main, ["check"]).output)
"""


def test_start_up_pauses_the_cyclic_collector_and_the_command_runs_with_it(tmp_path: Path) -> None:
    project = write_project(tmp_path / "app")
    use_registry(project, str(copy_example_registry(project / "registry")))

    def collector_after(run: str) -> list[str]:
        code = COLLECTOR.format(run=run)
        done = subprocess.run(
            [sys.executable, "-c", code, "check"], cwd=project, capture_output=True, text=True
        )
        assert "the selection is valid" in done.stdout, done.stderr
        return done.stdout.rsplit("GC ", 1)[1].split()

    # what start-up made is frozen out of the collector's walks; the collector runs again
    assert collector_after(AS_A_PROCESS) == ["True", "True"]
    # a caller in the same process (tests) keeps its collector as it was: running, nothing frozen
    assert collector_after(IN_PROCESS) == ["True", "False"]
