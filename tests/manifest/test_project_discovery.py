"""Finding the project upward from the current directory, and where its registry is."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpm.errors import UsageError
from hpm.project.discovery import Project, find_project, locate_registry
from hpm.project.manifest import Manifest


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "work" / "app"
    (root / "src" / "deep").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n')
    return Project(root, root / "pyproject.toml")


def test_found_upward_from_a_subdirectory(project: Project) -> None:
    assert find_project(cwd=project.root / "src" / "deep") == project


def test_nearest_pyproject_wins(project: Project) -> None:
    inner = project.root / "src"
    (inner / "pyproject.toml").write_text("")
    assert find_project(cwd=inner / "deep").root == inner


def test_explicit_project_dir_relative_to_cwd(project: Project) -> None:
    assert find_project(Path("app"), cwd=project.root.parent) == project


def test_explicit_dir_without_pyproject(project: Project) -> None:
    with pytest.raises(UsageError) as info:
        find_project(project.root / "src", cwd=project.root)
    assert "uv init" in info.value.hint and "hpm init" in info.value.hint


def test_explicit_dir_that_does_not_exist(project: Project) -> None:
    with pytest.raises(UsageError):
        find_project(project.root / "nope")


def test_no_project_anywhere(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        find_project(cwd=tmp_path)
    assert "hpm init" in info.value.hint
    assert info.value.exit_code == 2


def manifest(project: Project, registry: str | None) -> Manifest:
    return Manifest(project.pyproject, registry, {})


def test_registry_default(project: Project) -> None:
    location = locate_registry(project, manifest(project, None), cwd=Path("/"), environ={})
    assert (location.root, location.recorded, location.source) == (
        project.root / "registry",
        "registry",
        "default",
    )


def test_registry_from_manifest_is_relative_to_the_project(project: Project) -> None:
    location = locate_registry(
        project, manifest(project, "../shared/reg"), cwd=project.root / "src", environ={}
    )
    assert location.root == project.root.parent / "shared" / "reg"
    assert location.recorded == "../shared/reg"


def test_env_beats_manifest_and_is_relative_to_cwd(project: Project) -> None:
    location = locate_registry(
        project,
        manifest(project, "ignored"),
        cwd=project.root / "src",
        environ={"HPM_REGISTRY": "reg"},
    )
    assert location.root == project.root / "src" / "reg"
    assert (location.recorded, location.source) == ("src/reg", "HPM_REGISTRY")


def test_empty_env_counts_as_unset(project: Project) -> None:
    location = locate_registry(
        project, manifest(project, "r"), cwd=project.root, environ={"HPM_REGISTRY": ""}
    )
    assert location.source == "tool.hpm.registry"


def test_option_beats_everything(project: Project) -> None:
    location = locate_registry(
        project,
        manifest(project, "ignored"),
        "../elsewhere",
        cwd=project.root,
        environ={"HPM_REGISTRY": "also-ignored"},
    )
    assert location.root == project.root.parent / "elsewhere"
    assert (location.recorded, location.source) == ("../elsewhere", "--registry")


def test_absolute_override_is_kept(project: Project, tmp_path: Path) -> None:
    location = locate_registry(project, None, str(tmp_path / "r"), cwd=project.root, environ={})
    assert location.root == tmp_path / "r"
    assert location.root.is_absolute()
