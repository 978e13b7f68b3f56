"""Helpers for CLI tests: run hpm in a throwaway project, in-process or as a real process.

``invoke_hpm`` runs the command in this process with click's ``CliRunner`` (fast: for messages,
JSON shapes and files); ``run_hpm`` starts the real ``python -m hpm`` (for exit codes, signals,
TTY behaviour and concurrency). Both see the session's offline uv settings
(``tests/conftest.py``) with ``NO_COLOR=1``, and both return a ``CompletedProcess``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from click.testing import CliRunner

from helpers.projects import REPO, copy_example_registry
from hpm.cli import main

DEMO_PYPROJECT = REPO / "examples" / "demo" / "pyproject.toml"

RunHpm = Callable[..., subprocess.CompletedProcess[str]]


def hpm_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of an hpm subprocess: the session's, uncoloured, plus ``extra``."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("HPM_REGISTRY", None)
    env.pop("FORCE_COLOR", None)
    env.update(extra or {})
    return env


def run_hpm(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m hpm ARGS`` in ``cwd``; capture text output, never raise on exit code."""
    return subprocess.run(
        [sys.executable, "-m", "hpm", *args],
        cwd=cwd,
        env=hpm_env(env),
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )


def invoke_hpm(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``hpm ARGS`` in this process, in ``cwd``; the same answer as :func:`run_hpm`.

    It changes the process's working directory while it runs: never call it from two threads
    (concurrency tests use :func:`run_hpm`).
    """
    assert threading.current_thread() is threading.main_thread(), "use run_hpm in threads"
    environment: dict[str, str | None] = {"NO_COLOR": "1", "HPM_REGISTRY": None}
    environment["FORCE_COLOR"] = None
    environment.update(env or {})
    runner = CliRunner()
    with contextlib.chdir(cwd):
        result = runner.invoke(main, list(args), env=environment, input=input, prog_name="hpm")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug: a real process would print a traceback
    return subprocess.CompletedProcess(
        ["hpm", *args], result.exit_code, result.stdout, result.stderr
    )


def tree_bytes(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes | str]:
    """Every file under ``root`` (relative path -> bytes; symlinks -> their target text)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(rel == s or rel.startswith(s + "/") for s in skip):
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


def make_demo(tmp_path: Path) -> Path:
    """``tmp_path/registry`` (a copy of the example) and ``tmp_path/demo`` using it."""
    copy_example_registry(tmp_path / "registry")
    demo = tmp_path / "demo"
    demo.mkdir()
    text = DEMO_PYPROJECT.read_text().replace('"../../registry"', '"../registry"')
    assert 'registry = "../registry"' in text
    (demo / "pyproject.toml").write_text(text)
    return demo


def set_groups(project: Path, body: str) -> None:
    """Append a ``[tool.hpm.groups]`` table with ``body`` to the project's pyproject.toml."""
    path = project / "pyproject.toml"
    path.write_text(path.read_text() + "\n[tool.hpm.groups]\n" + body)


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    """No traceback, no ANSI escape in either stream."""
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream, stream
        assert "\x1b[" not in stream, stream


def hpm_output(project: Path, *args: str, code: int = 0) -> str:
    """``hpm ARGS`` in-process in ``project``: clean output, exit ``code``; stdout + stderr."""
    done = invoke_hpm(*args, cwd=project)
    assert_clean(done)
    assert done.returncode == code, done.stdout + done.stderr
    return done.stdout + done.stderr
