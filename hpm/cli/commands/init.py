"""`hpm init`: point a uv project at a registry (making the project first if needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hpm import views
from hpm.cli.options import Globals
from hpm.cli.project import Load, project_command
from hpm.errors import UsageError
from hpm.project.discovery import find_project
from hpm.project.manifest import read_manifest
from hpm.registry.gitspec import is_git_location


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``hpm init`` did."""

    project: Path
    created: bool  # True when `uv init` made the project
    registry: str  # as recorded in [tool.hpm] registry
    registry_exists: bool
    already: bool  # [tool.hpm] registry was already set to this value
    project_arg: str | None = None  # --project as given, for the next steps shown
    previous: str | None = None  # the registry recorded before, when this run changed it


DEFAULT_REGISTRY = "registry"


def run(state: Globals) -> InitResult:
    """Add [tool.hpm] to the project (making one with `uv init` if there is none).

    The registry is --registry, else HPM_REGISTRY, else the one the project already uses, else
    ./registry; a relative path is recorded relative to the project.
    """
    return init(state.project, state.registry)


def init(project_dir: str | None, registry: str | None) -> InitResult:
    """Point an existing uv project at a registry, or make a new project with ``uv init``.

    ``registry`` None keeps the registry the project already uses (run again, ``hpm init``
    changes nothing), else ``./registry``.
    """
    import os

    from hpm.apply.uv import find_uv, init_argv, run_checked
    from hpm.project.manifest import set_registry

    root = Path(project_dir or ".").absolute()
    created = False
    if not (root / "pyproject.toml").is_file():
        if root.exists() and not root.is_dir():
            raise UsageError(f"{root} is not a directory")
        run_checked(init_argv(find_uv(), str(root)), root.parent if not root.exists() else root)
        created = True
    project = find_project(root)
    manifest = read_manifest(project.pyproject)
    configured = manifest.registry if isinstance(manifest.registry, str) else None
    if registry is None and manifest.registry is not None:
        shown = configured if configured is not None else ", ".join(manifest.registry or ())
        local = configured is not None and not is_git_location(configured)
        exists = not local or (project.root / str(configured) / "groups").is_dir()
        return InitResult(project.root, created, shown, exists, True, project_dir)
    registry = registry or DEFAULT_REGISTRY
    if is_git_location(registry):
        return _init_git(
            project.root, project.pyproject, manifest.registry, registry, created, project_dir
        )
    target = Path(registry)
    # An absolute path is recorded as given; a relative one (to the current directory) is
    # recorded relative to the project, so that the project stays relocatable with its registry.
    absolute = target if target.is_absolute() else (Path.cwd() / target)
    recorded = (
        target.as_posix()
        if target.is_absolute()
        else Path(os.path.relpath(absolute, project.root)).as_posix()
    )
    already = manifest.registry == recorded
    if not already:
        set_registry(project.pyproject, recorded)
    exists = (absolute / "groups").is_dir()
    previous = None if already else configured
    return InitResult(project.root, created, recorded, exists, already, project_dir, previous)


def _init_git(
    root: Path,
    pyproject: Path,
    current: str | tuple[str, ...] | None,
    text: str,
    created: bool,
    project_arg: str | None,
) -> InitResult:
    """Point the project at a git-hosted registry: fetch it and pin its commit first, so that a
    URL that cannot be fetched changes nothing."""
    from hpm.project.discovery import LayerLocation
    from hpm.project.lockfile import read_lock, record_pins
    from hpm.project.manifest import set_registry
    from hpm.registry.gitspec import BadRegistryUrl, parse_git_registry
    from hpm.registry.layers import open_registry

    try:
        spec = parse_git_registry(text)
    except BadRegistryUrl as e:
        raise UsageError(f"--registry: {e}", e.hint) from e
    opened = open_registry([LayerLocation(None, spec, spec.text)])
    already = current == text
    if not already:
        set_registry(pyproject, text)
    lock = read_lock(root)
    if lock is None or lock.pins != opened.pins:
        record_pins(root, lock, spec.text, opened.pins)
    return InitResult(root, created, text, True, already, project_arg)


command = project_command(run, Load.GLOBALS, views.INIT, name="init")
