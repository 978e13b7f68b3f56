"""`hpm status [--json]`: does everything agree, and if not, what and which command fixes it.

Compared, in one report: the manifest's choices (valid, complete?), hpm.lock (drift, see
:mod:`hpm.apply.drift`), pyproject.toml (hpm's packages present and unchanged), uv.lock (``uv lock
--check``: current with pyproject.toml?), the environment (``uv sync --check --frozen``: missing
``.venv``, packages uv.lock needs that are not installed, and installed packages uv.lock does not
know, listed but not counted as a problem: hpm syncs inexactly), and which uv hpm runs. The two uv
questions are read-only and cost about 15 ms each.

A git-hosted registry is shown as configured (``git+URL@REF``), with the commit each git layer is
pinned at (hpm.lock). ``--remote`` also asks each layer's remote where its ref points now (``git
ls-remote``, nothing fetched): a moved ref is information, not a problem (the pin is on purpose;
``hpm registry update`` takes the new commit), so it does not change the exit code. A remote that
cannot be reached is an error (exit 2): the question asked was not answered.

Exit: 0 when everything agrees, 1 when something is out of date (each problem names the command
that fixes it), 2 on bad input (raised as InputError/UsageError by loading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hpm import views
from hpm.cli.options import json_option, machine_options
from hpm.cli.project import Load, project_command
from hpm.context import Context

if TYPE_CHECKING:
    from hpm.apply.drift import Difference
    from hpm.apply.kept import Kept
    from hpm.apply.uvbin import UvBinary
    from hpm.machine.changes import MachineChange
    from hpm.project.lockfile import LockState, Pin
    from hpm.registry.layers import RemoteState


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing out of date, and the command that fixes it."""

    what: str
    fix: str


