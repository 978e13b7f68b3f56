"""A reviewer kills hpm mid-sync, or runs two at once: every file ends as it was, or as intended.

uv is made slow on purpose with a wrapper (``HPM_UV``) that marks when it starts ``uv add`` and
then blocks, so that the test can interrupt hpm after ``uv remove`` already changed the project.
The tests wait on that mark file and on process exits, never on a clock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, hpm_env, set_groups, tree_bytes
from helpers.projects import snapshot

from hpm.apply.uv import find_uv


def _slow_uv(tmp_path: Path) -> tuple[Path, Path]:
    """A uv that blocks at `uv add` (after touching a mark file); returns (script, mark).

    It blocks in ``exec sleep``, one process that dies with the signal that stops hpm's uv.
    """
    mark = tmp_path / "uv-add-started"
    script = tmp_path / "slow-uv"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "add" ]; then touch "{mark}"; exec sleep 3600; fi\n'
        f'exec "{find_uv()}" "$@"\n'
    )
    script.chmod(0o755)
    return script, mark


def _synced_switch(demo: Path, hpm: RunHpm) -> dict[str, bytes | None]:
    """Sync qwen, then switch the manifest to deepseek (not synced); return the files then."""
    set_groups(demo, 'inference = "vlm-adapter-qwen"\n')
    done = hpm("sync", cwd=demo)
    assert done.returncode == 0, done.stderr
    text = (demo / "pyproject.toml").read_text()
    (demo / "pyproject.toml").write_text(
        text.replace('vlm-adapter-qwen"\n', 'vlm-adapter-deepseek"\n', 1)
    )
    return snapshot(demo)


def _start_sync(demo: Path, uv: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hpm", "sync"],
        cwd=demo,
        env=hpm_env({"HPM_UV": str(uv)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the test can kill hpm and its uv
    )


def _wait_for(mark: Path, process: subprocess.Popen[str]) -> None:
    """Until the slow uv has started `uv add` (failing at once if hpm ended before that)."""
    while not mark.exists():
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)


def _finish(process: subprocess.Popen[str]) -> str:
    """Wait for hpm to exit, kill whatever it left in its process group; its stderr."""
    process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a uv still running would hold the pipes open
    return process.communicate()[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_sync_restores_every_file(
    demo: Path, hpm: RunHpm, tmp_path: Path, signum: int
) -> None:
    before = _synced_switch(demo, hpm)
    uv, mark = _slow_uv(tmp_path)
    process = _start_sync(demo, uv)
    _wait_for(mark, process)
    assert snapshot(demo) != before  # `uv remove` has already changed the project
    process.send_signal(signum)
    err = _finish(process)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err, err
    assert "error: interrupted; restored pyproject.toml, uv.lock" in err, err
    assert snapshot(demo) == before
    assert not (demo / ".hpm" / "txn").exists()


def test_a_killed_sync_is_rolled_back_by_the_next_command(
    demo: Path, hpm: RunHpm, tmp_path: Path
) -> None:
    before = _synced_switch(demo, hpm)
    uv, mark = _slow_uv(tmp_path)
    process = _start_sync(demo, uv)
    _wait_for(mark, process)
    os.killpg(process.pid, signal.SIGKILL)  # hpm and its uv die at once: no cleanup runs
    _finish(process)
    assert snapshot(demo) != before
    assert (demo / ".hpm" / "txn").exists()
    check = hpm("check", cwd=demo)  # even a read-only command restores first
    assert_clean(check)
    assert "rolled back an interrupted hpm run" in check.stderr
    assert "pyproject.toml" in check.stderr
    assert snapshot(demo) == before
    again = hpm("sync", cwd=demo)  # and the interrupted sync can simply be run again
    assert again.returncode == 0, again.stderr
    assert "vlm-adapter-deepseek" in (demo / "hpm.lock").read_text()


def test_two_group_adds_at_once_end_in_one_of_the_two_states(
    demo: Path, hpm_process: RunHpm
) -> None:
    set_groups(demo, 'inference = "vlm-adapter-qwen"\n')
    base = (demo / "pyproject.toml").read_text()
    wanted = {
        base.replace('"vlm-adapter-qwen"', f'"{option}"')
        for option in ("vlm-adapter-deepseek", "vllm-backend")
    }
    for _ in range(3):
        (demo / "pyproject.toml").write_text(base)
        with ThreadPoolExecutor(2) as pool:
            runs = list(
                pool.map(
                    lambda option: hpm_process(
                        "group", "add", "inference", "--option", option, cwd=demo
                    ),
                    ("vlm-adapter-deepseek", "vllm-backend"),
                )
            )
        assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
        assert (demo / "pyproject.toml").read_text() in wanted


def test_two_syncs_at_once_leave_a_consistent_project(
    demo: Path, hpm: RunHpm, hpm_process: RunHpm
) -> None:
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: hpm_process("sync", cwd=demo), range(2)))
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    # One did the work; the other waited for the lock and found nothing to do.
    assert sum("nothing to do" in r.stdout for r in runs) == 1
    lock = (demo / "hpm.lock").read_text()
    pyproject = (demo / "pyproject.toml").read_text()
    for package in ("vllm-backend", "metric-latency"):
        assert package in lock and f'"{package}"' in pyproject
    files = tree_bytes(demo, skip=(".venv", ".hpm"))
    assert hpm("sync", "--locked", cwd=demo).returncode == 0
    assert tree_bytes(demo, skip=(".venv", ".hpm")) == files


def test_ctrl_c_while_waiting_for_the_lock_exits_130_with_hpms_message(demo: Path) -> None:
    from hpm.apply.filelock import project_lock

    set_groups(demo, 'inference = "vllm-backend"\n')
    before = snapshot(demo)
    with project_lock(demo):  # this process holds the lock: `group add` must wait for it
        process = subprocess.Popen(
            [sys.executable, "-m", "hpm", "group", "add", "metrics"],
            cwd=demo,
            env=hpm_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        waiting = process.stderr.readline()  # the event: hpm says that it waits
        assert "waiting for another hpm process" in waiting, waiting
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate()
    assert process.returncode == 130, err
    assert "error: interrupted" in err
    assert "Aborted" not in err and "Traceback" not in err, err
    assert snapshot(demo) == before
