"""A registry in a git repository: fetched into hpm's cache, pinned in hpm.lock, read offline.

Every repository is a local bare one (``git+file://``); uv runs for real and offline.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.gitrepos import hpm, make_unreachable, pinned_commit, project_using, registry_repo
from helpers.projects import can_import

from hpm.project.lockfile import read_lock

INFERENCE = """name: inference
strategy: 1-of-N
options:
  - name: vlm-adapter-qwen
  - name: vlm-adapter-deepseek
  - name: vllm-backend
"""
SGLANG = INFERENCE + "  - name: sglang-backend\n"


def test_first_command_fetches_and_pins_the_ref(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    done = hpm(project, "group", "list")
    assert done.exit_code == 0, done.output
    assert "inference" in done.output
    lock = read_lock(project)
    assert lock is not None
    assert [(p.url, p.ref, p.commit) for p in lock.pins] == [(repo.url, "main", repo.head())]


def test_upstream_commit_is_ignored_until_registry_update(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    first = repo.head()
    project = project_using(tmp_path / "p", repo.spec())
    assert hpm(project, "group", "list").exit_code == 0
    assert pinned_commit(project) == first

    repo.write("groups/inference.yaml", SGLANG)
    repo.write("groups/serving.yaml", "name: serving\nstrategy: M-of-N\noptions: [triton]\n")
    repo.push("sglang, a serving group")

    done = hpm(project, "group", "add", "inference", "--option", "sglang-backend")
    assert done.exit_code == 2
    assert "sglang-backend" in done.output
    assert "hpm registry update" in done.output
    assert "serving" not in hpm(project, "group", "list").output
    assert pinned_commit(project) == first


def test_offline_after_the_repository_moved_away(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    assert hpm(project, "group", "list").exit_code == 0
    make_unreachable(repo)
    done = hpm(project, "group", "show", "inference")
    assert done.exit_code == 0, done.output
    assert hpm(project, "check").exit_code == 0


def test_unreachable_without_a_cached_commit_names_the_url(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    make_unreachable(repo)
    done = hpm(project, "group", "list")
    assert done.exit_code == 2
    assert f"cannot fetch the registry repository {repo.url}" in done.output
    assert "Traceback" not in done.output


def test_subdirectory(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r", subdirectory="registries/ml")
    project = project_using(tmp_path / "p", repo.spec(subdirectory="registries/ml"))
    done = hpm(project, "group", "show", "metrics")
    assert done.exit_code == 0, done.output
    assert "#subdirectory=registries/ml:groups/metrics.yaml" in done.output
    lock = read_lock(project)
    assert lock is not None and lock.pins[0].subdirectory == "registries/ml"


def test_missing_subdirectory_is_an_error(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec(subdirectory="nowhere"))
    done = hpm(project, "group", "list")
    assert done.exit_code == 2
    assert "has no folder `nowhere`" in done.output


def test_unknown_ref_is_an_error(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec(ref="v9"))
    done = hpm(project, "group", "list")
    assert done.exit_code == 2
    assert "`v9` is not a branch, tag or commit" in done.output


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("git+ssh://-oProxyCommand=touch%20x/repo@main", "the host may not start with `-`"),
        ("git+https://user:secret@host/repo@main", "password or token"),
        ("git+https://host/repo@--upload-pack=x", "may not start with `-`"),
        ("git+ftp://host/repo@main", "must start with git+https://"),
        ("https://host/repo@main", "starts with `git+`"),
        ("git+https://host/repo@v1#subdirectory=../up", "bad subdirectory"),
    ],
)
def test_hostile_urls_are_refused_naming_the_key(tmp_path: Path, url: str, reason: str) -> None:
    project = project_using(tmp_path / "p", url)
    done = hpm(project, "group", "list")
    assert done.exit_code == 2
    assert "tool.hpm.registry" in done.output
    assert reason in done.output
    assert not (project / "hpm.lock").exists()


def test_path_packages_install_as_git_sources_at_the_pinned_commit(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r", subdirectory="reg")
    project = project_using(tmp_path / "p", repo.spec(subdirectory="reg"))
    assert hpm(project, "group", "add", "inference", "--option", "vlm-adapter-qwen").exit_code == 0
    done = hpm(project, "sync")
    assert done.exit_code == 0, done.output
    commit = repo.head()
    lock = read_lock(project)
    assert lock is not None
    expected = f"git+{repo.url}@{commit}#subdirectory=reg/pkgs/vlm-adapter-qwen"
    assert lock.packages["vlm-adapter-qwen"] == f"vlm-adapter-qwen @ {expected}"
    assert commit in (project / "pyproject.toml").read_text()
    assert can_import(project, "vlm_adapter_qwen")


def test_a_symlink_in_the_tree_is_refused(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    (repo.work / "packages" / "escape.yaml").symlink_to("/etc/passwd")
    repo.push("a symlink out of the tree")
    project = project_using(tmp_path / "p", repo.spec())
    done = hpm(project, "group", "list")
    assert done.exit_code == 2
    assert "`packages/escape.yaml` is a symlink" in done.output
    assert not (project / "hpm.lock").exists()


def test_a_huge_file_in_the_tree_is_refused(tmp_path: Path) -> None:
    from hpm.registry.gitfetch import MAX_FILE_BYTES

    repo = registry_repo(tmp_path / "r")
    with (repo.work / "pkgs" / "blob.bin").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    repo.push("a huge file")
    project = project_using(tmp_path / "p", repo.spec())
    done = hpm(project, "check")
    assert done.exit_code == 2
    assert f"`pkgs/blob.bin` is too large ({MAX_FILE_BYTES + 1} bytes)" in done.output


def test_the_export_is_read_only_and_shared_by_tree(tmp_path: Path) -> None:
    from hpm.registry import gitfetch
    from hpm.registry.gitspec import parse_git_registry

    repo = registry_repo(tmp_path / "r", subdirectory="reg")
    spec = parse_git_registry(repo.spec(subdirectory="reg"))
    commit = gitfetch.fetch(spec)
    first = gitfetch.export(spec, commit)
    assert not (first.root / "groups").stat().st_mode & 0o222
    assert not (first.root / "groups" / "metrics.yaml").stat().st_mode & 0o222
    repo.write("README.md", "outside the registry folder\n")
    later = repo.push("a README beside the registry")
    assert gitfetch.fetch(spec) == later != commit
    assert gitfetch.export(spec, later).root == first.root  # the same tree: one export


def test_init_with_a_git_registry_fetches_and_pins(tmp_path: Path) -> None:
    from helpers.projects import write_project

    repo = registry_repo(tmp_path / "r")
    project = write_project(tmp_path / "p")
    done = hpm(project, "init", "--registry", repo.spec())
    assert done.exit_code == 0, done.output
    assert f'registry = "{repo.spec()}"' in (project / "pyproject.toml").read_text()
    assert pinned_commit(project) == repo.head()
    assert "warning" not in done.output


def test_init_with_an_unreachable_git_registry_changes_nothing(tmp_path: Path) -> None:
    from helpers.projects import write_project

    repo = registry_repo(tmp_path / "r")
    make_unreachable(repo)
    project = write_project(tmp_path / "p")
    before = (project / "pyproject.toml").read_bytes()
    done = hpm(project, "init", "--registry", repo.spec())
    assert done.exit_code == 2
    assert repo.url in done.output
    assert (project / "pyproject.toml").read_bytes() == before
    assert not (project / "hpm.lock").exists()


def test_concurrent_fetches_and_exports_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from hpm.registry import gitfetch
    from hpm.registry.gitspec import parse_git_registry

    monkeypatch.setenv("HPM_CACHE_DIR", str(tmp_path / "fresh-cache"))
    repo = registry_repo(tmp_path / "r")
    spec = parse_git_registry(repo.spec())

    def fetch_and_export(_: int) -> tuple[str, Path]:
        commit = gitfetch.fetch(spec)
        return commit, gitfetch.export(spec, commit).root

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = set(pool.map(fetch_and_export, range(4)))
    assert len(results) == 1
    [(commit, root)] = results
    assert commit == repo.head()
    assert (root / "groups" / "inference.yaml").is_file()
    leftovers = [p.name for p in root.parent.iterdir() if p.name.startswith(".new-")]
    assert leftovers == []


def test_remote_commit_asks_without_fetching(tmp_path: Path) -> None:
    from helpers.projects import git

    from hpm.registry import gitfetch
    from hpm.registry.gitspec import parse_git_registry

    repo = registry_repo(tmp_path / "r")
    git(repo.work, "tag", "-a", "v1", "-m", "an annotated tag")
    git(repo.work, "push", "-q", "origin", "v1")
    first = repo.head()
    repo.write("README.md", "moved on\n")
    second = repo.push("main moves")
    assert gitfetch.remote_commit(parse_git_registry(repo.spec("main"))) == second
    assert gitfetch.remote_commit(parse_git_registry(repo.spec("v1"))) == first
    assert gitfetch.remote_commit(parse_git_registry(repo.spec(first))) is None
    assert not gitfetch.repo_path(repo.url).exists()


def test_registry_check_names_the_git_registry(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    project = project_using(tmp_path / "p", repo.spec())
    assert hpm(project, "group", "list").exit_code == 0
    done = hpm(project, "registry", "check")
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"registry {repo.spec()}: ")
