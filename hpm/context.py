"""What every command needs about one project: the project, its manifest and registry, its lock.

No click, no printing: the CLI renders what these return.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hpm.errors import UsageError
from hpm.project.discovery import Project, RegistryLocation, find_project, locate_registry
from hpm.project.manifest import Manifest, read_manifest
from hpm.registry.catalog import Registry
from solver.model import Group, Model, Selection

if TYPE_CHECKING:
    from hpm.machine.availability import MachineRequest
    from hpm.machine.facts import Machine
    from hpm.project.lockfile import Pin
    from hpm.registry.catalog import OpenedRegistry


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a command needs about one project."""

    project: Project
    manifest: Manifest
    registry: Registry
    selection: Selection
    registry_label: str  # how hpm.lock records the registry location
    pins: tuple[Pin, ...] = ()  # the commits the git-hosted layers were read at
    fresh_pins: tuple[Pin, ...] = ()  # pins resolved by this command and not written to hpm.lock
    machine: Machine | None = None  # the facts the registry's machine rules came from


def load_registry_only(
    project_dir: str | None, registry_opt: str | None, machine: MachineRequest | None = None
) -> Registry:
    """The registry for commands that may run outside a project (``registry check``, ``graph``).

    With ``machine``, the options that machine cannot run are excluded by rules.
    """
    registry = _registry_only(project_dir, registry_opt)
    if machine is None:
        return registry
    from hpm.machine.availability import for_machine, resolve_machine

    facts = resolve_machine(machine, registry.conditions, None, os.environ)
    return for_machine(registry, facts)


def _registry_only(project_dir: str | None, registry_opt: str | None) -> Registry:
    """The registry, without machine facts.

    Inside a project, git-hosted layers are read at the commits hpm.lock pins (nothing is
    recorded); outside one, a ``git+`` registry is read at its ref's current commit.
    """
    if registry_opt is not None and project_dir is None:
        return _registry_at(registry_opt)
    try:
        project = find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        if registry_opt is None:
            return _registry_at("registry")
        raise
    manifest = read_manifest(project.pyproject)
    location = locate_registry(project, manifest, registry_opt)
    return open_project_registry(project, location, record=False).registry


def _registry_at(text: str) -> Registry:
    from hpm.registry.gitspec import BadRegistryUrl, is_git_location, parse_git_registry

    if not is_git_location(text):
        from hpm.registry import load_registry_cached

        return load_registry_cached(Path(text).resolve())
    from hpm.project.discovery import LayerLocation
    from hpm.registry.layers import open_registry

    try:
        spec = parse_git_registry(text)
    except BadRegistryUrl as e:
        raise UsageError(str(e), e.hint) from e
    return open_registry([LayerLocation(None, spec, spec.text)]).registry


def open_project_registry(
    project: Project, location: RegistryLocation, *, record: bool
) -> OpenedRegistry:
    """The project's registry; git layers at the commits hpm.lock pins.

    A git layer that hpm.lock does not pin yet is fetched and its ref resolved; with ``record``
    the new pin is written into hpm.lock at once (every later command then reads that commit).
    """
    from hpm.registry.catalog import OpenedRegistry

    if location.is_plain:  # no layers, no git: hpm.registry.layers is not even imported
        from hpm.registry import load_registry_cached

        assert location.root is not None
        return OpenedRegistry(load_registry_cached(location.root), (), ())
    from hpm.project.lockfile import read_lock, record_pins
    from hpm.registry.layers import open_registry

    lock = read_lock(project.root)
    opened = open_registry(location.layers, lock.pins if lock else ())
    if opened.fresh and record:
        record_pins(project.root, lock, location.recorded, opened.pins)
    return opened


