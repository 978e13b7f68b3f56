"""Layered registries: ``[tool.hpm] registry = [a, b]`` forms one registry from both."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.gitrepos import hpm, project_using, registry_repo

from hpm.errors import InputError
from hpm.registry.loader import Layer, load_layers

SERVING = """name: serving
strategy: 1-of-N
options:
  - name: triton
    requires: [metric-latency]
  - name: ray-serve
"""
INFERENCE_LOCAL = """name: inference
strategy: 1-of-N
override: true
options:
  - name: vlm-adapter-qwen
  - name: local-backend
"""


INFERENCE_OVERRIDE = INFERENCE_LOCAL + "  - name: vlm-adapter-deepseek\n  - name: vllm-backend\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def base_layer(tmp_path: Path) -> Path:
    return write(
        tmp_path / "base",
        {
            "groups/inference.yaml": "name: inference\nstrategy: 1-of-N\n"
            "options: [vlm-adapter-qwen, vllm-backend]\n",
            "groups/metrics.yaml": "name: metrics\nstrategy: M-of-N\n"
            "options: [metric-accuracy, metric-latency]\n",
            "packages/vllm-backend.yaml": "version: '>=1'\n",
            "indexes.yaml": "- name: team\n  url: https://pypi.example.org/simple\n",
        },
    )


def test_layers_form_one_registry_and_rules_refer_across(tmp_path: Path) -> None:
    local = write(
        tmp_path / "local",
        {
            "groups/serving.yaml": SERVING,
            "rules.yaml": "- when: [ray-serve]\n  conflicts: [vllm-backend]\n",
        },
    )
    registry = load_layers([Layer(base_layer(tmp_path), "base"), Layer(local, "local")])
    model = registry.model
    assert [g.name for g in model.groups] == ["inference", "metrics", "serving"]
    assert model.group("serving").origin.file == "local/groups/serving.yaml"
    files = {r.origin.file for r in model.rules}
    assert files == {"local/groups/serving.yaml", "local/rules.yaml"}
    assert registry.source("vllm-backend").version == ">=1"


def test_a_group_in_two_layers_is_an_error_naming_both_files(tmp_path: Path) -> None:
    local = write(tmp_path / "local", {"groups/inference.yaml": INFERENCE_LOCAL.replace(
        "override: true\n", "")})  # fmt: skip
    with pytest.raises(InputError) as info:
        load_layers([Layer(base_layer(tmp_path), "base"), Layer(local, "local")])
    [problem] = info.value.problems
    assert problem.file == "local/groups/inference.yaml"
    assert "also declared in base/groups/inference.yaml" in problem.message
    assert "override: true" in problem.hint


def test_override_replaces_the_earlier_group(tmp_path: Path) -> None:
    local = write(tmp_path / "local", {"groups/inference.yaml": INFERENCE_LOCAL})
    registry = load_layers([Layer(base_layer(tmp_path), "base"), Layer(local, "local")])
    group = registry.model.group("inference")
    assert group.options == ("vlm-adapter-qwen", "local-backend")
    assert group.origin.file == "local/groups/inference.yaml"
    assert registry.overrides == {"inference": "base/groups/inference.yaml"}


def test_override_within_one_layer_is_still_a_duplicate(tmp_path: Path) -> None:
    root = base_layer(tmp_path)
    write(root, {"groups/again.yaml": INFERENCE_LOCAL})
    with pytest.raises(InputError, match=r"`inference` is also declared in groups/again\.yaml"):
        load_layers([Layer(root)])


def test_packages_and_indexes_in_two_layers(tmp_path: Path) -> None:
    twice = {
        "groups/other.yaml": "name: other\nstrategy: M-of-N\noptions: [x]\n",
        "packages/vllm-backend.yaml": "version: '>=2'\n",
        "indexes.yaml": "- name: team\n  url: https://mirror.example.org/simple\n",
    }
    local = write(tmp_path / "local", twice)
    with pytest.raises(InputError) as info:
        load_layers([Layer(base_layer(tmp_path), "base"), Layer(local, "local")])
    messages = sorted(p.message for p in info.value.problems)
    assert messages == [
        "index `team` is also declared in base/indexes.yaml",
        "package `vllm-backend` is also described in base/packages/vllm-backend.yaml",
    ]
    write(local, {
        "packages/vllm-backend.yaml": "version: '>=2'\noverride: true\n",
        "indexes.yaml": (
            "- name: team\n  url: https://mirror.example.org/simple\n  override: true\n"
        ),
    })  # fmt: skip
    registry = load_layers([Layer(base_layer(tmp_path), "base"), Layer(local, "local")])
    assert registry.source("vllm-backend").version == ">=2"
    assert registry.indexes["team"].url == "https://mirror.example.org/simple"
    assert registry.indexes["team"].origin.file == "local/indexes.yaml"


def test_git_layer_under_a_local_layer(tmp_path: Path) -> None:
    repo = registry_repo(tmp_path / "r")
    local = write(tmp_path / "p" / "registry-local", {
        "groups/inference.yaml": INFERENCE_OVERRIDE,
        "groups/serving.yaml": SERVING,
    })  # fmt: skip
    project = project_using(tmp_path / "p", [repo.spec(), "registry-local"])
    assert local.is_dir()
    done = hpm(project, "group", "show", "inference")
    assert done.exit_code == 0, done.output
    assert "defined in registry-local/groups/inference.yaml" in done.output
    assert f"overrides {repo.spec()}:groups/inference.yaml" in done.output
    done = hpm(project, "group", "show", "metrics")
    assert f"defined in {repo.spec()}:groups/metrics.yaml" in done.output
    without = project_using(tmp_path / "q", [repo.spec(), "../p/registry-local"])
    (local / "groups" / "inference.yaml").write_text(
        INFERENCE_LOCAL.replace("override: true\n", "")
    )
    done = hpm(without, "group", "list")
    assert done.exit_code == 2
    assert "also declared in" in done.output and repo.spec() in done.output
