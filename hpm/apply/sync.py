"""Apply a :class:`~hpm.apply.plan.SyncPlan`: edit the project with uv, sync once, write hpm.lock.

Order: ``uv remove --no-sync``, the index entries and routes (:mod:`hpm.apply.routing`), ``uv add
--no-sync``, ``uv add --no-sync --editable`` (each re-locks but leaves ``.venv`` alone), then one
environment step.

Why the last step is ``uv sync --inexact`` plus a targeted ``uv pip uninstall``: a plain
``uv sync`` (or a ``uv add``/``uv remove`` without ``--no-sync``) makes ``.venv`` match the
*default* extras and groups exactly, so it would uninstall a user's non-default extras or groups
that were installed with ``uv sync --extra x``/``--group y`` - hpm must not do that. ``uv sync
--inexact`` installs what the lock needs and removes nothing. Then hpm uninstalls exactly the
packages that were in ``uv.lock`` before and are in it no longer - the packages hpm removed and
their dependencies that nothing else needs. A package still in ``uv.lock`` (needed by some extra or
group, or by the user's own dependencies) stays. ``uv.lock`` holds every extra and group, so this
never touches what a user installed through uv. (uv has no "sync exactly, but keep the extras that
are installed" mode; checked with uv 0.13.)

Failure: every step runs inside :func:`hpm.apply.transaction.transaction`, so if a uv step fails, or
anything raises (KeyboardInterrupt and SIGTERM included), or writing hpm.lock fails,
``pyproject.toml``, ``uv.lock`` and ``hpm.lock`` are restored byte for byte; a failed uv step
raises :class:`UvError` with uv's output.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hpm.apply import uv as uvcmd
from hpm.apply.plan import SyncPlan
from hpm.apply.routing import RouteEdit, route_edit_summary
from hpm.apply.transaction import Journal, transaction
from hpm.errors import UnusableLockError
from hpm.fsutil import atomic_write, read_bytes_or_none
from hpm.names import normalize
from hpm.project import lockfile

if TYPE_CHECKING:
    from hpm.project.lockfile import LockState

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def locked_names(data: bytes | None) -> frozenset[str]:
    """Normalised names of every package in a ``uv.lock`` (empty when there is none or it is bad).

    For the lock *before* a sync: a lock hpm cannot read only means nothing will be pruned.
    """
    try:
        return read_locked_names(data)
    except ValueError:
        return frozenset()


def read_locked_names(data: bytes | None) -> frozenset[str]:
    """Normalised names of every package in a ``uv.lock``; ``ValueError`` saying why it is unusable.

    A lock uv wrote always lists at least the project itself, so an empty one counts as unusable.
    """
    if not data:
        raise ValueError("it is empty" if data is not None else "it is missing")
    try:
        document = tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"it is not valid TOML ({e})") from e
    packages = document.get("package")
    if not isinstance(packages, list) or not packages:
        raise ValueError("it lists no packages")
    names = [p.get("name") if isinstance(p, dict) else None for p in packages]
    if not all(isinstance(n, str) for n in names):
        raise ValueError("a package has no name")
    return frozenset(normalize(str(n)) for n in names)


def pyproject_data(project_dir: Path) -> dict:
    """The project's pyproject.toml, parsed (empty when there is none)."""
    data = read_bytes_or_none(Path(project_dir) / "pyproject.toml")
    return {} if data is None else tomllib.loads(data.decode())


def declared_dependencies(project_dir: Path) -> frozenset[str]:
    """Normalised names in ``[project] dependencies`` of the project's pyproject.toml."""
    document = pyproject_data(project_dir)
    names = set()
    for item in document.get("project", {}).get("dependencies", []):
        match = _REQUIREMENT_NAME.match(item)
        if match:
            names.add(normalize(match.group(1)))
    return frozenset(names)


def project_environment(project_dir: Path) -> Path:
    """The project's virtual environment, as uv chooses it (``UV_PROJECT_ENVIRONMENT`` or .venv)."""
    configured = os.environ.get("UV_PROJECT_ENVIRONMENT")
    return Path(project_dir) / (configured or ".venv")


def apply_plan(
    project_dir: Path,
    plan: SyncPlan,
    new_lock: LockState,
    *,
    echo: Callable[[str], None] | None = None,
    prepare: Callable[[], None] | None = None,
    terminal: int | None = None,
) -> None:
    """Run ``plan``'s uv commands in ``project_dir``, prune ``.venv``, then write ``new_lock``.

    ``echo`` receives each command (``shlex.join``) before it runs and, line by line, uv's output
    while it runs; with ``terminal`` (a TTY's file descriptor) uv's output goes there unchanged
    instead (progress bars, colours). An empty plan runs no uv command and only writes hpm.lock.
    ``prepare`` runs first, inside the transaction (``sync --auto`` writes the completed choices
    into pyproject.toml there, so that a failing uv step rolls them back too).
    """
    project_dir = Path(project_dir)
    with transaction(project_dir) as journal:
        if prepare is not None:
            prepare()
            journal.checkpoint()
        lock_path = project_dir / "uv.lock"
        before = locked_names(read_bytes_or_none(lock_path))
        for position, argv in enumerate(plan.commands):
            if position == plan.routes_at:
                _write_routes(project_dir, plan.routes, echo)
                journal.checkpoint()
            _run(argv, project_dir, echo, terminal, journal)
        if plan.commands:
            try:
                after = read_locked_names(read_bytes_or_none(lock_path))
            except ValueError as e:
                raise UnusableLockError(lock_path.name, str(e)) from e
            environment = project_environment(project_dir)
            stale = sorted(before - after)
            if stale and environment.is_dir():
                uv = plan.commands[-1][0]
                uninstall = uvcmd.uninstall_argv(uv, stale, environment=environment)
                _run(uninstall, project_dir, echo, terminal, journal)
        lockfile.write_lock(project_dir, new_lock)


def _write_routes(project_dir: Path, edit: RouteEdit, echo: Callable[[str], None] | None) -> None:
    """Write the plan's index entries and routes into pyproject.toml (see hpm.apply.routing)."""
    if edit.is_empty:
        return
    from hpm.project.tomlfile import edit_uv_routes, read_text

    path = project_dir / "pyproject.toml"
    text = read_text(path, "pyproject.toml")
    out = edit_uv_routes(
        text,
        add_indexes=[e.fields() for e in edit.add_indexes],
        drop_indexes=edit.drop_indexes,
        sources=edit.sources,
    )
    if echo:
        echo(f"edit pyproject.toml: {route_edit_summary(edit)}")
    if out != text:
        atomic_write(path, out.encode("utf-8"))


def _run(
    argv: tuple[str, ...] | list[str],
    cwd: Path,
    echo: Callable[[str], None] | None,
    terminal: int | None,
    journal: Journal,
) -> None:
    if echo:
        echo(shlex.join(argv))
    uvcmd.run_checked(argv, cwd, echo=echo, terminal=terminal, on_start=journal.record_child)
    journal.checkpoint()
