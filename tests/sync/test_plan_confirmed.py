"""``hpm sync`` plans without ``packaging`` and confirms the plan with it while the first uv step
runs (issue 16: its import was about a fifth of the time before uv started). Real uv, offline."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.cli import hpm_env, hpm_output, invoke_hpm, make_demo, set_groups
from helpers.projects import example_registry, selection, snapshot

from hpm.apply.plan import SyncPlan, make_plan
from hpm.apply.sync import apply_plan, read_declared
from hpm.project.lockfile import LockState, read_lock
from hpm.registry.catalog import Registry, Source

# A real `python -m hpm` process that says, when it starts its first child (uv), whether
# packaging was loaded, and again at its end.
RUNNER = """
import atexit, runpy, sys, _posixsubprocess
start = _posixsubprocess.fork_exec
seen = []
def first_child(*args, **kwargs):
    if not seen:
        seen.append("packaging.requirements" in sys.modules)
    return start(*args, **kwargs)
def report():
    sys.stderr.write(f"\\nPACKAGING {seen} {'packaging.requirements' in sys.modules}\\n")
_posixsubprocess.fork_exec = first_child
atexit.register(report)
runpy.run_module("hpm", run_name="__main__")
"""


def synced_demo(tmp_path: Path) -> Path:
    demo = make_demo(tmp_path)
    set_groups(demo, 'inference = "vlm-adapter-qwen"\nmetrics = ["metric-accuracy"]\n')
    hpm_output(demo, "sync")
    return demo


def switch(project: Path, old: str, new: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text()
    assert f'inference = "{old}"' in text
    path.write_text(text.replace(f'inference = "{old}"', f'inference = "{new}"'))


def test_a_switch_starts_uv_before_packaging_loads_and_loads_it_while_uv_runs(
    tmp_path: Path,
) -> None:
    demo = synced_demo(tmp_path)
    switch(demo, "vlm-adapter-qwen", "vlm-adapter-deepseek")

    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "sync"],
        cwd=demo,
        env=hpm_env(),
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr.rsplit("PACKAGING ", 1)[1].split() == ["[False]", "True"]
    assert hpm_output(demo, "status").count("vlm-adapter-deepseek") >= 1
    assert "vlm-adapter-qwen" not in (demo / "pyproject.toml").read_text()


def test_an_entry_packaging_cannot_parse_stops_a_sync_whose_plan_it_changes(
    tmp_path: Path,
) -> None:
    demo = synced_demo(tmp_path)
    # hpm's qwen, plus a second entry for it that is no requirement: packaging skips that entry
    # (qwen is still hpm's, to remove), the plan made without packaging counts it (qwen would be
    # the user's, left alone)
    path = demo / "pyproject.toml"
    text = path.read_text()
    assert text.count('"vlm-adapter-qwen",') == 1
    entries = '"vlm-adapter-qwen",\n  "vlm-adapter-qwen >=",'
    path.write_text(text.replace('"vlm-adapter-qwen",', entries))
    switch(demo, "vlm-adapter-qwen", "vlm-adapter-deepseek")
    before = snapshot(demo)

    done = invoke_hpm("sync", cwd=demo)

    assert done.returncode == 2, done.stdout + done.stderr
    error, hint = done.stderr.splitlines()  # packaging's reason on the error's one line
    assert error.startswith(
        "error: pyproject.toml: project.dependencies[2]: 'vlm-adapter-qwen >=' is not a valid "
        "requirement ("
    )
    assert hint.startswith("hint: fix or remove the entry")
    assert snapshot(demo) == before


def _recording_uv(tmp_path: Path, uv_bin: str) -> tuple[Path, Path]:
    """A uv that notes each subcommand in a log before running the real one."""
    log = tmp_path / "uv-calls.log"
    shim = tmp_path / "uv-recording"
    shim.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{uv_bin}" "$@"\n')
    shim.chmod(0o755)
    return shim, log


def _lock(registry: Registry, plan: SyncPlan) -> LockState:
    return LockState("../registry", registry.digest, {}, plan.packages)


def _switch_plan(project: Path, registry: Registry, uv_bin: str, uv: str) -> SyncPlan:
    """Sync qwen (with ``uv_bin``), then plan the switch to deepseek (run by ``uv``) as hpm sync
    does, without packaging: its first step is ``uv remove``."""
    first = make_plan(registry, selection("vlm-adapter-qwen"), None, project, uv_bin)
    apply_plan(project, first, _lock(registry, first))
    previous = read_lock(project)
    declared = read_declared(project)
    chosen = selection("vlm-adapter-deepseek")
    plan = make_plan(registry, chosen, previous, project, uv, verify=False, declared=declared)
    assert plan.commands[0][1] == "remove"
    return plan


def test_a_plan_whose_first_step_adds_is_confirmed_before_uv_starts(
    tmp_path: Path, project: Path, example_registry_copy: Path, uv_bin: str
) -> None:
    shim, log = _recording_uv(tmp_path, uv_bin)
    # a source whose requirement does not parse back: only the confirmation finds it
    bad = example_registry(example_registry_copy, {"vllm-backend": Source(version=">=1,<")})
    chosen = selection("vllm-backend")
    declared = read_declared(project)
    plan = make_plan(bad, chosen, None, project, str(shim), declared=declared, verify=False)
    assert plan.commands[0][1] == "add" and "vllm-backend>=1,<" in plan.commands[0]
    before = snapshot(project)

    def confirm() -> None:
        make_plan(bad, chosen, None, project, str(shim), declared=declared)

    with pytest.raises(ValueError, match="not a valid requirement"):
        apply_plan(project, plan, _lock(bad, plan), confirm=confirm)

    assert not log.exists()  # uv never started
    assert snapshot(project) == before


def test_a_plan_whose_first_step_removes_is_confirmed_while_uv_removes(
    tmp_path: Path, project: Path, example_registry_copy: Path, uv_bin: str
) -> None:
    shim, log = _recording_uv(tmp_path, uv_bin)
    registry = example_registry(example_registry_copy)
    plan = _switch_plan(project, registry, uv_bin, str(shim))
    before = snapshot(project)
    running = []

    def confirm() -> None:
        running.append((project / ".hpm" / "txn" / "child.json").exists())  # a uv step runs
        raise ValueError("not confirmed")

    with pytest.raises(ValueError, match="not confirmed"):
        apply_plan(project, plan, _lock(registry, plan), confirm=confirm)

    assert running == [True]
    # that step and no other (stopped at once, the shim may not have noted it yet)
    assert (log.read_text().split() if log.exists() else []) in ([], ["remove"])
    assert snapshot(project) == before


def test_a_confirmation_failing_after_uv_wrote_keeps_nothing_aside(
    project: Path, example_registry_copy: Path, uv_bin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # uv remove has written pyproject.toml when the confirmation fails: uv is stopped in the
    # middle of its step, and what it wrote is its own half-done work, not someone else's edit
    registry = example_registry(example_registry_copy)
    plan = _switch_plan(project, registry, uv_bin, uv_bin)
    before = snapshot(project)
    capsys.readouterr()

    def confirm() -> None:
        deadline = time.monotonic() + 60
        while (project / "pyproject.toml").read_bytes() == before["pyproject.toml"]:
            assert time.monotonic() < deadline, "uv remove never wrote pyproject.toml"
            time.sleep(0.005)
        raise ValueError("not confirmed")

    with pytest.raises(ValueError, match="not confirmed"):
        apply_plan(project, plan, _lock(registry, plan), confirm=confirm)

    assert snapshot(project) == before
    assert "warning" not in capsys.readouterr().err
    assert sorted(p.name for p in project.glob("*.hpm-kept")) == []
