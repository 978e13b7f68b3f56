"""Planning is pure: the chosen packages against hpm.lock give the uv commands to run."""

from __future__ import annotations

import shlex
from pathlib import Path

from helpers.projects import example_registry, selection

from hpm.apply.ownership import ProjectDependencies, project_dependencies
from hpm.apply.plan import make_plan
from hpm.project.lockfile import LockState
from hpm.registry.catalog import Source

PROJECT = Path("/work/proj")
REGISTRY = example_registry(Path("/work/registry"))


def lock(**packages: str) -> LockState:
    return LockState(
        "../registry", "test", {}, {k.replace("_", "-"): v for k, v in packages.items()}
    )


def declared(*names: str) -> ProjectDependencies:
    """pyproject.toml declaring ``names`` as hpm's uv add writes them (name only + a source)."""
    return project_dependencies({"project": {"dependencies": list(names)}})


def texts(plan) -> list[str]:
    assert list(plan.command_lines) == [shlex.join(argv) for argv in plan.commands]
    return list(plan.command_lines)


def test_first_sync_adds_every_chosen_package_and_syncs_once() -> None:
    plan = make_plan(
        REGISTRY, selection("vlm-adapter-qwen", ("metric-accuracy",)), None, PROJECT, "uv"
    )
    assert plan.remove == ()
    assert plan.add == (
        "vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen",
        "metric-accuracy @ ../registry/pkgs/metric-accuracy",
    )
    assert texts(plan) == [
        "uv add --no-sync --no-workspace -- 'vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen' "
        "'metric-accuracy @ ../registry/pkgs/metric-accuracy'",
        "uv sync --inexact",
    ]
    assert dict(plan.packages) == {
        "vlm-adapter-qwen": "vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen",
        "metric-accuracy": "metric-accuracy @ ../registry/pkgs/metric-accuracy",
    }


def test_nothing_changed_means_no_commands() -> None:
    first = make_plan(REGISTRY, selection("vllm-backend"), None, PROJECT, "uv")
    again = make_plan(REGISTRY, selection("vllm-backend"), lock(**first.packages), PROJECT, "uv")
    assert again.is_empty
    assert again.unchanged == ("vllm-backend",)
    assert again.packages == first.packages


def test_switching_an_option_removes_the_old_package_and_adds_the_new() -> None:
    previous = lock(vlm_adapter_qwen="vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen")
    plan = make_plan(REGISTRY, selection("vllm-backend"), previous, PROJECT, "uv")
    assert texts(plan) == [
        "uv remove --no-sync -- vlm-adapter-qwen",
        "uv add --no-sync --no-workspace -- 'vllm-backend @ ../registry/pkgs/vllm-backend'",
        "uv sync --inexact",
    ]


def test_a_removed_group_removes_only_what_hpm_added() -> None:
    previous = lock(
        metric_bleu="metric-bleu @ ../registry/pkgs/metric-bleu",
        vllm_backend="vllm-backend @ ../registry/pkgs/vllm-backend",
    )
    plan = make_plan(REGISTRY, selection("vllm-backend"), previous, PROJECT, "uv")
    assert plan.remove == ("metric-bleu",)
    assert plan.add == ()
    assert texts(plan) == ["uv remove --no-sync -- metric-bleu", "uv sync --inexact"]


def test_a_changed_requirement_is_removed_and_added_again() -> None:
    registry = example_registry(
        Path("/work/registry"),
        {"metric-bleu": Source(version=">=0.3", marker="python_version >= '3.11'")},
    )
    previous = lock(metric_bleu="metric-bleu>=0.2")
    plan = make_plan(registry, selection(metrics=("metric-bleu",)), previous, PROJECT, "uv")
    assert plan.remove == ("metric-bleu",)
    assert plan.add == ("metric-bleu>=0.3 ; python_version >= '3.11'",)


def test_editable_paths_get_their_own_uv_add_call() -> None:
    registry = example_registry(
        Path("/work/registry"),
        {"metric-bleu": Source(path=Path("/work/registry/pkgs/metric-bleu"), editable=True)},
    )
    plan = make_plan(
        registry, selection(metrics=("metric-bleu", "metric-latency")), None, PROJECT, "uv"
    )
    assert texts(plan) == [
        "uv add --no-sync --no-workspace -- 'metric-latency @ ../registry/pkgs/metric-latency'",
        "uv add --no-sync --no-workspace --editable -- "
        "'metric-bleu @ ../registry/pkgs/metric-bleu'",
        "uv sync --inexact",
    ]
    assert plan.packages["metric-bleu"] == "-e metric-bleu @ ../registry/pkgs/metric-bleu"
    # Turning editable off is a change.
    plain = make_plan(
        REGISTRY, selection(metrics=("metric-bleu",)), lock(**plan.packages), PROJECT, "uv"
    )
    assert plain.remove == ("metric-bleu", "metric-latency")
    assert plain.add == ("metric-bleu @ ../registry/pkgs/metric-bleu",)


def test_a_package_the_user_already_removed_by_hand_is_not_passed_to_uv_remove() -> None:
    previous = lock(metric_bleu="metric-bleu @ ../registry/pkgs/metric-bleu")
    plan = make_plan(REGISTRY, selection(), previous, PROJECT, "uv", declared=declared("other"))
    assert plan.remove == ()
    assert texts(plan) == []  # uv has nothing to do; hpm.lock just forgets the package
    assert dict(plan.packages) == {}


def test_a_chosen_package_the_user_removed_by_hand_is_added_again() -> None:
    entry = "metric-bleu @ ../registry/pkgs/metric-bleu"
    chosen = selection(metrics=("metric-bleu",))
    plan = make_plan(
        REGISTRY, chosen, lock(metric_bleu=entry), PROJECT, "uv", declared=declared("other")
    )
    assert plan.add == (entry,) and plan.remove == ()
    kept = make_plan(
        REGISTRY, chosen, lock(metric_bleu=entry), PROJECT, "uv", declared=declared("metric-bleu")
    )
    assert kept.is_empty