@dataclass(frozen=True, slots=True)
class EnvironmentState:
    path: Path
    exists: bool
    missing: tuple[str, ...] = ()  # "name==version" uv.lock needs, not installed
    extra: tuple[str, ...] = ()  # "name==version" installed, not in uv.lock (not a problem)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The answer of ``hpm status``."""

    project: Path
    workspace_root: Path | None  # set when the project is a member of a uv workspace
    registry: Path  # the directory read (for a git layer: an export in hpm's cache)
    registry_location: str  # as configured: a directory, git+URL@REF, or the layers
    registry_digest: str
    pins: tuple[Pin, ...]  # the commit each git-hosted layer is read at (hpm.lock)
    remote: tuple[RemoteState, ...] | None  # --remote: where each pinned ref points now
    choices: dict[str, tuple[str, ...] | None]  # as the manifest lists them (None: open)
    selection: str  # "valid" | "incomplete" | "invalid"
    installed_by_hpm: dict[str, str]  # package -> requirement hpm handed to uv (hpm.lock)
    yours: tuple[Kept, ...]  # chosen packages that are the user's own declarations
    drift: tuple[Difference, ...]
    uv_lock: Path
    uv_lock_current: bool
    environment: EnvironmentState
    uv: UvBinary
    problems: tuple[Problem, ...] = field(default=())
    # groups whose `sync --auto` choice this machine would make differently (hpm.lock [machine])
    machine: tuple[MachineChange, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def run(ctx: Context, *, remote: bool = False) -> StatusReport:
    """Choices, what hpm installed, and whether the manifest, hpm.lock, pyproject.toml,
    uv.lock and the environment agree (exit 0), or what is out of date and which command
    fixes it (exit 1); which uv hpm runs. ``remote``: ask where pinned registry refs point now."""
    import solver
    from hpm.apply.ownership import kept_packages, ownership_of
    from hpm.apply.plan import desired_packages
    from hpm.apply.sync import read_declared
    from hpm.apply.uvbin import uv_version, which_uv
    from hpm.cli.commands.check import lock_differences
    from hpm.project.lockfile import read_lock
    from hpm.project.workspace import find_workspace

    root = ctx.project.root
    verdict = solver.check(ctx.registry.model, ctx.selection)
    state = read_lock(root)
    declared = read_declared(root)
    drift = tuple(lock_differences(ctx, state, declared))
    ownership = ownership_of(state, declared)
    installed = {
        name: entry
        for name, entry in (state.packages.items() if state else ())
        if name in ownership.owned
    }
    chosen = desired_packages(ctx.registry, ctx.selection, root)
    yours = kept_packages(chosen, declared, ownership, project_dir=root)
    workspace = find_workspace(root)
    binary = which_uv()
    if not binary.version:
        binary = type(binary)(binary.path, uv_version(binary.path), binary.found)
    lock_current = _uv_lock_current(root, binary.path)
    environment = _environment(root, binary.path, workspace.environment)

    problems: list[Problem] = []
    if verdict.status == "incomplete":
        from hpm.views import incomplete_message

        problems.append(Problem(incomplete_message(verdict), "hpm sync --auto"))
    elif verdict.status == "invalid":
        problems.append(
            Problem(
                "the selection is invalid: its choices and rules cannot hold together",
                "hpm check (the reason), then hpm group add/remove",
            )
        )
    problems.extend(Problem(str(d), "hpm sync") for d in drift)
    if not workspace.lock.is_file():
        problems.append(Problem("uv.lock does not exist", "hpm sync"))
    elif not lock_current:
        problems.append(Problem("uv.lock is out of date with pyproject.toml", "hpm sync"))
    if not environment.exists:
        problems.append(Problem(f"no environment at {environment.path}", "hpm sync"))
    elif environment.missing:
        problems.append(
            Problem(
                "the environment lacks packages uv.lock needs: " + ", ".join(environment.missing),
                "hpm sync",
            )
        )
    return StatusReport(
        project=root,
        workspace_root=workspace.root if workspace.member else None,
        registry=ctx.registry.root,
        registry_location=ctx.registry.location,
        registry_digest=ctx.registry.digest,
        pins=ctx.pins,
        remote=_remote_states(ctx.pins) if remote else None,
        choices=dict(ctx.selection.choices),
        selection=verdict.status,
        installed_by_hpm=installed,
        yours=yours,
        drift=drift,
        uv_lock=workspace.lock,
        uv_lock_current=lock_current,
        environment=environment,
        uv=binary,
        problems=tuple(problems),
        machine=_machine_changes(ctx, state),
    )


def _machine_changes(ctx: Context, state: LockState | None) -> tuple[MachineChange, ...]:
    """Where hpm.lock says machine facts decided a choice and this machine would decide
    differently (a note, not a problem: the recorded choice may be meant for another machine)."""
    if ctx.machine is None or state is None or not state.machine:
        return ()
    from hpm.machine.changes import machine_changes

    recorded = {g: (v,) if isinstance(v, str) else tuple(v) for g, v in state.groups.items()}
    return machine_changes(
        ctx.registry, ctx.machine, ctx.selection.choices, state.machine, recorded
    )


def _remote_states(pins: tuple[Pin, ...]) -> tuple[RemoteState, ...]:
    from hpm.registry.gitfetch import GitFetchError
    from hpm.registry.layers import remote_states

    try:
        return remote_states(pins)
    except GitFetchError as e:
        hint = f"{e.hint}; `hpm status` without --remote needs no network"
        raise GitFetchError(e.message, hint, url=e.url, output=e.output) from e


def _uv_lock_current(project: Path, uv: str) -> bool:
    from hpm.apply import uv as uvcmd

    return uvcmd.run([uv, "lock", "--check"], project).returncode == 0


def _environment(project: Path, uv: str, path: Path) -> EnvironmentState:
    """``uv sync --check --frozen`` (exact, against uv.lock as it is): what differs."""
    from hpm.apply import uv as uvcmd

    if not path.is_dir():
        return EnvironmentState(path, exists=False)
    from hpm.apply.environment import CHECK_LINES

    argv = [*uvcmd.sync_argv(uv, inexact=False), "--frozen", "--check"]
    lines = uvcmd.run(argv, project, tail_lines=CHECK_LINES).tail.splitlines()
    missing = tuple(line.split()[1] for line in lines if line.startswith(" + "))
    extra = tuple(line.split()[1] for line in lines if line.startswith(" - "))
    return EnvironmentState(path, exists=True, missing=missing, extra=extra)


command = project_command(
    run,
    Load.CONTEXT,
    views.STATUS,
    click.option(
        "--remote",
        is_flag=True,
        help="Also ask each git-hosted registry layer's remote whether its ref has moved since "
        "the commit hpm.lock pins (git ls-remote; nothing is fetched).",
    ),
    json_option,
    machine_options,
    name="status",
    help="""Show the choices, what hpm installed, and whether pyproject.toml, uv.lock, hpm.lock
    and the environment agree.

    Exit 0 when everything agrees, 1 when something is out of date (each item names the command
    that fixes it), 2 on bad input.
    """,
)
