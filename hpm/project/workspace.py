"""Where uv keeps a project's ``uv.lock`` and ``.venv``: at its uv workspace root.

A project that is a member of a uv workspace has no ``uv.lock`` or ``.venv`` of its own: uv
locks the whole workspace in the root's ``uv.lock`` and installs into the root's ``.venv``. hpm
finds the root as uv does, offline and without starting uv: walk up from the project to the
nearest ``pyproject.toml`` with ``[tool.uv.workspace]``; the project belongs to it when it is the
root itself or matches one of ``members`` (globs, relative to the root) and none of ``exclude``.
Otherwise (no workspace above, or one that does not include the project) the project is its own
root. ``UV_PROJECT_ENVIRONMENT`` moves the environment as it does for uv (relative to the root).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK = "uv.lock"


@dataclass(frozen=True, slots=True)
class Workspace:
    """The directory whose ``uv.lock`` and environment serve a project."""

    root: Path  # absolute; the project's own directory when it is not a member
    member: bool  # True when the project is a member of a workspace rooted elsewhere

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    @property
    def environment(self) -> Path:
        """The virtual environment uv syncs (``UV_PROJECT_ENVIRONMENT`` or ``.venv``)."""
        configured = os.environ.get("UV_PROJECT_ENVIRONMENT")
        return self.root / (configured or ".venv")

    def relative(self, project_dir: Path, path: Path) -> str:
        """``path`` relative to ``project_dir`` (``../uv.lock`` in a member), posix style."""
        return Path(os.path.relpath(path, project_dir)).as_posix()


def find_workspace(project_dir: Path) -> Workspace:
    """The workspace root that serves ``project_dir`` (see the module docstring)."""
    project_dir = Path(project_dir).absolute()
    for directory in (project_dir, *project_dir.parents):
        table = _workspace_table(directory / "pyproject.toml")
        if table is None:
            continue
        if directory == project_dir or _is_member(directory, table, project_dir):
            return Workspace(directory, member=directory != project_dir)
        break  # the nearest workspace does not include the project: uv treats it as its own
    return Workspace(project_dir, member=False)


def _workspace_table(pyproject: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    table = data.get("tool", {}).get("uv", {}).get("workspace")
    return table if isinstance(table, dict) else None


def _is_member(root: Path, table: dict[str, Any], project_dir: Path) -> bool:
    def matches(key: str) -> bool:
        patterns = table.get(key, [])
        return any(
            project_dir in {p.absolute() for p in root.glob(pattern)}
            for pattern in patterns
            if isinstance(pattern, str)
        )

    return matches("members") and not matches("exclude")
