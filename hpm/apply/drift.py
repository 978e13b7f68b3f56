"""How the project differs from ``hpm.lock``: one sentence per group and per package.

``hpm check --locked``, ``hpm sync --locked`` and ``hpm status`` all call :func:`differences`,
so they agree. It compares, without running uv:

- the manifest's groups with hpm.lock's (added, removed, changed);
- the registry now with what hpm.lock recorded: for every package hpm installed, the requirement
  the registry gives now against the one recorded ("registry: groups/inference.yaml changed:
  vlm-adapter-qwen tag v1.0.0 -> v1.1.0"); an option or group that no longer exists; other
  registry edits (rules, options not chosen here) by digest;
- pyproject.toml with hpm.lock, by ownership (:mod:`hpm.apply.ownership`): a package hpm added
  that is no longer declared (``uv remove`` by hand), or that was edited by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from hpm.apply.ownership import ProjectDependencies, ownership_of
from hpm.apply.requirements import requirement, split_git_url, split_lock_entry
from hpm.names import normalize
from hpm.project.lockfile import LockState, group_changes
from hpm.registry.catalog import Package, Registry, Source


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the project differs from hpm.lock: what (a group, package or "registry"), how."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def differences(
    state: LockState | None,
    manifest_groups: Mapping[str, str | tuple[str, ...] | list[str]],
    registry: Registry,
    declared: ProjectDependencies,
    project_dir: Path,
) -> list[Difference]:
    """Every difference between hpm.lock (``state``) and the project now (empty: up to date)."""
    if state is None:
        return [Difference("hpm.lock", "does not exist yet: run `hpm sync`")]
    found = [Difference(g, what) for g, what in group_changes(state, manifest_groups)]
    found.extend(registry_changes(state, registry, project_dir))
    found.extend(declaration_changes(state, manifest_groups, declared))
    return found


def registry_changes(state: LockState, registry: Registry, project_dir: Path) -> list[Difference]:
    """How the registry changed for the packages hpm installed (or by digest, for the rest)."""
    model = registry.model
    found: list[Difference] = []
    for group in state.groups:
        if not model.is_group(group):
            found.append(Difference("registry", f"group {group} no longer exists"))
    installers = _installers(registry, state)
    for name, entry in state.packages.items():
        installer = installers.get(normalize(name))
        if installer is None:
            found.append(Difference("registry", f"no option installs {name} any more"))
            continue
        option, package = installer
        source = package.source
        where = source.origin.file or model.group_of(option).origin.file
        now = requirement(package.name, source, project_dir=project_dir)
        was, _editable = split_lock_entry(entry)
        if now != was:
            change = describe_change(was, now, ref_kind=_ref_kind(source))
            found.append(Difference("registry", f"{where} changed: {change}"))
        routed = state.sources.get(name)
        if routed != source.index:
            found.append(
                Difference(
                    "registry",
                    f"{where} changed: {package.name} index "
                    f"{routed or '(none)'} -> {source.index or '(none)'}",
                )
            )
    if state.digest != registry.digest and not found:
        found.append(
            Difference(
                "registry",
                f"changed since hpm.lock (rules or options not installed here; "
                f"{state.digest or 'none'} -> {registry.digest})",
            )
        )
    return found


def declaration_changes(
    state: LockState,
    manifest_groups: Mapping[str, object],
    declared: ProjectDependencies,
) -> list[Difference]:
    """hpm's packages that pyproject.toml no longer declares, or declares differently."""
    ownership = ownership_of(state, declared)
    chosen = _chosen_packages(manifest_groups)
    found = []
    for name in sorted(ownership.missing):
        where = "chosen but" if name in chosen else "in hpm.lock but"
        found.append(Difference(name, f"{where} no longer in [project] dependencies"))
    for name in sorted(ownership.edited):
        found.append(
            Difference(name, "changed by hand in pyproject.toml since hpm added it (now yours)")
        )
    return found


def describe_change(was: str, now: str, *, ref_kind: str = "ref") -> str:
    """``name tag v1 -> v2``, ``name version >=0.2 -> >=0.3``, ... from two requirements."""
    try:
        old, new = Requirement(was), Requirement(now)
    except InvalidRequirement:
        return f"{was} -> {now}"
    parts = []
    old_url, new_url = _split_url(old.url), _split_url(new.url)
    if old_url[0] != new_url[0]:
        parts.append(f"source {old.url or 'index'} -> {new.url or 'index'}")
    elif old_url[1] != new_url[1]:
        parts.append(f"{ref_kind} {old_url[1] or '(none)'} -> {new_url[1] or '(none)'}")
    if str(old.specifier) != str(new.specifier):
        parts.append(f"version {old.specifier or '(any)'} -> {new.specifier or '(any)'}")
    if old.extras != new.extras:
        parts.append(f"extras {sorted(old.extras)} -> {sorted(new.extras)}")
    if str(old.marker or "") != str(new.marker or ""):
        parts.append(f"marker {old.marker or '(none)'} -> {new.marker or '(none)'}")
    return f"{new.name} " + (", ".join(parts) or f"{was} -> {now}")


def _split_url(url: str | None) -> tuple[str, str]:
    """(where, ref) of a requirement's URL: a git URL's ``@ref`` apart, the rest as is."""
    if not url:
        return ("", "")
    if url.startswith("git+"):
        head, ref, fragment = split_git_url(url)
        if ref is not None:
            return (head + ("#" + fragment if fragment else ""), ref)
    return (url, "")


def _ref_kind(source: Source) -> str:
    """What the registry calls the git ref now: tag, rev or branch."""
    return "tag" if source.tag else "branch" if source.branch else "rev" if source.rev else "ref"


def _installers(registry: Registry, state: LockState) -> dict[str, tuple[str, Package]]:
    """Normalised package name -> (option, package) for every package an option installs (a
    bundle's packages included); the options hpm.lock records as chosen answer first."""
    options = set(registry.model.options)
    chosen = [o for v in state.groups.values() for o in ((v,) if isinstance(v, str) else v)]
    found: dict[str, tuple[str, Package]] = {}
    for option in [*(o for o in chosen if o in options), *registry.model.options]:
        for package in registry.packages(option):
            found.setdefault(normalize(package.name), (option, package))
    return found


def _chosen_packages(manifest_groups: Mapping[str, object]) -> set[str]:
    """The packages of the manifest's explicit choices (option names are package names)."""
    chosen: set[str] = set()
    for value in manifest_groups.values():
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list | tuple):
            chosen.update(normalize(v) for v in items if isinstance(v, str) and v)
    return chosen