def load_context(
    project_dir: str | None,
    registry_opt: str | None,
    machine: MachineRequest | None = None,
    *,
    record_pins: bool = True,
) -> Context:
    """Find the project, read its manifest and registry; turn the choices into a Selection.

    ``record_pins`` False (``--dry-run``, ``--locked``) leaves hpm.lock alone even when a git
    registry had to be pinned; the context's ``fresh_pins`` then says so. With ``machine``, the
    options this machine cannot run are excluded by rules (see :mod:`hpm.machine.availability`);
    without, machine conditions are ignored.
    """
    from hpm.project.selection import selection_from_manifest

    project = find_project(Path(project_dir) if project_dir else None)
    manifest = read_manifest(project.pyproject)
    location = locate_registry(project, manifest, registry_opt)
    opened = open_project_registry(project, location, record=record_pins)
    registry = opened.registry
    facts = None
    if machine is not None:
        from hpm.machine.availability import for_machine, resolve_machine

        facts = resolve_machine(machine, registry.conditions, project.root, os.environ)
        registry = for_machine(registry, facts)
    with upstream_hint(opened.pins):
        selection = selection_from_manifest(manifest, registry.model)
    return Context(
        project,
        manifest,
        registry,
        selection,
        location.recorded,
        opened.pins,
        () if record_pins else opened.fresh,  # recorded in hpm.lock already: not fresh there
        machine=facts,
    )


@contextmanager
def locked_project(project_dir: str | None) -> Iterator[list[str]]:
    """Hold the project's lock; first finish (restore) any sync that was interrupted.

    Yields the list of files restored from an interrupted run, for the CLI to report. Commands
    that write nothing (``sync --dry-run`` included) call :func:`recover_interrupted` instead.
    """
    from hpm.apply.filelock import project_lock
    from hpm.apply.transaction import recover

    project = find_project(Path(project_dir) if project_dir else None)
    with project_lock(project.root):
        yield recover(project.root)


def recover_interrupted(project_root: Path) -> list[str]:
    """Restore the files of a sync that was killed, if there is one; return what was restored.

    Read-only commands call this first, so they never judge a half-applied sync. It writes
    nothing (and takes no lock) unless a journal is there; then it waits for the project's lock,
    so that a sync still running is not mistaken for a dead one.
    """
    from hpm.apply.filelock import JOURNAL_DIR, project_lock

    if not (project_root / JOURNAL_DIR).exists():
        return []
    from hpm.apply.transaction import recover  # only now: it is the heavier module

    with project_lock(project_root):
        return recover(project_root)


@contextmanager
def upstream_hint(pins: tuple[Pin, ...]) -> Iterator[None]:
    """Unknown names in a registry read at a pinned commit: hint at ``hpm registry update``.

    An option added upstream after the pin is unknown here on purpose (every command reads the
    pinned commit); the hint says how to move the pin.
    """
    if not pins:
        yield
        return
    from dataclasses import replace

    from hpm.errors import InputError

    where = ", ".join(f"{p.url}@{p.ref} at {p.commit[:12]}" for p in pins)
    extra = f"the registry is pinned ({where}); if it is new upstream, run `hpm registry update`"
    try:
        yield
    except InputError as e:
        problems = [
            replace(p, hint=f"{p.hint}; {extra}" if p.hint else extra)
            if _is_unknown(p.message)
            else p
            for p in e.problems
        ]
        raise InputError(problems) from e
    except UsageError as e:
        if not _is_unknown(e.message):
            raise
        raise UsageError(e.message, f"{e.hint}; {extra}" if e.hint else extra) from e


def _is_unknown(message: str) -> bool:
    return message.startswith("unknown ")


def resolve_options(ctx: Context, group: Group, texts: tuple[str, ...]) -> tuple[str, ...]:
    """``--option`` values as options of ``group``, each once (the one resolver's rules)."""
    from hpm.registry.references import ReferenceResolver

    with upstream_hint(ctx.pins):
        return ReferenceResolver(ctx.registry.model).options(group, texts)


def find_group(model: Model, name: str) -> Group:
    """The group ``name`` refers to; an UnresolvedReference (a UsageError) naming close groups."""
    from hpm.registry.references import ReferenceResolver

    return ReferenceResolver(model).group(name)


def optional_context(project_dir: str | None, registry_opt: str | None) -> Context | Registry:
    """A full context inside a project; just the registry outside one."""
    try:
        find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        if project_dir is not None:
            raise
        return load_registry_only(None, registry_opt)
    return load_context(project_dir, registry_opt)
