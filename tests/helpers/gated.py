"""A project whose packages' build can be held by the test (see ``helpers.projects.GATED_BACKEND``).

``gated`` (a fixture in conftest.py) is a project synced with ``gated-old``; its registry offers
``gated-new`` too. The gate directory is ``gated.parent / "gate"``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from helpers.cli import hpm_env, invoke_hpm
from helpers.projects import use_registry, write_gated_package, write_project

GROUP = """\
name: feature
strategy: 1-of-N
options:
  - name: gated-old
    path: pkgs/gated-old
  - name: gated-new
    path: pkgs/gated-new
"""


def choose(project: Path, option: str) -> None:
    """Set ``feature = option`` in [tool.hpm.groups], leaving the rest of the file alone (uv's
    [tool.uv.sources] comes after it: dropping it would be a hand edit of hpm's package)."""
    import re

    path = project / "pyproject.toml"
    text = path.read_text()
    line = f'feature = "{option}"'
    if "\n[tool.hpm.groups]\n" in text:
        path.write_text(re.sub(r'(?m)^feature = ".*"$', line, text, count=1))
    else:
        path.write_text(f"{text}\n[tool.hpm.groups]\n{line}\n")


def make_gated(tmp_path: Path) -> Path:
    """A project synced with ``gated-old``, its registry offering ``gated-new`` too."""
    registry = tmp_path / "registry"
    (registry / "groups").mkdir(parents=True)
    (registry / "groups" / "feature.yaml").write_text(GROUP)
    for name in ("gated-old", "gated-new"):
        write_gated_package(registry / "pkgs" / name, name)
    project = use_registry(write_project(tmp_path / "project"), "../registry")
    choose(project, "gated-old")
    done = invoke_hpm("sync", cwd=project)  # set-up: the process does not matter here
    assert done.returncode == 0, done.stderr
    (tmp_path / "gate").mkdir()
    return project


def start_sync(
    project: Path, gate: Path, hold: str, *, capture: bool = False
) -> subprocess.Popen[bytes]:
    """``hpm sync`` in a subprocess, holding the backend hook ``hold`` (``""``: none)."""
    stream = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "hpm", "sync"],
        cwd=project,
        env=hpm_env({"GATE_DIR": str(gate), "GATE_HOLD": hold}),
        stdout=stream,
        stderr=stream,
        start_new_session=True,  # like a terminal's job: the test kills hpm's pid only
    )


def wait_for(mark: Path, process: subprocess.Popen[bytes]) -> None:
    while not mark.exists():
        assert process.poll() is None, "hpm ended before uv reached the held step"
        time.sleep(0.02)
