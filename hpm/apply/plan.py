"""What ``hpm sync`` must ask uv to do: a pure comparison of the chosen packages with hpm.lock.

Rules:

- Whose is a package is decided in :mod:`hpm.apply.ownership`: hpm only ever removes or rewrites
  packages it owns (recorded in ``hpm.lock`` and unchanged by hand since). A chosen package that
  the user declares is left exactly as written, and not recorded as hpm's (``SyncPlan.kept``).
- A package whose requirement changed is removed and added again: ``uv add`` replaces an entry
  with the same name *and marker*, but keeps a second entry when only the marker differs, so a
  plain re-add could leave the old one behind.
- A package routed to an index (``index:`` in the registry) counts as changed when its index
  changes too; the index entries and routes are written between ``uv remove`` and ``uv add``
  (:mod:`hpm.apply.routing`, ``SyncPlan.routes``).
- Editable path packages go into their own ``uv add --editable`` call (the flag applies to a
  whole call).
- Nothing changed in pyproject.toml: no edit commands. The last command, when there is any, is
  one ``uv sync --inexact`` (see :mod:`hpm.apply.sync` for why); it also runs when nothing else
  does but the environment is missing or differs from uv.lock (``environment_outdated``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hpm.apply import uv as uvcmd
from hpm.apply.ownership import ProjectDependencies, kept_packages, ownership_of
from hpm.apply.requirements import lock_entry, requirement, split_lock_entry
from hpm.apply.routing import IndexEntry, RouteEdit, Routes, plan_routes, wanted_routes
from hpm.apply.uvbin import shown
from hpm.names import normalize
from hpm.registry.catalog import Registry
from solver.model import Selection

if TYPE_CHECKING:
    from hpm.apply.kept import Kept
    from hpm.project.lockfile import LockState


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """The changes to make, and the exact uv commands that make them."""

    remove: tuple[str, ...] = ()  # package names (normalised), previously added by hpm
    add: tuple[str, ...] = ()  # requirement strings for one `uv add`
    add_editable: tuple[str, ...] = ()  # requirement strings for one `uv add --editable`
    unchanged: tuple[str, ...] = ()  # package names that stay as they are
    commands: tuple[tuple[str, ...], ...] = ()  # argv lists, in order
    # What hpm.lock's `packages` should hold afterwards: normalised name -> lock entry.
    packages: Mapping[str, str] = field(default_factory=dict)
    routes: RouteEdit = RouteEdit()  # noqa: RUF009 (frozen): index entries and routes to write
    kept: tuple[Kept, ...] = ()  # chosen packages the user declares: left as written
    released: tuple[str, ...] = ()  # hpm's once, edited by hand and no longer chosen: left alone
    environment: tuple[str, ...] = ()  # what uv would change in .venv (" + x==1", " - y==2")
    uninstall: tuple[str, ...] = ()  # --dry-run: what the final `uv pip uninstall` may remove

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))

    @property
    def command_lines(self) -> tuple[str, ...]:
        """Each command as a shell would show it (``shlex.join``), for ``--dry-run``."""
        return tuple(shlex.join(shown(argv)) for argv in self.commands)

    @property
    def is_empty(self) -> bool:
        """True when uv has nothing to do."""
        return not self.commands

    def additions(self) -> list[tuple[str, str]]:
        """``(package name, requirement)`` for each requirement of ``add`` and ``add_editable``."""
        names = {split_lock_entry(entry)[0]: name for name, entry in self.packages.items()}
        return [(names.get(text, ""), text) for text in (*self.add, *self.add_editable)]

    @property
    def routes_at(self) -> int:
        """Before which command the route edit runs: after ``uv remove``, before ``uv add``."""
        return 1 if self.remove else 0

    @property
    def edits_project(self) -> bool:
        """True when pyproject.toml changes (not only the environment)."""
        return bool(self.remove or self.add or self.add_editable or not self.routes.is_empty)


def desired_packages(
    registry: Registry, resolution: Selection, project_dir: Path, *, verify: bool = True
) -> dict[str, str]:
    """Normalised package name -> ``hpm.lock`` entry for every package of the chosen options, in
    choice order. A package that several options install is listed once (the registry's derived
    conflict rules guarantee that chosen options agree on its source). ``verify``: see
    :func:`hpm.apply.requirements.requirement`."""
    wanted: dict[str, str] = {}
    for option in resolution.chosen_options:
        for package in registry.packages(option):
            source = package.source
            text = requirement(package.name, source, project_dir=project_dir, verify=verify)
            wanted.setdefault(
                normalize(package.name),
                lock_entry(text, editable=source.editable and source.kind == "path"),
            )
    return wanted


def make_plan(
    registry: Registry,
    resolution: Selection,
    previous: LockState | None,
    project_dir: Path,
    uv: str,
    *,
    declared: ProjectDependencies | None = None,
    project: Mapping[str, Any] | None = None,
    environment_outdated: bool = False,
    environment: tuple[str, ...] = (),
    verify: bool = True,
) -> SyncPlan:
    """Compare the resolution's packages with ``previous`` (hpm.lock) and plan the uv calls.

    ``declared`` is pyproject.toml's packages now (None: trust hpm.lock; tests of pure planning).
    It decides ownership (:mod:`hpm.apply.ownership`): the user's packages are kept as written; a
    package hpm recorded but the user removed by hand is not passed to ``uv remove`` (which would
    fail on it), and is added again when it is still chosen. ``project`` is the parsed
    pyproject.toml, for the index entries and routes the user wrote (see
    :mod:`hpm.apply.routing`). ``environment_outdated``: the environment differs from uv.lock
    (see :mod:`hpm.apply.sync`), so ``uv sync`` runs even when pyproject.toml does not change;
    ``environment`` says how, for the plan's text. ``verify`` False: the requirement strings
    are not parsed back with ``packaging`` (see :func:`hpm.apply.requirements.requirement`).
    """
    chosen = desired_packages(registry, resolution, project_dir, verify=verify)
    ownership = ownership_of(previous, declared)
    kept = (
        ()
        if declared is None
        else kept_packages(chosen, declared, ownership, project_dir=project_dir)
    )
    kept_names = {k.name for k in kept}
    routes = wanted_routes(registry, resolution.chosen_options, project_dir)
    recorded = _recorded_routes(previous)
    # an index route is part of what a package is: the old route changes it too
    wanted = {
        n: _with_route(v, routes.sources.get(n)) for n, v in chosen.items() if n not in kept_names
    }
    before = {
        normalize(k): _with_route(v, recorded.sources.get(normalize(k)))
        for k, v in (previous.packages.items() if previous else ())
        if normalize(k) in ownership.owned
    }

    changed = [n for n in wanted if n in before and before[n] != wanted[n]]
    gone = [n for n in before if n not in wanted]
    remove = tuple(sorted({*gone, *changed}))
    unchanged = tuple(n for n in wanted if before.get(n) == wanted[n])
    new = [n for n in wanted if before.get(n) != wanted[n]]
    add: list[str] = []
    add_editable: list[str] = []
    edit = plan_routes(routes, new, recorded, project)
    for name in new:
        text, editable = split_lock_entry(_without_route(wanted[name]))
        (add_editable if editable else add).append(text)

    commands: list[tuple[str, ...]] = []
    if remove:
        commands.append(tuple(uvcmd.remove_argv(uv, remove)))
    if add:
        commands.append(tuple(uvcmd.add_argv(uv, add)))
    if add_editable:
        commands.append(tuple(uvcmd.add_argv(uv, add_editable, editable=True)))
    if gone or new or not edit.is_empty or environment_outdated:
        commands.append(tuple(uvcmd.sync_argv(uv)))
    released = tuple(sorted(n for n in ownership.edited if n not in chosen))
    return SyncPlan(
        remove=remove,
        add=tuple(add),
        add_editable=tuple(add_editable),
        unchanged=unchanged,
        commands=tuple(commands),
        packages={n: _without_route(v) for n, v in wanted.items()},
        routes=edit,
        kept=kept,
        released=released,
        environment=environment if environment_outdated else (),
    )


_ROUTE = "\0index="  # joins a lock entry and its route while comparing (never in an entry)


def _with_route(entry: str, index: str | None) -> str:
    return entry if index is None else f"{entry}{_ROUTE}{index}"


def _without_route(entry: str) -> str:
    return entry.split(_ROUTE, 1)[0]


def _recorded_routes(previous: LockState | None) -> Routes:
    """The index entries and routes hpm.lock says hpm wrote."""
    if previous is None:
        return Routes()

    indexes = {
        name: IndexEntry.from_fields({"name": name, **fields})
        for name, fields in previous.indexes.items()
    }
    return Routes(indexes, {normalize(k): v for k, v in previous.sources.items()})
