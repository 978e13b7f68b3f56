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
raises :class:`~hpm.errors.SyncStepError` (which step, the command as a user can paste it, uv's
output without its CLI-only advice, what was restored), an interrupt raises
:class:`~hpm.errors.Interrupted` (exit 130) naming what was restored.

Workspaces: in a member of a uv workspace, ``uv.lock`` and ``.venv`` are the workspace root's
(:mod:`hpm.project.workspace`); they are what is journalled, read and pruned here.

The environment always matches: when pyproject.toml needs no change,
:func:`hpm.apply.environment.environment_check` asks ``uv sync --inexact --check`` (read-only;
about 15 ms with uv 0.13 on a small project, the same as the sync it may save) whether ``.venv``
is missing or differs from ``uv.lock``; the plan then still runs ``uv sync --inexact``. So a
fresh clone, ``rm -rf .venv`` or a package uninstalled by hand is repaired by a plain ``hpm
sync``.
"""

from __future__ import annotations

import dataclasses
import shlex
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpm.apply import uv as uvcmd
from hpm.apply.ownership import ProjectDependencies, fingerprints_of, project_dependencies
from hpm.apply.plan import SyncPlan
from hpm.apply.routing import RouteEdit, route_edit_summary
from hpm.apply.transaction import Journal, transaction
from hpm.apply.uvbin import shown
from hpm.errors import SyncStepError, UnusableLockError, UvError, interrupted_sync
from hpm.fsutil import atomic_write, read_bytes_or_none
from hpm.names import normalize
from hpm.project import lockfile
from hpm.project.workspace import Workspace, find_workspace

if TYPE_CHECKING:
    from hpm.apply.process import Child
    from hpm.project.lockfile import LockState

PYPROJECT = "pyproject.toml"


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


def predicted_uninstall(
    data: bytes | None, project: str, removed: Collection[str]
) -> tuple[str, ...]:
    """What the final ``uv pip uninstall`` will remove, read from ``uv.lock`` before the sync.

    The packages of uv.lock that no member of the workspace (``[manifest] members``, or the
    project alone) reaches any more once ``project`` no longer depends on ``removed``: every
    extra and dependency group counts, as for the real step. An upper bound for ``--dry-run``: a
    package being added may still need one of them.
    """
    if not data or not removed:
        return ()
    try:
        document = tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return ()
    packages = {normalize(p["name"]): p for p in document.get("package", ()) if "name" in p}
    gone = {normalize(n) for n in removed}
    members = document.get("manifest", {}).get("members") or [project]
    todo = [normalize(m) for m in members if normalize(m) in packages]
    seen = set(todo)
    while todo:
        name = todo.pop()
        for dep in _edges(packages[name]):
            if name == normalize(project) and dep in gone:
                continue
            if dep in packages and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return tuple(sorted(set(packages) - seen))


def _edges(package: Mapping[str, Any]) -> list[str]:
    """The names a uv.lock package depends on, counting every extra and dependency group."""
    lists = [package.get("dependencies", [])]
    for key in ("optional-dependencies", "dev-dependencies"):
        lists.extend(package.get(key, {}).values())
    return [normalize(d["name"]) for items in lists for d in items if "name" in d]


def read_declared(project_dir: Path) -> ProjectDependencies:
    """The packages the project's pyproject.toml declares (see :mod:`hpm.apply.ownership`)."""
    return project_dependencies(pyproject_data(project_dir))


def journalled_files(project_dir: Path, workspace: Workspace) -> tuple[str, ...]:
    """pyproject.toml, uv.lock (the workspace root's) and hpm.lock, relative to the project."""
    return (
        PYPROJECT,
        workspace.relative(Path(project_dir), workspace.lock),
        lockfile.LOCK_NAME,
    )


