"""What ``hpm sync`` must ask uv to do: a pure comparison of the chosen packages with hpm.lock.

Rules:

- hpm only ever removes packages it recorded in ``hpm.lock`` (``LockState.packages``).
  Dependencies the user added by hand are never touched. If the user *also* added by hand a
  package that hpm now wants, hpm's ``uv add`` simply updates that entry, and from then on hpm
  owns it: when it is no longer chosen, hpm removes it.
- A package whose requirement changed is removed and added again: ``uv add`` replaces an entry
  with the same name *and marker*, but keeps a second entry when only the marker differs, so a
  plain re-add could leave the old one behind.
- A package routed to an index (``index:`` in the registry) counts as changed when its index
  changes too; the index entries and routes are written between ``uv remove`` and ``uv add``
  (:mod:`hpm.apply.routing`, ``SyncPlan.routes``).
- Editable path packages go into their own ``uv add --editable`` call (the flag applies to a
  whole call).
- Nothing changed: no commands at all (the CLI says "nothing to do"); otherwise the last
  command is one ``uv sync --inexact`` (see :mod:`hpm.apply.sync` for why).
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hpm.apply import uv as uvcmd
from hpm.apply.requirements import lock_entry, requirement, split_lock_entry
from hpm.apply.routing import IndexEntry, RouteEdit, Routes, plan_routes, wanted_routes
from hpm.names import normalize
from hpm.registry.catalog import Registry
from solver.model import Selection

if TYPE_CHECKING:
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))

    @property
    def command_lines(self) -> tuple[str, ...]:
        """Each command as a shell would show it (``shlex.join``), for ``--dry-run``."""
        return tuple(shlex.join(argv) for argv in self.commands)

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


def desired_packages(
    registry: Registry, resolution: Selection, project_dir: Path
) -> dict[str, str]:
    """Normalised package name -> ``hpm.lock`` entry for every package of the chosen options, in
    choice order. A package that several options install is listed once (the registry's derived
    conflict rules guarantee that chosen options agree on its source)."""
    wanted: dict[str, str] = {}
    for option in resolution.chosen_options:
        for package in registry.packages(option):
            source = package.source
            text = requirement(package.name, source, project_dir=project_dir)
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
    declared: Collection[str] | None = None,
    project: Mapping[str, Any] | None = None,
) -> SyncPlan:
    """Compare the resolution's packages with ``previous`` (hpm.lock) and plan the uv calls.

    ``declared``, when given, is the set of normalised names in ``[project] dependencies`` now:
    a package hpm recorded but the user already removed by hand is then not passed to
    ``uv remove`` (which would fail on it), and a chosen package that is missing from it is
    added again, whatever hpm.lock says. ``project`` is the parsed pyproject.toml, for the index
    entries and routes the user wrote (see :mod:`hpm.apply.routing`).
    """
    wanted = desired_packages(registry, resolution, project_dir)
    routes = wanted_routes(registry, resolution.chosen_options, project_dir)
    recorded = _recorded_routes(previous)
    # an index route is part of what a package is: the old route changes it too
    wanted = {n: _with_route(v, routes.sources.get(n)) for n, v in wanted.items()}
    before = {
        normalize(k): _with_route(v, recorded.sources.get(normalize(k)))
        for k, v in (previous.packages.items() if previous else ())
    }
    present = None if declared is None else {normalize(n) for n in declared}
    if present is not None:  # removed by hand: hpm.lock's entry no longer describes the project
        before = {n: v for n, v in before.items() if n in present}

    changed = [n for n in wanted if n in before and before[n] != wanted[n]]
    gone = [n for n in before if n not in wanted]
    remove = tuple(sorted(n for n in {*gone, *changed} if present is None or n in present))
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
    if gone or new or not edit.is_empty:
        commands.append(tuple(uvcmd.sync_argv(uv)))
    return SyncPlan(
        remove=remove,
        add=tuple(add),
        add_editable=tuple(add_editable),
        unchanged=unchanged,
        commands=tuple(commands),
        packages={n: _without_route(v) for n, v in wanted.items()},
        routes=edit,
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
