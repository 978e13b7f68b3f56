"""Whose is a dependency: the user's, or hpm's? Pure functions over the parsed pyproject.toml.

The rule (one place, reused by the plan, ``--locked``, ``hpm status``):

- hpm owns a package when ``hpm.lock`` records it under ``[packages]`` **and** pyproject.toml
  still declares it exactly as it was right after hpm's last sync (the ``[declared]`` fingerprint:
  its ``[project] dependencies`` entries and its ``[tool.uv.sources]`` entry). An hpm.lock
  written before fingerprints existed counts as unchanged.
- Everything else that pyproject.toml declares is the user's: a package declared before hpm
  wanted it, or one of hpm's that the user edited by hand (a pin, another path, a marker). hpm
  never rewrites, adopts or removes the user's packages; when a chosen option names one, it is
  left as written (and the plan says so, warning when the registry asks for something else).
- A package hpm recorded that pyproject.toml no longer declares was removed by hand: ``hpm sync``
  adds it again when it is still chosen; ``--locked`` reports it as drift.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hpm.apply.requirements import split_git_url
from hpm.errors import InputError, Problem
from hpm.names import normalize

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from hpm.apply.kept import Kept
    from hpm.project.lockfile import LockState

# how packaging reads the name at the start of a requirement: optional blanks, then its
# IDENTIFIER token (packaging._tokenizer's pattern, matched the same way)
_LEADING_NAME = re.compile(r"[ \t]*\b([a-zA-Z0-9][a-zA-Z0-9._-]*)\b")


@dataclass(frozen=True, slots=True)
class Declared:
    """One package as pyproject.toml declares it."""

    name: str  # normalised
    entries: tuple[str, ...]  # its [project] dependencies strings, as written
    source: Mapping[str, Any] | None = None  # its [tool.uv.sources] entry, as plain data

    def fingerprint(self) -> dict[str, Any]:
        """What ``hpm.lock``'s ``[declared]`` records for it (plain TOML data)."""
        data: dict[str, Any] = {"dependencies": list(self.entries)}
        if self.source is not None:
            data["source"] = _plain(self.source)
        return data


@dataclass(frozen=True, slots=True)
class Ownership:
    """The packages of hpm.lock, split by what pyproject.toml says about them now."""

    owned: frozenset[str] = frozenset()  # hpm's, unchanged since hpm's last sync
    edited: frozenset[str] = frozenset()  # hpm's once, changed by hand since: the user's now
    missing: frozenset[str] = frozenset()  # hpm's, but no longer declared (removed by hand)


@dataclass(frozen=True, slots=True)
class ProjectDependencies:
    """``[project] dependencies`` and ``[tool.uv.sources]`` of one pyproject.toml, by package."""

    packages: Mapping[str, Declared] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))

    def names(self) -> frozenset[str]:
        return frozenset(self.packages)


def project_dependencies(document: Mapping[str, Any], *, parse: bool = True) -> ProjectDependencies:
    """The declared packages of a parsed pyproject.toml (entries ``packaging`` cannot parse are
    skipped: uv refuses them anyway).

    ``parse`` False: each entry's name is read as ``packaging`` reads it first (blanks, then its
    identifier) without loading ``packaging``, and no entry is skipped. For every entry
    ``packaging`` accepts, that is the same name. ``hpm sync`` plans with this reading and
    confirms it with :func:`check_dependencies` before uv reads a requirement it built.
    """
    raw_sources = _table(_table(_table(document, "tool"), "uv"), "sources")
    sources = {normalize(k): v for k, v in raw_sources.items()}
    entries: dict[str, list[str]] = {}
    for _, item in _entries(document):
        if parse:
            name = _parsed_name(item)
        else:
            found = _LEADING_NAME.match(item)
            name = found[1] if found else None
        if name is not None:
            entries.setdefault(normalize(name), []).append(item)
    return ProjectDependencies(
        {n: Declared(n, tuple(e), sources.get(n)) for n, e in entries.items()}
    )


def _parsed_name(item: str) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(item).name
    except InvalidRequirement:
        return None


def check_dependencies(document: Mapping[str, Any]) -> None:
    """:class:`InputError` naming each entry of ``[project] dependencies`` that ``packaging``
    cannot parse (a project whose entries all parse reads the same with ``parse`` False)."""
    from packaging.requirements import InvalidRequirement, Requirement

    problems = []
    for index, item in _entries(document):
        try:
            Requirement(item)
        except InvalidRequirement as e:
            problems.append(
                Problem(
                    "pyproject.toml",
                    f"project.dependencies[{index}]",
                    f"{item!r} is not a valid requirement ({str(e).splitlines()[0]})",
                    "fix or remove the entry (uv cannot read it either), then run hpm sync again",
                )
            )
    if problems:
        raise InputError(problems)


