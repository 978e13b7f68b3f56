"""One name resolver behind every place a user names a group or an option: `group add`,
`explain`, `[tool.hpm.groups]` and the registry agree on what a name means."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import RunHpm, set_groups, tree_bytes


def _tools_project(tmp_path: Path) -> Path:
    """A registry whose options are plain package names (no shared prefix) and a project."""
    groups = tmp_path / "registry" / "groups"
    groups.mkdir(parents=True)
    (groups / "tools.yaml").write_text(
        "name: tools\nstrategy: M-of-N\noptions:\n  - name: tomli-w\n  - name: hello-git\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\n\n[tool.hpm]\nregistry = "../registry"\n'
    )
    return project


def test_group_colon_option_means_the_same_on_the_command_line_and_in_the_manifest(
    demo: Path, hpm: RunHpm
) -> None:
    added = hpm("group", "add", "metrics", "--option", "metrics:accuracy", cwd=demo)
    assert added.returncode == 0, added.stderr
    assert 'metrics = ["metric-accuracy"]' in (demo / "pyproject.toml").read_text()
    text = (demo / "pyproject.toml").read_text()
    (demo / "pyproject.toml").write_text(
        text.replace('metrics = ["metric-accuracy"]', 'metrics = ["metrics:accuracy"]')
    )
    checked = hpm("explain", "metrics", cwd=demo)
    assert checked.returncode == 0, checked.stderr
    assert "selected now: metric-accuracy" in checked.stdout


@pytest.mark.parametrize(("text", "candidate"), [("w", "tomli-w"), ("git", "hello-git")])
def test_a_fragment_of_a_name_is_an_error_with_candidates_everywhere(
    tmp_path: Path, hpm: RunHpm, text: str, candidate: str
) -> None:
    project = _tools_project(tmp_path)
    before = tree_bytes(project, skip=(".hpm",))
    added = hpm("group", "add", "tools", "--option", text, cwd=project)
    assert added.returncode == 2
    assert f"error: unknown option `{text}` in group `tools`" in added.stderr
    assert f"hint: did you mean `{candidate}`?" in added.stderr
    assert tree_bytes(project, skip=(".hpm",)) == before
    explained = hpm("explain", "tools", text, cwd=project)
    assert explained.returncode == 2 and f"`{candidate}`" in explained.stderr
    set_groups(project, f'tools = ["{text}"]\n')
    checked = hpm("check", cwd=project)
    assert checked.returncode == 2
    assert f"unknown option `{text}` in group `tools`" in checked.stderr
    assert "pyproject.toml:" in checked.stderr


def test_a_short_name_after_a_shared_prefix_works_everywhere(demo: Path, hpm: RunHpm) -> None:
    added = hpm("group", "add", "inference", "--option", "qwen", cwd=demo)
    assert added.returncode == 0, added.stderr
    assert 'inference = "vlm-adapter-qwen"' in (demo / "pyproject.toml").read_text()
    explained = hpm("explain", "inference", "deepseek", cwd=demo)
    assert explained.returncode == 0, explained.stderr


def test_an_unknown_group_is_the_same_error_on_the_command_line_and_in_the_manifest(
    demo: Path, hpm: RunHpm
) -> None:
    added = hpm("group", "add", "metric", cwd=demo)
    assert added.returncode == 2
    assert "error: unknown group `metric`\nhint: did you mean `metrics`?" in added.stderr
    set_groups(demo, "metric = []\n")
    checked = hpm("check", cwd=demo)
    assert checked.returncode == 2
    assert "unknown group `metric`" in checked.stderr
    assert "did you mean `metrics`?" in checked.stderr
