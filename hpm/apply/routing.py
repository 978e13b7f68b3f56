"""Indexes and routes: what hpm writes to ``[[tool.uv.index]]`` and ``[tool.uv.sources]``.

A chosen package with ``index: NAME`` needs the index entry (``name``, ``url``, ``format``,
``explicit``) and a route ``pkg = { index = "NAME" }``. uv has no command that writes an index
entry with ``explicit = true`` or ``format = "flat"`` (``uv add --index NAME=URL`` writes name and
url only, and resolves a directory given there as a simple index even when pyproject.toml
declares it flat; checked with uv 0.13.9). So hpm writes the entries and the routes with tomlkit
inside the sync's transaction, and ``uv add`` adds the requirements: uv keeps a route that is
already there, and ``uv remove`` drops the route of each package it removes.

Order in a sync: ``uv remove`` (the packages no longer chosen or changed, routes included), then
this edit (index entries added and dropped, routes written for the packages about to be added),
then ``uv add``, then ``uv sync``.

Ownership (the project is the user's): hpm.lock records the index entries and routes hpm wrote.
hpm drops or rewrites only those, and only while they are as it wrote them. An index entry the
user wrote with the same name and url is used as it is and never recorded; one with the same
name but another url or format is an error (hpm will not guess which one the user means), and so
is a route the user wrote for a package hpm must route elsewhere. An index hpm wrote stays while
a route the user wrote still uses it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hpm.apply.requirements import relative_path
from hpm.errors import InputError, Problem
from hpm.registry.catalog import Index, Registry

_HINT = "rename or remove your entry in pyproject.toml, or choose an option that does not need it"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One ``[[tool.uv.index]]`` entry as hpm writes it (``url`` as seen from the project)."""

    name: str
    url: str
    explicit: bool = True
    format: str | None = None

    def fields(self) -> dict[str, str | bool]:
        """The entry's keys, in the order hpm writes them (``explicit`` only when true)."""
        out: dict[str, str | bool] = {"name": self.name, "url": self.url}
        if self.format:
            out["format"] = self.format
        if self.explicit:
            out["explicit"] = True
        return out

    def lock_fields(self) -> dict[str, str | bool]:
        """What hpm.lock records of it (its name is the key)."""
        return {k: v for k, v in self.fields().items() if k != "name"}

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> IndexEntry:
        """The entry that :meth:`fields` (or a pyproject.toml entry) describes."""
        return cls(
            name=str(fields.get("name", "")),
            url=str(fields.get("url", "")),
            explicit=fields.get("explicit") is True,
            format=fields.get("format"),
        )

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """Whether an entry of pyproject.toml is this one (same url and format)."""
        return fields.get("url") == self.url and fields.get("format") == self.format


def index_entry(index: Index, project_dir: Path) -> IndexEntry:
    """The entry for a registry index; a local directory becomes a path relative to the project
    (uv resolves it from there, and the project stays relocatable with its registry)."""
    url = index.url if index.path is None else relative_path(index.path, project_dir)
    return IndexEntry(index.name, url or "", index.explicit, index.format)


