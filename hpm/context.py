"""What every command needs about one project: the project, its manifest and registry, its lock.

No click, no printing: the CLI renders what these return.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hpm.errors import UsageError
from hpm.project.discovery import Project, find_project, registry_root
from hpm.project.manifest import Manifest, read_manifest
from hpm.registry.catalog import Registry
from solver.model import Group, Model, Selection


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a command needs about one project."""

    project: Project
    manifest: Manifest
    registry: Registry
    selection: Selection
    registry_label: str  # how hpm.lock records the registry location


def load_registry_only(project_dir: str | None, registry_opt: str | None) -> Registry:
    """The registry for commands that may run outside a project (``registry check``, ``graph``)."""
    from hpm.registry import load_registry_cached as load_registry

    if registry_opt is not None and project_dir is None:
        return load_registry(Path(registry_opt).resolve())
    try:
        project = find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        if registry_opt is None:
            return load_registry(Path("registry").resolve())
        raise
    manifest = read_manifest(project.pyproject)
    root, _label = registry_root(project, manifest, registry_opt)
    return load_registry(root)


def load_context(project_dir: str | None, registry_opt: str | None) -> Context:
    """Find the project, read its manifest and registry; turn the choices into a Selection."""
    from hpm.project.selection import selection_from_manifest
    from hpm.registry import load_registry_cached

    project = find_project(Path(project_dir) if project_dir else None)
    manifest = read_manifest(project.pyproject)
    root, label = registry_root(project, manifest, registry_opt)
    registry = load_registry_cached(root)
    selection = selection_from_manifest(manifest, registry.model)
    return Context(project, manifest, registry, selection, label)


@contextmanager
def locked_project(project_dir: str | None, *, write: bool = True) -> Iterator[list[str]]:
    """Hold the project's lock; first finish (restore) any sync that was interrupted.

    Yields the list of files restored from an interrupted run, for the CLI to report. With
    ``write`` False (``sync --dry-run``) nothing is locked, restored or written.
    """
    from hpm.apply.filelock import project_lock
    from hpm.apply.transaction import recover

    project = find_project(Path(project_dir) if project_dir else None)
    if not write:
        yield recover_interrupted(project.root)
        return
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


def resolve_options(ctx: Context, group: Group, texts: tuple[str, ...]) -> tuple[str, ...]:
    """``--option`` values as options of ``group``, each once (the one resolver's rules)."""
    from hpm.registry.references import ReferenceResolver

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