def apply_plan(
    project_dir: Path,
    plan: SyncPlan,
    new_lock: LockState,
    *,
    echo: Callable[[str], None] | None = None,
    prepare: Callable[[], None] | None = None,
    write_lock: bool = True,
    terminal: int | None = None,
    confirm: Callable[[], None] | None = None,
) -> None:
    """Run ``plan``'s uv commands in ``project_dir``, prune ``.venv``, then write ``new_lock``.

    ``echo`` receives each command (as ``uv ...``) before it runs and, line by line, uv's output
    while it runs; with ``terminal`` (a TTY's file descriptor) uv's output goes there unchanged
    instead (progress bars, colours). An empty plan runs no uv command and only writes hpm.lock.
    ``prepare`` runs first, inside the transaction (``sync --auto`` writes the completed choices
    into pyproject.toml there, so that a failing uv step rolls them back too). ``write_lock``
    False (``--locked``): hpm.lock is left as it is. hpm.lock records how pyproject.toml declares
    hpm's packages afterwards (``declared``). In a workspace member, uv.lock and the environment
    are the workspace root's. ``confirm`` runs while the first uv step runs when that step is
    ``uv remove`` (names only), else before the first step starts (uv never sees a requirement
    string it has not confirmed), or before hpm.lock is written when there is no step; if it
    raises, uv is stopped and the files restored (``hpm sync`` confirms there a plan it made
    without ``packaging``).

    hpm.lock is written while the plan's last step, ``uv sync``, runs (it changes no
    pyproject.toml, so hpm's packages are declared as they will stay): the write overlaps with
    uv instead of following it. If anything fails afterwards, the journal restores it with the
    rest. uv.lock is read while uv runs too (:class:`_LockedNames`): the packages it held before
    the sync while the first step runs, and those it holds after the last edit while ``uv sync``
    runs (read again afterwards only if ``uv sync`` changed it).
    """
    project_dir = Path(project_dir)
    workspace = find_workspace(project_dir)
    files = journalled_files(project_dir, workspace)
    step = 0
    lock_written = not write_lock  # or needs no writing

    def record() -> None:
        nonlocal lock_written
        declared = read_declared(project_dir)
        lock = dataclasses.replace(new_lock, declared=fingerprints_of(new_lock.packages, declared))
        lockfile.write_lock(project_dir, lock)
        journal.saw(lockfile.LOCK_NAME)  # not someone else's edit, should the step fail
        lock_written = True

    with transaction(project_dir, files) as journal:
        original = journal.originals
        before = _LockedNames(original[files[1]])  # uv.lock as journalled
        after = _LockedNames(None)
        pending = confirm  # runs once: beside a first `uv remove` (names only), else before uv
        try:
            if prepare is not None:
                prepare()
                journal.checkpoint()
            for position, argv in enumerate(plan.commands):
                if position == plan.routes_at and not plan.routes.is_empty:
                    _write_routes(project_dir, plan.routes, echo)
                    journal.checkpoint()
                step += 1
                meanwhile: list[Callable[[], object]] = [before.read]
                if pending is not None:
                    if argv[1:2] == ("remove",):
                        meanwhile.insert(0, pending)
                    else:  # a requirement hpm built: confirmed before uv runs
                        pending()
                    pending = None
                if position == len(plan.commands) - 1 and argv[1:2] == ("sync",):
                    meanwhile.append(lambda: after.reread(workspace.lock))
                    if not lock_written:
                        meanwhile.append(record)
                _run(argv, project_dir, echo, terminal, journal, meanwhile)
            if plan.commands:
                try:
                    now = after.reread(workspace.lock, strict=True)
                except ValueError as e:
                    raise UnusableLockError(workspace.lock.name, str(e)) from e
                stale = sorted(before.read() - now)
                if stale and workspace.environment.is_dir():
                    step += 1
                    uninstall = uvcmd.uninstall_argv(
                        plan.commands[-1][0], stale, environment=workspace.environment
                    )
                    # the last step: nothing of hpm's follows it that a checkpoint would guard
                    _run(uninstall, project_dir, echo, terminal, journal, settle=False)
            if pending is not None:  # no uv step ran
                pending()
            if not lock_written:
                record()
        except UvError as error:
            raise SyncStepError.from_uv(
                error, position=step, restored=_changed(project_dir, original)
            ) from error
        except KeyboardInterrupt as interrupt:
            raise interrupted_sync(_changed(project_dir, original)) from interrupt


class _LockedNames:
    """The package names of one version of ``uv.lock``, parsed once and while uv runs.

    ``read()``: the names of the bytes given (a lock hpm cannot read: none, as
    :func:`locked_names`). ``reread(path)``: the names of what ``path`` holds now, parsed again
    only when its bytes differ from the last parsed; ``strict`` raises :func:`read_locked_names`'s
    ``ValueError`` for a lock hpm cannot read (otherwise it is parsed again when asked strictly).
    """

    def __init__(self, data: bytes | None) -> None:
        self.data = data
        self.names: frozenset[str] | None = None

    def read(self) -> frozenset[str]:
        if self.names is None:
            self.names = locked_names(self.data)
        return self.names

    def reread(self, path: Path, *, strict: bool = False) -> frozenset[str]:
        data = read_bytes_or_none(path)
        if self.names is None or data != self.data:
            self.data, self.names = data, None
            try:
                self.names = read_locked_names(data)
            except ValueError:
                if strict:
                    raise
                return frozenset()
        return self.names


def _changed(project_dir: Path, original: dict[str, bytes | None]) -> tuple[str, ...]:
    """The journalled files that differ from their bytes before the sync (about to be restored),
    named as the user knows them (``uv.lock``, also for a workspace root's)."""
    return tuple(
        Path(name).name if name.endswith("uv.lock") else name
        for name, data in original.items()
        if read_bytes_or_none(project_dir / name) != data
    )


def _write_routes(project_dir: Path, edit: RouteEdit, echo: Callable[[str], None] | None) -> None:
    """Write the plan's index entries and routes into pyproject.toml (see hpm.apply.routing)."""
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
    meanwhile: Sequence[Callable[[], object]] = (),
    *,
    settle: bool = True,
) -> None:
    """One uv step; ``meanwhile`` runs once uv has started, in order (if one raises, uv is
    stopped); ``settle``: a journal checkpoint after it."""

    def started(child: Child) -> None:
        journal.record_child(child)
        try:
            for work in meanwhile:
                work()
        except BaseException:
            journal.stopped = True  # uv is stopped mid-step: what it wrote is its own, not a user's
            raise

    if echo:
        echo(shlex.join(shown(argv)))
    uvcmd.run_checked(argv, cwd, echo=echo, terminal=terminal, on_start=started)
    if settle:
        journal.checkpoint()