@dataclass(frozen=True, slots=True)
class Routes:
    """The indexes and routes that a set of chosen packages needs."""

    indexes: Mapping[str, IndexEntry] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)  # package -> index name

    def __post_init__(self) -> None:
        object.__setattr__(self, "indexes", MappingProxyType(dict(self.indexes)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


def wanted_routes(registry: Registry, options: Iterable[str], project_dir: Path) -> Routes:
    """The routes of every package of ``options`` that comes from a named index."""
    sources: dict[str, str] = {}
    for option in options:
        for package in registry.packages(option):
            if package.source.index is not None:
                sources.setdefault(package.name, package.source.index)
    indexes = {
        name: index_entry(registry.indexes[name], project_dir)
        for name in dict.fromkeys(sources.values())
    }
    return Routes(indexes, sources)


@dataclass(frozen=True, slots=True)
class RouteEdit:
    """The edit of pyproject.toml between ``uv remove`` and ``uv add``, and what hpm then owns."""

    add_indexes: tuple[IndexEntry, ...] = ()
    drop_indexes: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)  # routes to write
    owned: Routes = Routes()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def is_empty(self) -> bool:
        return not (self.add_indexes or self.drop_indexes or self.sources)


def plan_routes(
    wanted: Routes,
    adding: Collection[str],
    recorded: Routes,
    project: Mapping[str, Any] | None,
) -> RouteEdit:
    """The edit that gives ``adding`` (packages ``uv add`` will add) their routes and leaves
    exactly the indexes of ``wanted`` that hpm owns; ``recorded`` is what hpm.lock says hpm
    wrote, ``project`` the parsed pyproject.toml (None: empty). Raises InputError when an entry
    the user wrote stands in the way."""
    uv = (project or {}).get("tool", {}).get("uv", {})
    present = {e.get("name"): e for e in uv.get("index", []) if isinstance(e, dict)}
    routes = uv.get("sources", {}) if isinstance(uv.get("sources"), dict) else {}
    mine = {  # recorded and still as hpm wrote them
        name: entry
        for name, entry in recorded.indexes.items()
        if name in present and entry.matches(present[name])
    }
    owned: dict[str, IndexEntry] = {}
    add: list[IndexEntry] = []
    drop: list[str] = []
    for name, entry in wanted.indexes.items():
        if name in mine:
            owned[name] = entry
            if mine[name] != entry:  # the registry changed it: write it afresh
                drop.append(name)
                add.append(entry)
        elif name not in present:
            owned[name] = entry
            add.append(entry)
        elif not entry.matches(present[name]):
            raise InputError(
                Problem(
                    "pyproject.toml",
                    "tool.uv.index",
                    f"an index named `{name}` is already declared (url {present[name].get('url')})"
                    f"; the registry's `{name}` is {entry.url}",
                    _HINT,
                )
            )
    used_by_user = {
        index
        for package, route in routes.items()
        if package not in recorded.sources and package not in adding
        for index in _route_indexes(route)
    }
    for name in mine:
        if name not in wanted.indexes and name not in used_by_user:
            drop.append(name)
        elif name not in wanted.indexes:
            owned[name] = mine[name]  # still hpm's, kept for the user's route
    write: dict[str, str] = {}
    for package in adding:
        index = wanted.sources.get(package)
        if index is None:
            continue
        current = routes.get(package)
        if current is not None and package not in recorded.sources and current != {"index": index}:
            raise InputError(
                Problem(
                    "pyproject.toml",
                    f"tool.uv.sources.{package}",
                    f"`{package}` has a source you wrote; the registry routes it to index "
                    f"`{index}`",
                    _HINT,
                )
            )
        write[package] = index
    kept = {p: i for p, i in recorded.sources.items() if p not in adding and wanted.sources.get(p)}
    return RouteEdit(
        tuple(add),
        tuple(drop),
        write,
        Routes(owned, {**kept, **write}),
    )


def _route_indexes(route: object) -> set[str]:
    """The index names a ``[tool.uv.sources]`` value uses (a table, or a list of them)."""
    items = route if isinstance(route, list) else [route]
    return {i["index"] for i in items if isinstance(i, dict) and isinstance(i.get("index"), str)}


def route_edit_summary(edit: RouteEdit) -> str:
    """One line saying what the edit writes, for ``--dry-run`` and the sync's log."""
    parts = [f"+ index {e.name} ({e.url})" for e in edit.add_indexes]
    parts += [f"- index {name}" for name in edit.drop_indexes if name not in _names(edit)]
    parts += [f"route {p} -> {i}" for p, i in edit.sources.items()]
    return "; ".join(parts)


def _names(edit: RouteEdit) -> set[str]:
    return {e.name for e in edit.add_indexes}
