"""Finding the project and its registry.

The project is the nearest directory, from the current one upward, that holds a
``pyproject.toml`` (as uv finds it), or the directory given with ``--project``. The registry is,
in order of precedence: ``--registry`` (relative to the current directory), the ``HPM_REGISTRY``
environment variable (likewise), ``[tool.hpm] registry`` (relative to the project), else
``<project>/registry``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

from hpm.errors import UsageError
from hpm.project.manifest import Manifest

PYPROJECT = "pyproject.toml"
DEFAULT_REGISTRY = "registry"
ENV_REGISTRY = "HPM_REGISTRY"
_INIT_HINT = "run `uv init` to create a project, then `hpm init`"


@dataclass(frozen=True, slots=True)
class Project:
    """A project directory and its ``pyproject.toml`` (both absolute)."""

    root: Path
    pyproject: Path


@dataclass(frozen=True, slots=True)
class RegistryLocation:
    """Where the registry is, and how to record it in ``hpm.lock``."""

    root: Path  # absolute
    recorded: str  # relative to the project when possible, posix style; absolute otherwise
    source: str  # "--registry", "HPM_REGISTRY", "tool.hpm.registry" or "default"


def find_project(start: Path | None = None, *, cwd: Path | None = None) -> Project:
    """The project in ``start`` (``--project DIR``), or the nearest one from ``cwd`` upward.

    ``cwd`` defaults to the process's current directory. No project is a UsageError.
    """
    here = _absolute(cwd if cwd is not None else Path.cwd())
    if start is not None:
        root = _absolute(here / start)
        if root.name == PYPROJECT and root.is_file():  # --project path/to/pyproject.toml
            root = root.parent
        if not root.exists():
            raise UsageError(f"project directory {start} does not exist", _INIT_HINT)
        if not root.is_dir():
            raise UsageError(
                f"--project {start} is a file, not a directory",
                "give the directory that holds pyproject.toml",
            )
        if not (root / PYPROJECT).is_file():
            raise UsageError(f"no pyproject.toml in {root}", _INIT_HINT)
        return Project(root, root / PYPROJECT)
    for directory in (here, *here.parents):
        if (directory / PYPROJECT).is_file():
            return Project(directory, directory / PYPROJECT)
    raise UsageError(f"no pyproject.toml found in {here} or any parent directory", _INIT_HINT)


def locate_registry(
    project: Project,
    manifest: Manifest | None,
    override: str | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> RegistryLocation:
    """Where the registry is, following the precedence described in the module docstring.

    ``environ`` defaults to ``os.environ``; an empty ``HPM_REGISTRY`` counts as unset.
    """
    here = _absolute(cwd if cwd is not None else Path.cwd())
    env = os.environ if environ is None else environ
    if override:
        root, source = _absolute(here / override), "--registry"
    elif env.get(ENV_REGISTRY):
        root, source = _absolute(here / env[ENV_REGISTRY]), ENV_REGISTRY
    elif manifest is not None and manifest.registry:
        root, source = _absolute(project.root / manifest.registry), "tool.hpm.registry"
    else:
        root, source = project.root / DEFAULT_REGISTRY, "default"
    return RegistryLocation(root, recorded_registry(project, root), source)


def registry_root(
    project: Project,
    manifest: Manifest | None,
    override: str | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Path, str]:
    """The registry's absolute path and the string ``hpm.lock`` records for it.

    See :func:`locate_registry`, which also says where the setting came from.
    """
    location = locate_registry(project, manifest, override, cwd=cwd, environ=environ)
    return location.root, location.recorded


def recorded_registry(project: Project, root: Path) -> str:
    """``root`` as ``hpm.lock`` records it: relative to the project, posix style, when possible."""
    try:
        relative = os.path.relpath(root, project.root)
    except ValueError:  # another drive on Windows
        return Path(root).as_posix()
    return PurePath(relative).as_posix()


def _absolute(path: Path) -> Path:
    """An absolute, normalised path (``..`` folded) without resolving symlinks."""
    return Path(os.path.normpath(Path(path).absolute()))
