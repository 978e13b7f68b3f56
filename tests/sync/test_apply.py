"""apply_plan with the real uv, offline: packages arrive in pyproject.toml, uv.lock and .venv,
leave them again, and a failure at any step leaves the project files byte-identical."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from helpers.projects import (
    can_import,
    example_registry,
    git_package,
    selection,
    snapshot,
    uv_run,
    write_package,
)

from hpm.apply import uv as uvcmd
from hpm.apply.plan import SyncPlan, make_plan
from hpm.apply.sync import apply_plan, locked_names, read_declared
from hpm.errors import Interrupted, UnusableLockError, UvError
from hpm.project import lockfile
from hpm.project.lockfile import LockState, read_lock
from hpm.registry.catalog import Registry, Source
from solver.model import Selection


def sync(project: Path, registry: Registry, chosen: Selection, uv: str) -> SyncPlan:
    """What `hpm sync` does once the selection is resolved."""
    previous = read_lock(project)
    plan = make_plan(registry, chosen, previous, project, uv, declared=read_declared(project))
    groups = {g: opts[0] if len(opts) == 1 else opts for g, opts in chosen.choices.items() if opts}
    apply_plan(project, plan, LockState("../registry", registry.digest, groups, plan.packages))
    return plan


def pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())


def dependencies(project: Path) -> set[str]:
    return set(read_declared(project).names())


def locked(project: Path) -> set[str]:
    return set(locked_names((project / "uv.lock").read_bytes()))


@pytest.fixture
def registry(example_registry_copy: Path) -> Registry:
    return example_registry(example_registry_copy)


def test_sync_installs_the_chosen_packages_with_relative_paths(
    project: Path, registry: Registry, uv_bin: str
) -> None:
    plan = sync(project, registry, selection("vlm-adapter-qwen", ("metric-accuracy",)), uv_bin)

    assert plan.commands[-1] == (uv_bin, "sync", "--inexact")
    sources = pyproject(project)["tool"]["uv"]["sources"]
    assert sources["vlm-adapter-qwen"] == {"path": "../registry/pkgs/vlm-adapter-qwen"}
    assert {"vlm-adapter-qwen", "metric-accuracy"} <= locked(project)
    assert can_import(project, "vlm_adapter_qwen")
    assert can_import(project, "metric_accuracy")
    state = read_lock(project)
    assert state is not None
    assert dict(state.packages) == dict(plan.packages)
    assert (project / ".hpm" / ".gitignore").read_text() == "*\n"
    assert not (project / ".hpm" / "txn").exists()


def test_nothing_to_do_runs_no_uv_and_changes_no_project_file(
    project: Path, registry: Registry, uv_bin: str
) -> None:
    sync(project, registry, selection("vllm-backend"), uv_bin)
    before = snapshot(project)
    plan = sync(project, registry, selection("vllm-backend"), uv_bin)
    assert plan.is_empty
    assert snapshot(project) == before


def test_switching_replaces_the_package_and_keeps_the_users_own(
    tmp_path: Path, project: Path, registry: Registry, uv_bin: str
) -> None:
    write_package(tmp_path / "own", "own-tool")
    uv_run(project, "add", "--no-sync", "../own")
    sync(project, registry, selection("vlm-adapter-qwen"), uv_bin)
    assert can_import(project, "vlm_adapter_qwen")
    assert can_import(project, "own_tool")

    sync(project, registry, selection("vlm-adapter-deepseek"), uv_bin)

    assert dependencies(project) == {"own-tool", "vlm-adapter-deepseek"}
    assert "vlm-adapter-qwen" not in locked(project)
    assert "vlm-adapter-qwen" not in pyproject(project)["tool"]["uv"]["sources"]
    assert not can_import(project, "vlm_adapter_qwen")
    assert can_import(project, "vlm_adapter_deepseek")
    assert can_import(project, "own_tool")


def test_removing_a_group_removes_its_packages_but_not_a_users_extra_group(
    tmp_path: Path, project: Path, registry: Registry, uv_bin: str
) -> None:
    write_package(tmp_path / "lint", "lint-tool")
    uv_run(project, "add", "--no-sync", "--group", "lint", "../lint")
    uv_run(project, "sync", "--group", "lint")  # a non-default group, installed by the user
    sync(
        project, registry, selection("vllm-backend", ("metric-accuracy", "metric-latency")), uv_bin
    )
    assert can_import(project, "metric_latency")

    sync(project, registry, selection("vllm-backend"), uv_bin)

    assert dependencies(project) == {"vllm-backend"}
    assert not {"metric-accuracy", "metric-latency"} & locked(project)
    assert not can_import(project, "metric_accuracy")
    assert not can_import(project, "metric_latency")
    assert can_import(project, "vllm_backend")
    assert can_import(project, "lint_tool")  # a plain `uv sync` would have uninstalled it


def test_a_git_package_at_a_tag(
    tmp_path: Path, project: Path, registry: Registry, uv_bin: str
) -> None:
    repo = git_package(tmp_path / "repo", "metric-bleu")
    registry = example_registry(
        registry.root,
        {"metric-bleu": Source(git=repo.as_uri(), tag="v1.0.0", subdirectory="pkg")},
    )
    plan = sync(project, registry, selection(metrics=("metric-bleu",)), uv_bin)
    assert plan.add == (f"metric-bleu @ git+{repo.as_uri()}@v1.0.0#subdirectory=pkg",)
    assert can_import(project, "metric_bleu")


@pytest.mark.parametrize("first_sync", [False, True], ids=["fresh-project", "after-a-sync"])
@pytest.mark.parametrize("broken", ["missing-path", "missing-git-tag"])
def test_a_failing_uv_add_leaves_the_project_files_byte_identical(
    tmp_path: Path, project: Path, registry: Registry, uv_bin: str, broken: str, first_sync: bool
) -> None:
    if first_sync:
        sync(project, registry, selection("vllm-backend"), uv_bin)
    if broken == "missing-path":
        source = Source(path=registry.root / "pkgs" / "does-not-exist")
    else:
        repo = git_package(tmp_path / "repo", "metric-bleu")
        source = Source(git=repo.as_uri(), tag="v9.9.9", subdirectory="pkg")
    broken_registry = example_registry(registry.root, {"metric-bleu": source})
    before = snapshot(project)

    with pytest.raises(UvError) as info:
        sync(project, broken_registry, selection("vlm-adapter-qwen", ("metric-bleu",)), uv_bin)

    assert info.value.argv[1] == "add"
    assert "error" in info.value.output
    assert snapshot(project) == before
    assert (before["uv.lock"] is None) == (not first_sync)
    assert not (project / ".hpm" / "txn").exists()


def test_a_failure_writing_hpm_lock_restores_pyproject_and_uv_lock(
    project: Path, registry: Registry, uv_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, registry, selection("vllm-backend"), uv_bin)
    before = snapshot(project)

    def fail(project_dir: Path, state: LockState) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(lockfile, "write_lock", fail)
    with pytest.raises(OSError, match="disk full"):
        sync(project, registry, selection("vlm-adapter-qwen"), uv_bin)
    assert snapshot(project) == before


def test_an_interrupt_between_uv_steps_restores_the_files(
    project: Path, registry: Registry, uv_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, registry, selection("vllm-backend"), uv_bin)
    before = snapshot(project)
    real = uvcmd.run_checked

    def interrupted_after_first_step(argv, cwd, **kwargs):  # Ctrl-C after `uv remove`
        real(argv, cwd, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(uvcmd, "run_checked", interrupted_after_first_step)
    with pytest.raises(Interrupted) as info:
        sync(project, registry, selection("vlm-adapter-qwen"), uv_bin)
    assert snapshot(project) == before
    assert info.value.restored == ("pyproject.toml", "uv.lock")
    assert str(info.value) == "interrupted; restored pyproject.toml, uv.lock"
    assert info.value.exit_code == 130


def test_every_package_of_the_example_registry_installs_offline(
    project: Path, example_registry_copy: Path, uv_bin: str
) -> None:
    from hpm.registry import load_registry

    registry = load_registry(example_registry_copy)
    metrics = ("metric-accuracy", "metric-latency", "metric-bleu")
    for backend in ("vllm-backend", "vlm-adapter-qwen", "vlm-adapter-deepseek"):
        sync(project, registry, selection(backend, metrics), uv_bin)
        for name in (backend, *metrics):
            assert can_import(project, name.replace("-", "_")), name


def test_a_registry_inside_the_project_and_an_editable_package(
    project: Path, example_registry_copy: Path, uv_bin: str
) -> None:
    inside = example_registry_copy.rename(project / "registry")
    registry = example_registry(
        inside, {"metric-bleu": Source(path=inside / "pkgs" / "metric-bleu", editable=True)}
    )
    plan = sync(project, registry, selection("vllm-backend", ("metric-bleu",)), uv_bin)

    assert plan.add == ("vllm-backend @ ./registry/pkgs/vllm-backend",)
    assert plan.add_editable == ("metric-bleu @ ./registry/pkgs/metric-bleu",)
    sources = pyproject(project)["tool"]["uv"]["sources"]
    assert sources["vllm-backend"] == {"path": "registry/pkgs/vllm-backend"}
    assert sources["metric-bleu"] == {"path": "registry/pkgs/metric-bleu", "editable": True}
    assert "workspace" not in pyproject(project)["tool"]["uv"]  # uv add --no-workspace
    assert can_import(project, "vllm_backend")
    assert can_import(project, "metric_bleu")


@pytest.mark.parametrize("damage", ["empty", "not-toml"])
def test_an_unreadable_uv_lock_after_uv_sync_uninstalls_nothing_and_restores(
    tmp_path: Path, project: Path, registry: Registry, uv_bin: str, damage: str
) -> None:
    # The real uv never leaves a broken lock behind, so a stand-in wraps it: it runs the real
    # `uv sync` and then damages uv.lock, exiting 0.
    write_package(tmp_path / "own", "own-tool")
    uv_run(project, "add", "../own")  # the user's own dependency, installed
    sync(project, registry, selection("vllm-backend"), uv_bin)
    before = snapshot(project)
    content = "" if damage == "empty" else "this is [not toml"
    wrapper = tmp_path / "uv-damaging-the-lock"
    wrapper.write_text(
        f'#!/bin/sh\n"{uv_bin}" "$@" || exit $?\n'
        f'if [ "$1" = sync ]; then printf "{content}" > uv.lock; fi\n'
    )
    wrapper.chmod(0o755)

    with pytest.raises(UnusableLockError):
        sync(project, registry, selection("vlm-adapter-qwen"), str(wrapper))

    assert snapshot(project) == before
    assert can_import(project, "own_tool")  # nothing was uninstalled from the broken lock
    assert can_import(project, "vllm_backend")


def test_a_registry_whose_path_holds_a_hash_and_spaces_reaches_uv_correctly(
    tmp_path: Path, project: Path, uv_bin: str
) -> None:
    from helpers.projects import copy_example_registry

    odd = copy_example_registry(tmp_path / "team #1 registry")
    registry = example_registry(odd)
    plan = sync(project, registry, selection("vllm-backend"), uv_bin)
    assert plan.add == (f"vllm-backend @ {(odd / 'pkgs' / 'vllm-backend').as_uri()}",)
    assert can_import(project, "vllm_backend")


def test_uv_lock_is_parsed_again_only_when_its_bytes_changed(tmp_path: Path) -> None:
    from hpm.apply.sync import _LockedNames

    lock = tmp_path / "uv.lock"
    entry = '[[package]]\nname = "{}"\nversion = "1.0"\n'
    lock.write_text(entry.format("demo") + entry.format("Old_Tool"))
    names = _LockedNames(lock.read_bytes())
    assert names.read() == {"demo", "old-tool"}
    assert names.reread(lock) is names.read()  # same bytes: the names parsed before
    lock.write_text(entry.format("demo"))
    assert names.reread(lock, strict=True) == {"demo"}
    lock.write_text("this is [not toml")
    assert names.reread(lock) == frozenset()  # while uv runs: no names, no error
    with pytest.raises(ValueError, match="not valid TOML"):
        names.reread(lock, strict=True)
    assert _LockedNames(b"").read() == frozenset()
