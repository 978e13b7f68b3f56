"""``hpm status [--remote]`` with a git registry: the pinned commit, and whether the ref moved.

Every repository is a local bare one (``git+file://``); nothing leaves the machine.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.gitrepos import hpm, make_unreachable, project_using, registry_repo
from helpers.projects import copy_example_registry

from hpm.project.lockfile import read_lock


def test_status_shows_the_configured_registry_and_its_pinned_commit(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    done = hpm(project, "status")
    assert f"registry: {repo.spec()}\n" in done.output
    assert f"  pinned: {repo.url}@main at {repo.head()[:12]}\n" in done.output
    assert "remote:" not in done.output  # only when asked
    assert "not pinned" not in done.output  # this first command pinned it (as every command does)
    lock = read_lock(project)
    assert lock is not None and [p.commit for p in lock.pins] == [repo.head()]
    data = json.loads(hpm(project, "status", "--json").output)
    assert data["registry"]["location"] == repo.spec()
    assert data["registry"]["pins"] == [
        {"url": repo.url, "ref": "main", "subdirectory": "", "commit": repo.head()}
    ]
    assert data["registry"]["remote"] is None


def test_remote_says_moved_only_after_an_upstream_commit(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    first = repo.head()
    project = project_using(tmp_path / "p", repo.spec())
    before = hpm(project, "status", "--remote")
    assert "    remote: `main` is still at the pinned commit\n" in before.output, before.output
    plain_exit = hpm(project, "status").exit_code

    repo.write("groups/serving.yaml", "name: serving\nstrategy: 1-of-N\noptions: [triton]\n")
    second = repo.push("a serving group")
    after = hpm(project, "status", "--remote")
    assert f"  pinned: {repo.url}@main at {first[:12]}\n" in after.output
    assert f"`main` has moved to {second[:12]}" in after.output
    assert "`hpm registry update`" in after.output
    assert after.exit_code == before.exit_code == plain_exit  # information, not a problem
    [state] = json.loads(hpm(project, "status", "--remote", "--json").output)["registry"]["remote"]
    assert state == {
        "url": repo.url,
        "ref": "main",
        "subdirectory": "",
        "commit": first,
        "remote": second,
        "moved": True,
    }


def test_a_layer_pinned_to_a_commit_never_moves(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    commit = repo.head()
    project = project_using(tmp_path / "p", repo.spec(ref=commit))
    repo.write("groups/serving.yaml", "name: serving\nstrategy: 1-of-N\noptions: [triton]\n")
    repo.push("a serving group")
    done = hpm(project, "status", "--remote")
    assert f"remote: pinned to the commit {commit}, which never moves" in done.output


def test_an_unreachable_remote_is_an_error_naming_the_url(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    plain_exit = hpm(project, "status").exit_code  # pins the commit
    make_unreachable(repo)
    offline = hpm(project, "status")
    assert offline.exit_code == plain_exit, offline.output  # no network needed without --remote
    done = hpm(project, "status", "--remote")
    assert done.exit_code == 2
    assert f"error: cannot reach the registry repository {repo.url}" in done.output
    assert "without --remote needs no network" in done.output
    assert "Traceback" not in done.output


def test_remote_with_a_directory_registry_has_nothing_to_ask(tmp_path: Path) -> None:
    copy_example_registry(tmp_path / "p" / "registry")
    project = project_using(tmp_path / "p", "registry")
    done = hpm(project, "status", "--remote")
    assert f"registry: {project / 'registry'}\n" in done.output
    assert "remote: no git-hosted registry layer, nothing to ask" in done.output
