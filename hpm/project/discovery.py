"""Finding the project and its registry.

The project is the nearest directory, from the current one upward, that holds a
``pyproject.toml`` (as uv finds it), or the directory given with ``--project``. The registry is,
in order of precedence: ``--registry`` (relative to the current directory), the ``HPM_REGISTRY``
environment variable (likewise), ``[tool.hpm] registry`` (relative to the project), else
``<project>/registry``.

Each of these names a directory or a git-hosted registry (``git+URL@REF``, see
:mod:`hpm.registry.gitspec`); ``[tool.hpm] registry`` may also be a list of them, layered in order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from hpm.errors import UsageError
from hpm.fsutil import require_utf8_path
from hpm.project.manifest import Manifest

if TYPE_CHECKING:
    from hpm.registry.gitspec import GitRegistry

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
class LayerLocation:
    """One registry layer: a directory, or a registry in a git repository."""

    root: Path | None  # a directory (absolute); None for a git layer
    git: GitRegistry | None  # a git-hosted layer
    recorded: str  # directories: relative to the project when possible; git: git+URL@REF[#...]


@dataclass(frozen=True, slots=True)
class RegistryLocation:
    """Where the registry is (one layer or several), and how to record it in ``hpm.lock``."""

    layers: tuple[LayerLocation, ...]
    source: str  # "--registry", "HPM_REGISTRY", "tool.hpm.registry" or "default"

    @property
    def root(self) -> Path | None:
        """The directory of the first layer (None when it is a git layer)."""
        return self.layers[0].root

    @property
    def recorded(self) -> str:
        """How ``hpm.lock`` records the registry: the layers, joined with ``" + "``."""
        return " + ".join(layer.recorded for layer in self.layers)

    @property
    def is_plain(self) -> bool:
        """One directory: no layers, no git."""
        return len(self.layers) == 1 and self.layers[0].git is None


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
        return Project(require_utf8_path(root, "project"), root / PYPROJECT)
    for directory in (here, *here.parents):
        if (directory / PYPROJECT).is_file():
            return Project(require_utf8_path(directory, "project"), directory / PYPROJECT)
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
    texts: tuple[str, ...]
    if override:
        texts, base, source = (override,), here, "--registry"
    elif env.get(ENV_REGISTRY):
        texts, base, source = (env[ENV_REGISTRY],), here, ENV_REGISTRY
    elif manifest is not None and manifest.registry:
        configured = manifest.registry
        texts = (configured,) if isinstance(configured, str) else tuple(configured)
        base, source = project.root, "tool.hpm.registry"
    else:
        texts, base, source = (DEFAULT_REGISTRY,), project.root, "default"
    return RegistryLocation(tuple(_layer(project, base, text, source) for text in texts), source)


def _layer(project: Project, base: Path, text: str, source: str) -> LayerLocation:
    # hpm.registry.gitspec.PREFIX, spelled out: a directory registry imports no git module
    if text.startswith("git+"):
        from hpm.registry.gitspec import BadRegistryUrl, parse_git_registry

        try:
            spec = parse_git_registry(text)
        except BadRegistryUrl as e:
            raise UsageError(f"{source}: {e}", e.hint) from e
        return LayerLocation(None, spec, spec.text)
    root = _absolute(base / text)
    return LayerLocation(root, None, recorded_registry(project, root))


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
