"""The uv driver: find the binary, build argument lists, run them.

This is the only module of hpm that imports :mod:`subprocess`. The argv builders are pure and
tested without a subprocess; :func:`run` is the one place where a process starts (an argv list,
never a shell). Every builder puts ``--`` before positional arguments, so nothing in a requirement
can be read as an option (the registry's names are PEP 508 names anyway).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from hpm.apply.uvbin import UV_ENV, find_uv
from hpm.errors import UvError

__all__ = ["UV_ENV", "find_uv"]  # re-exported: callers import them from here


def _positional(args: Sequence[str]) -> list[str]:
    for arg in args:
        if arg.startswith("-"):
            raise ValueError(f"refusing an argument that looks like an option: {arg!r}")
    return ["--", *args]


def add_argv(
    uv: str,
    requirements: Sequence[str],
    *,
    editable: bool = False,
    no_sync: bool = True,
    no_workspace: bool = True,
) -> list[str]:
    """``uv add [--no-sync] [--no-workspace] [--editable] -- REQ...``.

    ``--no-workspace``: without it, uv (0.8 and later) turns a path *inside* the project directory
    into a workspace member (``[tool.uv.workspace] members``), which ``uv remove`` does not undo.
    """
    argv = [uv, "add"]
    if no_sync:
        argv.append("--no-sync")
    if no_workspace:
        argv.append("--no-workspace")
    if editable:
        argv.append("--editable")
    return argv + _positional(requirements)


def remove_argv(uv: str, names: Sequence[str], *, no_sync: bool = True) -> list[str]:
    """``uv remove [--no-sync] -- NAME...``."""
    argv = [uv, "remove"]
    if no_sync:
        argv.append("--no-sync")
    return argv + _positional(names)


def init_argv(uv: str, directory: str) -> list[str]:
    """``uv init --bare --no-workspace -- DIR``: a new project with only a pyproject.toml."""
    return [uv, "init", "--bare", "--no-workspace", *_positional([directory])]


def sync_argv(uv: str, *, inexact: bool = True) -> list[str]:
    """``uv sync --inexact``: install what uv.lock needs, remove nothing (see hpm.apply.sync)."""
    return [uv, "sync", "--inexact"] if inexact else [uv, "sync"]


def uninstall_argv(uv: str, names: Sequence[str], *, environment: Path) -> list[str]:
    """``uv pip uninstall --python ENV -- NAME...``: names that are not installed are skipped."""
    return [uv, "pip", "uninstall", "--python", os.fspath(environment), *_positional(names)]


def run(argv: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``cwd`` and capture its output (stderr folded into stdout)."""
    return subprocess.run(
        list(argv),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
    )


def run_checked(argv: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Like :func:`run`, raising :class:`UvError` with uv's output when it exits non-zero."""
    try:
        done = run(argv, cwd)
    except OSError as e:
        raise UvError(list(argv), 127, str(e), hint=f"check the uv executable or {UV_ENV}") from e
    if done.returncode != 0:
        raise UvError(list(argv), done.returncode, done.stdout or "")
    return done