def _entries(document: Mapping[str, Any]) -> Iterator[tuple[int, str]]:
    """The strings of ``[project] dependencies``, with their positions."""
    items = _table(document, "project").get("dependencies", [])
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, str):
            yield index, item


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, Mapping) else {}


def classify(
    recorded: Mapping[str, str],
    fingerprints: Mapping[str, Mapping[str, Any]],
    declared: ProjectDependencies,
) -> Ownership:
    """Split hpm.lock's packages (``recorded``) by what pyproject.toml declares now."""
    owned, edited, missing = set(), set(), set()
    for raw in recorded:
        name = normalize(raw)
        now = declared.packages.get(name)
        if now is None:
            missing.add(name)
        elif name in fingerprints and _plain(fingerprints[name]) != now.fingerprint():
            edited.add(name)
        else:
            owned.add(name)
    return Ownership(frozenset(owned), frozenset(edited), frozenset(missing))


def ownership_of(previous: LockState | None, declared: ProjectDependencies | None) -> Ownership:
    """hpm.lock's packages split by pyproject.toml now (all owned when ``declared`` is None)."""
    recorded = {normalize(k): v for k, v in (previous.packages.items() if previous else ())}
    if declared is None:
        return Ownership(owned=frozenset(recorded))
    return classify(recorded, previous.declared if previous else {}, declared)


def kept_packages(
    wanted: Mapping[str, str],
    declared: ProjectDependencies,
    ownership: Ownership,
    *,
    project_dir: Path,
) -> tuple[Kept, ...]:
    """The chosen packages (``wanted``: name -> requirement) that are the user's to keep."""
    kept = []
    for name, text in wanted.items():
        if name in ownership.owned or name not in declared.packages:
            continue
        from hpm.apply.kept import Kept

        mine = declared.packages[name]
        kept.append(
            Kept(
                name,
                mine.entries,
                text,
                edited=name in ownership.edited,
                differs=not same_request(text, mine, project_dir=project_dir),
            )
        )
    return tuple(kept)


def same_request(wanted: str, declared: Declared, *, project_dir: Path) -> bool:
    """Whether the user's declaration asks for what the registry's requirement asks for.

    Compares the parsed parts: extras, specifier, marker, and the source (a URL, a path resolved
    from ``project_dir``, a git URL and ref), so spelling differences do not count.
    """
    from packaging.requirements import Requirement

    want = Requirement(_strip_editable(wanted))
    if len(declared.entries) != 1:
        return False
    have = Requirement(declared.entries[0])
    if (want.extras, str(want.specifier), str(want.marker or "")) != (
        have.extras,
        str(have.specifier),
        str(have.marker or ""),
    ):
        return False
    return _source_of(want, None, project_dir) == _source_of(have, declared.source, project_dir)


def _source_of(
    requirement: Requirement, table: Mapping[str, Any] | None, project_dir: Path
) -> tuple[str, ...]:
    """A comparable description of where a requirement's package comes from."""
    if isinstance(table, Mapping):
        if "path" in table:
            return ("path", _resolved(project_dir, str(table["path"])))
        if "git" in table:
            ref = next((str(table[k]) for k in ("rev", "tag", "branch") if k in table), "")
            return ("git", str(table["git"]), ref, str(table.get("subdirectory", "")))
        if "url" in table:
            return ("url", str(table["url"]))
        return ("index", str(table.get("index", "")))
    url = requirement.url
    if not url:
        return ("index", "")
    if url.startswith("git+"):
        base, at, fragment = split_git_url(url[len("git+") :])
        sub = fragment.removeprefix("subdirectory=") if fragment.startswith("subdirectory=") else ""
        return ("git", base, at or "", sub)
    if url.startswith(("./", "../", "/")) or url.startswith("file:"):
        return ("path", _resolved(project_dir, url.removeprefix("file://")))
    return ("url", url)


def _resolved(project_dir: Path, text: str) -> str:
    return os.path.normpath(Path(project_dir, text).absolute())


def _strip_editable(text: str) -> str:
    return text[3:] if text.startswith("-e ") else text


def _plain(value: Any) -> Any:
    """tomlkit/tomllib containers as plain dicts and lists, for comparing and recording."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def fingerprints_of(
    names: Iterable[str], declared: ProjectDependencies
) -> dict[str, dict[str, Any]]:
    """``[declared]`` for hpm.lock: each of ``names`` as pyproject.toml declares it now."""
    return {n: declared.packages[n].fingerprint() for n in names if n in declared.packages}
