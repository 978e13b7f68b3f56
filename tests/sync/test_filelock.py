"""Two real hpm processes on one project: the second waits, says so, then proceeds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers.projects import REPO

from hpm.apply.filelock import project_lock
from hpm.errors import HpmError

HOLDER = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from hpm.apply.filelock import project_lock
with project_lock(Path({project!r}), timeout={timeout}):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test says so
print("released", flush=True)
"""


def start(project: Path, timeout: float = 60.0) -> subprocess.Popen[str]:
    code = textwrap.dedent(HOLDER).format(repo=str(REPO), project=str(project), timeout=timeout)
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_second_process_waits_then_proceeds(project: Path) -> None:
    first = start(project)
    assert first.stdout.readline() == "locked\n"
    second = start(project)
    message = second.stderr.readline()
    assert message == f"waiting for another hpm process on {project} (pid {first.pid})...\n"

    first.communicate("go\n")
    out, err = second.communicate("go\n")
    assert first.returncode == 0
    assert second.returncode == 0
    assert out == "locked\nreleased\n"
    assert err == ""  # the message is printed once


def test_a_timeout_fails_cleanly(project: Path) -> None:
    holder = start(project)
    try:
        assert holder.stdout.readline() == "locked\n"
        notes: list[str] = []
        with (
            pytest.raises(HpmError) as info,
            project_lock(project, timeout=0.2, notify=notes.append),
        ):
            pass
        assert str(holder.pid) in info.value.message
        assert "lock" in info.value.hint
        assert len(notes) == 1
    finally:
        holder.communicate("go\n")
    with project_lock(project, timeout=0.2):  # free again
        assert (project / ".hpm" / ".gitignore").read_text() == "*\n"
