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


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``hpm init`` did."""

    project: Path
    created: bool  # True when `uv init` made the project
    registry: str  # as recorded in [tool.hpm] registry
    registry_exists: bool
    already: bool  # [tool.hpm] registry was already set to this value
    project_arg: str | None = None  # --project as given, for the next steps shown


DEFAULT_REGISTRY = "registry"


def run(state: Globals) -> InitResult:
    """Add [tool.hpm] to the project (making one with `uv init` if there is none).

    The registry is --registry, else HPM_REGISTRY, else ./registry; a relative path is recorded
    relative to the project.
    """
    return init(state.project, state.registry or DEFAULT_REGISTRY)


def init(project_dir: str | None, registry: str) -> InitResult:
    """Point an existing uv project at a registry, or make a new project with ``uv init``."""
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
    return InitResult(project.root, created, recorded, exists, already, project_dir)


command = project_command(run, Load.GLOBALS, views.INIT, name="init")
