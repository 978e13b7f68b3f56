"""Registries in local git repositories (``git+file://``) for tests, and hpm run in-process."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from helpers.projects import EXAMPLE_REGISTRY, git, write_project


@dataclass(frozen=True)
class RegistryRepo:
    """A working copy that commits and pushes to a bare repository (the "remote")."""

    work: Path
    bare: Path

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def spec(self, ref: str = "main", subdirectory: str = "") -> str:
        fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
        return f"git+{self.url}@{ref}{fragment}"

    def write(self, relative: str, text: str) -> None:
        path = self.work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def push(self, message: str) -> str:
        """Commit everything and push ``main``; return the new commit."""
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        git(self.work, "push", "-q", "origin", "main")
        return self.head()

    def head(self) -> str:
        return git(self.work, "rev-parse", "HEAD").strip()


def registry_repo(directory: Path, *, subdirectory: str = "") -> RegistryRepo:
    """The example registry committed to a bare repository (under ``subdirectory`` if given)."""
    work = directory / "work"
    target = work / subdirectory if subdirectory else work
    shutil.copytree(EXAMPLE_REGISTRY, target)
    bare = directory / "registry.git"
    git(directory, "init", "-q", "--bare", "-b", "main", str(bare))
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", str(bare))
    repo = RegistryRepo(work, bare)
    repo.push("the example registry")
    return repo


def project_using(directory: Path, registry: str | list[str], name: str = "app") -> Path:
    """A uv project whose ``[tool.hpm] registry`` is ``registry`` (a string or a list)."""
    project = write_project(directory, name)
    if isinstance(registry, str):
        value = f'"{registry}"'
    else:
        value = "[" + ", ".join(f'"{r}"' for r in registry) + "]"
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(f"\n[tool.hpm]\nregistry = {value}\n")
    return project


def hpm(project: Path, *args: str) -> Result:
    """``hpm --project PROJECT ARGS`` in-process (click's runner); never raises on exit codes."""
    from hpm.cli import main

    env = {"NO_COLOR": "1", "HPM_REGISTRY": None}
    return CliRunner(env=env).invoke(
        main, ["--project", str(project), *args], catch_exceptions=False
    )


def pinned_commit(project: Path) -> str:
    """The commit hpm.lock pins the project's one git registry at."""
    from hpm.project.lockfile import read_lock

    lock = read_lock(project)
    assert lock is not None and len(lock.pins) == 1
    return lock.pins[0].commit


def make_unreachable(repo: RegistryRepo) -> Path:
    """Move the bare repository away (the remote is gone); return where it went."""
    moved = repo.bare.with_name("moved-away.git")
    os.rename(repo.bare, moved)
    return moved
