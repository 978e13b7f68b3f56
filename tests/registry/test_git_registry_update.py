"""``hpm registry update`` and two projects pinned to one registry repository at two commits."""

from __future__ import annotations

from pathlib import Path

from helpers.gitrepos import (
    RegistryRepo,
    hpm,
    make_unreachable,
    pinned_commit,
    project_using,
    registry_repo,
)
from helpers.projects import module_attribute

from hpm.project.lockfile import read_lock

ACCURACY = "pkgs/metric-accuracy/src/metric_accuracy/__init__.py"
SERVING = "name: serving\nstrategy: 1-of-N\noptions: [triton]\n"


def accuracy_name(project: Path) -> str | None:
    return module_attribute(project, "metric_accuracy", "NAME")


def second_version(repo: RegistryRepo) -> str:
    repo.write(ACCURACY, 'NAME = "metric-accuracy v2"\n')
    repo.write("groups/serving.yaml", SERVING)
    repo.write(
        "rules.yaml",
        (repo.work / "rules.yaml").read_text() + "- when: [triton]\n  requires: [metric-latency]\n",
    )
    return repo.push("accuracy v2, a serving group, a rule")


def test_two_projects_two_commits_update_and_offline(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    first = repo.head()
    old = project_using(tmp_path / "old", repo.spec(), name="old")
    assert hpm(old, "group", "add", "metrics", "-o", "accuracy").exit_code == 0
    second = second_version(repo)
    new = project_using(tmp_path / "new", repo.spec(), name="new")
    assert hpm(new, "group", "add", "metrics", "-o", "accuracy").exit_code == 0
    for project in (old, new):
        done = hpm(project, "sync")
        assert done.exit_code == 0, done.output
    assert (pinned_commit(old), pinned_commit(new)) == (first, second)
    assert accuracy_name(old) == "metric-accuracy"
    assert accuracy_name(new) == "metric-accuracy v2"

    done = hpm(old, "registry", "update")
    assert done.exit_code == 0, done.output
    assert f"{first[:12]} -> {second[:12]}" in done.output
    assert "+ group serving" in done.output
    assert "~ option metric-accuracy (group metrics): code changed" in done.output
    assert f"+ rule: triton requires metric-latency ({repo.spec()}:rules.yaml:9" in done.output
    assert "run `hpm sync`" in done.output
    assert pinned_commit(old) == second
    locked = hpm(old, "check", "--locked")
    assert locked.exit_code == 1
    assert "- registry: " in locked.output and "changed" in locked.output
    assert accuracy_name(old) == "metric-accuracy"  # nothing installed until sync
    assert hpm(old, "sync").exit_code == 0
    assert accuracy_name(old) == "metric-accuracy v2"

    again = hpm(old, "registry", "update")
    assert again.exit_code == 0
    assert f"already at {second[:12]}" in again.output

    make_unreachable(repo)
    for project in (old, new):
        for args in (("check", "--locked"), ("group", "show", "metrics"), ("sync",)):
            done = hpm(project, *args)
            assert done.exit_code == 0, (args, done.output)
    gone = hpm(old, "registry", "update")
    assert gone.exit_code == 2
    assert f"cannot fetch the registry repository {repo.url}" in gone.output


def test_update_to_another_ref(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    first = repo.head()
    from helpers.projects import git

    git(repo.work, "tag", "v1")
    git(repo.work, "push", "-q", "origin", "v1")
    second_version(repo)
    project = project_using(tmp_path / "p", repo.spec(ref="v1"))
    assert hpm(project, "group", "list").exit_code == 0
    assert pinned_commit(project) == first
    done = hpm(project, "registry", "update", "--ref", "main")
    assert done.exit_code == 0, done.output
    assert f'registry = "{repo.spec()}"' in (project / "pyproject.toml").read_text()
    assert pinned_commit(project) == repo.head()
    assert "serving" in hpm(project, "group", "list").output


def test_locked_fails_when_the_registry_is_not_pinned(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    assert hpm(project, "group", "add", "metrics", "-o", "accuracy").exit_code == 0
    assert hpm(project, "sync").exit_code == 0
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace("@main", "@HEAD"))
    done = hpm(project, "sync", "--locked")
    assert done.exit_code == 1
    assert "is not pinned in hpm.lock" in done.output


def test_update_without_a_git_registry_is_a_usage_error(tmp_path: Path) -> None:
    from helpers.projects import copy_example_registry

    copy_example_registry(tmp_path / "p" / "registry")
    project = project_using(tmp_path / "p", "registry")
    done = hpm(project, "registry", "update")
    assert done.exit_code == 2
    assert "not in a git repository" in done.output


def test_remote_states_say_whether_the_ref_moved(tmp_path: Path) -> None:
    from hpm.registry.layers import remote_states

    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    assert hpm(project, "group", "list").exit_code == 0
    lock = read_lock(project)
    assert lock is not None
    [state] = remote_states(lock.pins)
    assert not state.moved
    second_version(repo)
    [state] = remote_states(lock.pins)
    assert state.moved and state.remote == repo.head()
