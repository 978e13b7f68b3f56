"""``kill -9`` of hpm alone (not its process group) while the real uv works: uv must not outlive it.

The packages' own build backend (``helpers.projects.GATED_BACKEND``) holds uv's metadata or build
step until the test releases it, and says when it got there: the kill lands exactly inside
``uv add`` (metadata) or ``uv sync`` (build), with no sleeping and hoping. The loop at the end
kills at seeded random moments instead.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers.cli import run_hpm
from helpers.gated import choose, start_sync, wait_for
from helpers.projects import can_import, snapshot

from hpm.context import recover_interrupted


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies excluded)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            if fields[0] != "Z" and fields[2] == str(pgid):
                alive.append(int(entry.name))
    return alive


def recorded_child(project: Path) -> dict[str, int] | None:
    path = project / ".hpm" / "txn" / "child.json"
    return json.loads(path.read_text()) if path.exists() else None


def installed(project: Path) -> set[str]:
    """The distributions in the project's .venv (by dist-info directory)."""
    found = project.glob(".venv/lib/python*/site-packages/*.dist-info")
    return {p.name.split("-")[0].replace("_", "-") for p in found}


def sync_in_process(project: Path) -> None:
    from click.testing import CliRunner

    from hpm.cli import main

    done = CliRunner().invoke(main, ["--project", str(project), "sync"])
    assert done.exit_code == 0, (done.output, done.exception)


def kill_alone(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)  # hpm's pid only, not its group: uv is not signalled
    process.wait()


@pytest.mark.parametrize("hold", ["metadata", "build"])  # inside `uv add`, inside `uv sync`
def test_uv_does_not_outlive_a_killed_hpm(gated: Path, hold: str) -> None:
    gate = gated.parent / "gate"
    choose(gated, "gated-new")
    before = snapshot(gated)
    process = start_sync(gated, gate, hold)
    wait_for(gate / "started", process)
    kill_alone(process)

    child = recorded_child(gated)
    assert child is not None  # the journal knows which uv was running
    done = run_hpm("group", "list", cwd=gated)  # the next command, read-only even
    assert done.returncode == 0, done.stderr
    assert "rolled back an interrupted hpm run" in done.stderr
    assert group_members(child["pgid"]) == []  # uv and its build backend are gone
    assert snapshot(gated) == before  # the old state: nothing wrote after the restore
    (gate / "release").touch()  # a surviving backend would carry on now; none does
    assert snapshot(gated) == before
    assert not any(gated.glob("*.hpm-kept"))

    done = run_hpm("sync", cwd=gated)
    assert done.returncode == 0, done.stderr
    assert can_import(gated, "gated_new")
    assert not can_import(gated, "gated_old")


def test_kill_9_of_hpm_alone_at_random_moments_leaves_the_old_or_the_new_state(
    gated: Path,
) -> None:
    gate = gated.parent / "gate"
    synced = {"gated-old": snapshot(gated)}
    choose(gated, "gated-new")
    pending = {"gated-new": snapshot(gated)}
    started = time.monotonic()
    assert run_hpm("sync", cwd=gated).returncode == 0
    duration = time.monotonic() - started
    synced["gated-new"] = snapshot(gated)
    choose(gated, "gated-old")
    pending["gated-old"] = snapshot(gated)

    target, other = "gated-old", "gated-new"
    outcomes = []
    for seed in range(int(os.environ.get("KILL_SEEDS", "10"))):
        delay = random.Random(seed).uniform(0.0, duration)
        process = start_sync(gated, gate, "")
        time.sleep(delay)
        kill_alone(process)
        child = recorded_child(gated)
        recover_interrupted(gated)  # what the next hpm command does first
        if child is not None:
            assert group_members(child["pgid"]) == []
        state = snapshot(gated)
        assert state in (pending[target], synced[target]), f"seed {seed}: a mixed state"
        outcomes.append("new" if state == synced[target] else "old")

        sync_in_process(gated)
        assert snapshot(gated) == synced[target]
        assert {target, other} & installed(gated) == {target}, f"seed {seed}: .venv is wrong"
        target, other = other, target
        choose(gated, target)
        assert snapshot(gated) == pending[target]
    assert "old" in outcomes  # the kills did land inside syncs


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_hpm_alone_stops_uv_first_then_restores(gated: Path, signum: int) -> None:
    # A terminal's Ctrl-C reaches hpm's process group only: uv runs in its own, so hpm must stop
    # it (and its build backend) itself before it restores the files.
    gate = gated.parent / "gate"
    choose(gated, "gated-new")
    before = snapshot(gated)
    process = start_sync(gated, gate, "build")
    wait_for(gate / "started", process)
    child = recorded_child(gated)
    assert child is not None
    process.send_signal(signum)
    assert process.wait() != 0
    assert group_members(child["pgid"]) == []
    assert snapshot(gated) == before
    assert not (gated / ".hpm" / "txn").exists()
