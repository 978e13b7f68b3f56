"""hpm in real uv projects, with the real uv offline: the user's own dependencies stay theirs,
and a plain `hpm sync` always makes the environment match (fresh clone, deleted .venv, a package
uninstalled by hand)."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from helpers.cli import hpm_output, invoke_hpm
from helpers.projects import (
    can_import,
    flat_index,
    installed,
    use_registry,
    uv_run,
    write_package,
    write_project,
    write_registry,
)

HTTP = """\
name: http
strategy: 1-of-N
options:
  - name: requests
    version: ">=2.31,<3"
  - name: urllib-only
    path: pkgs/urllib-only
"""

TOOLS = """\
name: tools
strategy: M-of-N
options:
  - name: fmt
    path: pkgs/fmt
  - name: lint
    path: pkgs/lint
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flat_index(
        tmp_path_factory.mktemp("index") / "wheels", {"requests": ("2.32.3", "2.33.0")}
    )


@pytest.fixture
def app(tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A uv project using a registry of an index package (requests) and local path packages.

    The index is a local flat index given as UV_FIND_LINKS (the session's UV_NO_CONFIG makes uv
    ignore [tool.uv] settings in pyproject.toml); hpm's uv inherits it.
    """
    monkeypatch.setenv("UV_FIND_LINKS", str(wheels))
    for name in ("urllib-only", "fmt", "lint"):
        write_package(tmp_path / "registry" / "pkgs" / name, name)
    write_registry(tmp_path / "registry", {"http": HTTP, "tools": TOOLS})
    return use_registry(write_project(tmp_path / "app"), "../registry")


hpm = hpm_output


def dependencies(project: Path) -> list[str]:
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]


def sources(project: Path) -> dict:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    return data.get("tool", {}).get("uv", {}).get("sources", {})


def hpm_packages(project: Path) -> dict:
    return tomllib.loads((project / "hpm.lock").read_text())["packages"]


def test_a_hand_pin_survives_group_add_remove_and_sync(app: Path) -> None:
    uv_run(app, "add", "requests==2.32.3")
    for _round in range(2):
        hpm(app, "group", "add", "http", "--option", "requests")
        dry = hpm(app, "sync", "--dry-run")
        assert "requests: already a dependency of the project; left as you wrote it" in dry
        assert "warning: requests: the registry asks for `requests>=2.31,<3`" in dry
        out = hpm(app, "sync")
        assert "left as you wrote it" in out
        assert dependencies(app) == ["requests==2.32.3"]
        assert "requests" not in hpm_packages(app)
        assert installed(app)["requests"] == "2.32.3"
        hpm(app, "group", "remove", "http")
        hpm(app, "sync")
        assert dependencies(app) == ["requests==2.32.3"]
        assert installed(app)["requests"] == "2.32.3"


def test_a_hand_path_and_a_marker_entry_are_left_exactly(app: Path, tmp_path: Path) -> None:
    write_package(tmp_path / "mine" / "fmt", "fmt")  # the user's own fork of fmt
    uv_run(app, "add", "--no-sync", "../mine/fmt")
    uv_run(app, "add", "--no-sync", "lint @ ../registry/pkgs/lint ; sys_platform == 'linux'")
    before_sources = sources(app)
    before = dependencies(app)
    hpm(app, "group", "add", "tools", "--option", "fmt", "--option", "lint")
    out = hpm(app, "sync")
    assert "fmt: already a dependency of the project; left as you wrote it" in out
    assert "lint: already a dependency of the project; left as you wrote it" in out
    assert dependencies(app) == before
    assert sources(app) == before_sources
    assert hpm_packages(app) == {}
    hpm(app, "group", "remove", "tools")
    hpm(app, "sync")
    assert dependencies(app) == before and sources(app) == before_sources
    assert can_import(app, "fmt")


def test_a_package_hpm_added_and_the_user_repinned_becomes_theirs(app: Path) -> None:
    hpm(app, "group", "add", "http", "--option", "requests")
    hpm(app, "sync")
    assert dependencies(app) == ["requests>=2.31,<3"]
    assert "requests" in hpm_packages(app)
    uv_run(app, "add", "requests==2.32.3")  # the user pins hpm's package by hand
    hpm(app, "sync")
    assert dependencies(app) == ["requests==2.32.3"]
    assert "requests" not in hpm_packages(app)
    hpm(app, "group", "remove", "http")
    hpm(app, "sync")
    assert dependencies(app) == ["requests==2.32.3"]
    assert installed(app)["requests"] == "2.32.3"


def test_a_fresh_clone_gets_a_working_environment_from_plain_sync(
    app: Path, tmp_path: Path
) -> None:
    hpm(app, "group", "add", "tools", "--option", "fmt", "--option", "lint")
    hpm(app, "group", "add", "http", "--option", "requests")
    hpm(app, "sync")
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("pyproject.toml", "uv.lock", "hpm.lock"):
        shutil.copy(app / name, clone / name)
    shutil.move(str(app), str(tmp_path / "elsewhere"))  # the clone must not use the original
    clone.rename(app)
    committed = {n: (app / n).read_bytes() for n in ("pyproject.toml", "uv.lock", "hpm.lock")}

    dry = hpm(app, "sync", "--dry-run")
    assert "environment differs from uv.lock" in dry and "+ fmt==0.1.0" in dry
    assert not (app / ".venv").exists()
    hpm(app, "sync")
    assert can_import(app, "fmt") and can_import(app, "lint") and can_import(app, "requests")
    assert {n: (app / n).read_bytes() for n in committed} == committed

    shutil.rmtree(app / ".venv")
    hpm(app, "sync")
    assert can_import(app, "fmt")

    uv_run(app, "pip", "uninstall", "--python", str(app / ".venv"), "lint")
    assert not can_import(app, "lint")
    hpm(app, "sync")
    assert can_import(app, "lint")

    out = hpm(app, "sync")
    assert "nothing to do" in out
    assert {n: (app / n).read_bytes() for n in committed} == committed


def test_sync_locked_repairs_the_environment_without_rewriting_hpm_lock(app: Path) -> None:
    hpm(app, "group", "add", "tools", "--option", "fmt")
    hpm(app, "sync")
    lock = app / "hpm.lock"
    lock.chmod(0o644)
    before = lock.read_bytes()
    mtime = lock.stat().st_mtime_ns
    shutil.rmtree(app / ".venv")
    hpm(app, "sync", "--locked")
    assert can_import(app, "fmt")
    assert lock.read_bytes() == before and lock.stat().st_mtime_ns == mtime


def test_hpm_lock_is_created_with_the_umask_mode(app: Path) -> None:
    hpm(app, "group", "add", "tools", "--option", "fmt")
    hpm(app, "sync")
    assert (app / "hpm.lock").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    current = os.umask(0o022)
    os.umask(current)
    return current


BROKEN = """\
name: extras
strategy: M-of-N
options:
  - name: broken
    path: pkgs/broken
"""


def write_broken(registry: Path) -> None:
    """A registry option whose package needs a dependency that exists nowhere."""
    package = write_package(registry / "pkgs" / "broken", "broken")
    text = (package / "pyproject.toml").read_text()
    (package / "pyproject.toml").write_text(
        text.replace("dependencies = []", 'dependencies = ["not-anywhere>=1"]')
    )
    write_registry(registry, {"extras": BROKEN})


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A uv workspace (root + two members); the member `app` uses the registry."""
    for name in ("fmt", "lint"):
        write_package(tmp_path / "registry" / "pkgs" / name, name)
    write_registry(tmp_path / "registry", {"tools": TOOLS})
    root = write_project(tmp_path / "ws", "ws-root")
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    write_project(root / "packages" / "other", "other")
    return use_registry(write_project(root / "packages" / "app", "app"), "../../../registry")


def test_a_workspace_member_uses_the_root_lock_and_environment(workspace: Path) -> None:
    root = workspace.parents[1]
    hpm(workspace, "group", "add", "tools", "--option", "fmt")
    hpm(workspace, "sync")
    assert not (workspace / "uv.lock").exists() and not (workspace / ".venv").exists()
    assert "fmt" in (root / "uv.lock").read_text()
    assert can_import(root, "fmt")

    hpm(workspace, "group", "remove", "tools")
    hpm(workspace, "group", "add", "tools", "--option", "lint")
    dry = hpm(workspace, "sync", "--dry-run")
    assert "uv pip uninstall --python .venv -- fmt  (what leaves uv.lock" in dry
    hpm(workspace, "sync")
    assert can_import(root, "lint") and not can_import(root, "fmt")  # pruned from the root .venv

    shutil.rmtree(root / ".venv")
    hpm(workspace, "sync")
    assert can_import(root, "lint")


def test_a_failed_sync_in_a_member_restores_the_root_lock(workspace: Path) -> None:
    root = workspace.parents[1]
    write_broken(workspace.parents[2] / "registry")
    hpm(workspace, "group", "add", "tools", "--option", "fmt")
    hpm(workspace, "sync")
    before = {p: p.read_bytes() for p in (root / "uv.lock", workspace / "pyproject.toml")}
    hpm(workspace, "group", "add", "extras", "--option", "broken")
    edited = (workspace / "pyproject.toml").read_bytes()
    out = hpm(workspace, "sync", code=1)
    assert (root / "uv.lock").read_bytes() == before[root / "uv.lock"]
    assert (workspace / "pyproject.toml").read_bytes() == edited
    assert "adding packages (uv add) failed: `uv add --no-sync --no-workspace -- " in out
    assert "restored pyproject.toml, uv.lock" in out or "were not changed" in out
    assert "broken (group extras) could not be installed" in out
    assert "hpm group remove extras" in out and "groups/extras.yaml" in out
    # uv's live output is uv's own; hpm's error message leaves out its advice about uv's flags
    assert "--frozen" not in out.split("error: adding packages (uv add) failed")[1]
    error = next(x for x in out.splitlines() if x.startswith("error: adding packages"))
    assert str(Path(sys.executable).parent) not in error  # `uv ...`, not a private path


def test_uv_remove_by_hand_fails_check_and_sync_locked_alike(app: Path) -> None:
    hpm(app, "group", "add", "tools", "--option", "fmt", "--option", "lint")
    hpm(app, "sync")
    hpm(app, "check", "--locked")
    uv_run(app, "remove", "fmt")
    lock = (app / "hpm.lock").read_bytes()
    check = hpm(app, "check", "--locked", code=1)
    sync = hpm(app, "sync", "--locked", code=1)
    line = "fmt: chosen but no longer in [project] dependencies"
    assert line in check and line in sync
    assert (app / "hpm.lock").read_bytes() == lock
    hpm(app, "sync")
    hpm(app, "check", "--locked")


def test_locked_names_what_changed_in_the_registry(app: Path, tmp_path: Path) -> None:
    from helpers.projects import git_package

    repo = git_package(tmp_path / "qwen-repo", "qwen")
    (tmp_path / "registry" / "groups" / "inference.yaml").write_text(
        "name: inference\nstrategy: 1-of-N\noptions:\n  - name: qwen\n"
        f"    git: file://{repo}\n    tag: v1.0.0\n    subdirectory: pkg\n"
    )
    hpm(app, "group", "add", "inference", "--option", "qwen")
    hpm(app, "sync")
    from helpers.projects import git

    git(repo, "tag", "v1.1.0")
    path = tmp_path / "registry" / "groups" / "inference.yaml"
    path.write_text(path.read_text().replace("v1.0.0", "v1.1.0"))
    out = hpm(app, "check", "--locked", code=1)
    assert "registry: groups/inference.yaml changed: qwen tag v1.0.0 -> v1.1.0" in out
    assert "registry: groups/inference.yaml changed: qwen tag v1.0.0 -> v1.1.0" in hpm(
        app, "sync", "--locked", code=1
    )


def status_json(project: Path, code: int) -> dict:
    import json

    done = invoke_hpm("status", "--json", cwd=project)
    assert done.returncode == code, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_status_says_whether_everything_agrees_and_what_fixes_it(app: Path) -> None:
    uv_run(app, "add", "--no-sync", "requests==2.32.3")
    hpm(app, "group", "add", "tools", "--option", "fmt", "--option", "lint")
    hpm(app, "group", "add", "http", "--option", "requests")
    hpm(app, "sync")
    text = hpm(app, "status")
    assert "ok: the choices, hpm.lock, pyproject.toml, uv.lock and the environment agree" in text
    assert "installed by hpm: fmt, lint" in text
    assert "yours (left as you wrote it): requests (requests==2.32.3)" in text
    data = status_json(app, 0)
    assert set(data) == {
        "ok", "project", "workspace_root", "registry", "uv", "selection", "choices",
        "installed_by_hpm", "yours", "drift", "uv_lock", "environment", "problems", "machine",
    }  # fmt: skip
    assert data["uv"]["version"] and data["uv"]["found"] in {"HPM_UV", "UV", "PATH", "bundled"}
    assert data["choices"] == {"tools": ["fmt", "lint"], "http": ["requests"]}

    uv_run(app, "pip", "uninstall", "--python", str(app / ".venv"), "lint")
    data = status_json(app, 1)
    assert data["environment"]["missing"] == ["lint==0.1.0"]
    assert data["problems"][0]["fix"] == "hpm sync"

    shutil.rmtree(app / ".venv")
    uv_run(app, "remove", "--no-sync", "fmt")
    text = hpm(app, "status", code=1)
    assert "fmt: chosen but no longer in [project] dependencies  (fix: hpm sync)" in text
    assert "no environment at" in text
    hpm(app, "sync")
    hpm(app, "status")


def test_status_in_a_workspace_member_and_on_bad_input(workspace: Path) -> None:
    hpm(workspace, "group", "add", "tools", "--option", "fmt")
    hpm(workspace, "sync")
    data = status_json(workspace, 0)
    assert data["workspace_root"] == str(workspace.parents[1])
    assert data["uv_lock"]["path"] == str(workspace.parents[1] / "uv.lock")
    text = (workspace / "pyproject.toml").read_text()
    assert 'tools = ["fmt"]' in text
    (workspace / "pyproject.toml").write_text(text.replace('tools = ["fmt"]', "tools = 3"))
    hpm(workspace, "status", code=2)
