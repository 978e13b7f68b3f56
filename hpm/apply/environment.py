"""Whether the environment matches uv.lock: ``uv sync --inexact --check`` (read-only).

Its own module: ``hpm sync`` asks only when pyproject.toml needs no change, and a sync that
changes it never creates the class (a frozen dataclass costs about a millisecond at import).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hpm.apply import uv as uvcmd
from hpm.project.workspace import find_workspace

CHECK_LINES = 100_000  # a read-only uv check: keep all of its output (one line per package)


@dataclass(frozen=True, slots=True)
class EnvironmentCheck:
    """Whether the environment matches uv.lock, as ``uv sync --inexact --check`` says."""

    outdated: bool
    missing: bool = False  # no environment at all
    changes: tuple[str, ...] = ()  # uv's lines, e.g. "+ requests==2.32.3", "- old==1.0"


def environment_check(project_dir: Path, uv: str, *, locked: bool = False) -> EnvironmentCheck:
    """Ask uv, without changing anything, whether ``uv sync --inexact`` would change the
    environment (or ``uv.lock``). ``locked`` adds ``--locked``."""
    workspace = find_workspace(project_dir)
    missing = not workspace.environment.is_dir()
    argv = [*uvcmd.sync_argv(uv), *(["--locked"] if locked else []), "--check"]
    done = uvcmd.run(argv, Path(project_dir), tail_lines=CHECK_LINES)
    if done.returncode == 0 and not missing:
        return EnvironmentCheck(False)
    changes = tuple(
        line.strip() for line in done.tail.splitlines() if line.startswith((" + ", " - ", " ~ "))
    )
    return EnvironmentCheck(True, missing, changes)
