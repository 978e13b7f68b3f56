"""Requirement strings handed to uv: one per source kind, paths relative to the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpm.apply.requirements import lock_entry, relative_path, requirement, split_lock_entry
from hpm.registry.catalog import Source

PROJECT = Path("/work/proj")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (Source(), "pkg"),
        (Source(version=">=0.3,<1"), "pkg>=0.3,<1"),
        (Source(extras=("a", "b")), "pkg[a,b]"),
        (
            Source(version="==1.0", marker="sys_platform == 'linux'"),
            "pkg==1.0 ; sys_platform == 'linux'",
        ),
        (Source(git="https://example.org/pkg.git"), "pkg @ git+https://example.org/pkg.git"),
        (
            Source(git="https://example.org/pkg.git", tag="v1.4.0"),
            "pkg @ git+https://example.org/pkg.git@v1.4.0",
        ),
        (
            Source(git="https://example.org/r.git", rev="abc123", subdirectory="python/pkg"),
            "pkg @ git+https://example.org/r.git@abc123#subdirectory=python/pkg",
        ),
        (
            Source(git="file:///srv/r", branch="main", extras=("x",)),
            "pkg[x] @ git+file:///srv/r@main",
        ),
        (Source(path=PROJECT / "registry" / "pkgs" / "pkg"), "pkg @ ./registry/pkgs/pkg"),
        (Source(path=Path("/work/registry/pkgs/pkg")), "pkg @ ../registry/pkgs/pkg"),
        (
            Source(
                path=Path("/work/registry/pkgs/pkg"), editable=True, marker="os_name == 'posix'"
            ),
            "pkg @ ../registry/pkgs/pkg ; os_name == 'posix'",
        ),
    ],
)
def test_requirement_per_source_kind(source: Source, expected: str) -> None:
    assert requirement("pkg", source, project_dir=PROJECT) == expected


@pytest.mark.parametrize("name", ["-e", "--editable", "not a name", ""])
def test_requirement_rejects_what_is_not_a_package_name(name: str) -> None:
    with pytest.raises(ValueError, match="PEP 508"):
        requirement(name, Source(), project_dir=PROJECT)


def test_relative_path_always_starts_with_a_dot(tmp_path: Path) -> None:
    assert relative_path(tmp_path / "a" / "b", tmp_path) == "./a/b"
    assert relative_path(tmp_path, tmp_path / "p") == ".."
    assert relative_path(tmp_path / "x", tmp_path / "p" / "q") == "../../x"


def test_lock_entry_marks_editable_requirements() -> None:
    assert lock_entry("pkg @ ./x", editable=True) == "-e pkg @ ./x"
    assert split_lock_entry("-e pkg @ ./x") == ("pkg @ ./x", True)
    assert split_lock_entry("pkg>=1") == ("pkg>=1", False)


def test_a_path_that_pep_508_cannot_carry_becomes_a_file_url(tmp_path: Path) -> None:
    target = tmp_path / "a #b" / "x"
    text = requirement("x", Source(path=target), project_dir=tmp_path / "p")
    assert text == f"x @ {target.as_uri()}"
    assert "%20%23" in text


def test_the_requirement_is_checked_against_its_parts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not say what the registry says"):
        requirement("x", Source(version="===1@file:///etc/passwd"), project_dir=tmp_path)
