"""From [tool.hpm.groups] to the engine's Selection, checked against a tiny hand-built model."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpm.errors import InputError
from hpm.project.manifest import Manifest, read_manifest
from hpm.project.selection import manifest_value, selection_from_manifest
from solver.model import Model, Selection


def manifest_from(tmp_path: Path, groups_toml: str) -> Manifest:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "demo"\n\n[tool.hpm.groups]\n' + groups_toml)
    return read_manifest(path)


def test_explicit_open_and_absent_groups(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(
        tmp_path, 'inference = "vlm-adapter-qwen"\nmetrics = ["metric-bleu", "metric-accuracy"]\n'
    )
    assert selection_from_manifest(manifest, model) == Selection(
        {"inference": ("vlm-adapter-qwen",), "metrics": ("metric-bleu", "metric-accuracy")}
    )
    open_ = manifest_from(tmp_path, 'inference = ""\nmetrics = []\n')
    selection = selection_from_manifest(open_, model)
    assert selection.choices == {"inference": None, "metrics": None}
    assert selection.state("storage") == "absent"


def test_short_names_case_and_separators_are_normalised(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(
        tmp_path, 'Inference = "VLM_Adapter.Qwen"\nmetrics = ["accuracy", "Latency"]\n'
    )
    assert selection_from_manifest(manifest, model).choices == {
        "inference": ("vlm-adapter-qwen",),
        "metrics": ("metric-accuracy", "metric-latency"),
    }


def test_a_string_for_an_m_of_n_group_is_one_option(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(tmp_path, 'metrics = "bleu"\n')
    assert selection_from_manifest(manifest, model).choices == {"metrics": ("metric-bleu",)}


def test_more_options_than_max_is_left_to_the_solver(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(tmp_path, 'metrics = ["accuracy", "latency", "bleu"]\n')
    assert len(selection_from_manifest(manifest, model).choices["metrics"]) == 3


BAD = {
    # name: (groups toml, key, line, words in message, words in hint)
    "unknown_group": (
        'infrence = "vllm-backend"\n',
        "tool.hpm.groups.infrence",
        5,
        "unknown group `infrence`",
        "did you mean `inference`?",
    ),
    "unknown_option": (
        'inference = "vllm-backnd"\n',
        "tool.hpm.groups.inference",
        5,
        "unknown option `vllm-backnd` in group `inference`",
        "did you mean `vllm-backend`?",
    ),
    "option_of_another_group": (
        '\ninference = "metric-bleu"\n',
        "tool.hpm.groups.inference",
        6,
        "`metric-bleu` is an option of group `metrics`, not of `inference`",
        "options of `inference`: vlm-adapter-qwen",
    ),
    "list_for_one_of_n": (
        'inference = ["vllm-backend"]\n',
        "tool.hpm.groups.inference",
        5,
        "1-of-N",
        'write inference = "vllm-backend"',
    ),
    "empty_list_for_one_of_n": (
        "inference = []\n",
        "tool.hpm.groups.inference",
        5,
        "not a list",
        'write inference = "vllm-backend"',
    ),
    "duplicate_option": (
        'metrics = ["accuracy", "metric-accuracy"]\n',
        "tool.hpm.groups.metrics",
        5,
        "`metric-accuracy` is listed twice",
        "once",
    ),
    "unknown_option_without_close_match": (
        'inference = "qwen"\nstorage = "s"\n',
        "tool.hpm.groups.storage",
        6,
        "unknown option `s` in group `storage`",
        "options of `storage`: ",
    ),
    "group_named_twice": (
        'metrics = []\nMetrics = ["bleu"]\n',
        "tool.hpm.groups.Metrics",
        6,
        "names group `metrics` again",
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_selection(name: str, model: Model, tmp_path: Path) -> None:
    toml, key, line, message, hint = BAD[name]
    manifest = manifest_from(tmp_path, toml)
    before = manifest.path.read_bytes()
    with pytest.raises(InputError) as info:
        selection_from_manifest(manifest, model)
    [problem] = info.value.problems
    assert (problem.file, problem.key, problem.line) == ("pyproject.toml", key, line)
    assert message in problem.message
    assert hint in problem.hint
    assert manifest.path.read_bytes() == before


def test_ambiguous_short_name_lists_candidates(tmp_path: Path) -> None:
    from solver.model import Group, Strategy

    options = ("pg-driver", "pg-client", "mysql-driver", "mysql-client")
    model = Model((Group("db", Strategy.ONE, options),))
    manifest = manifest_from(tmp_path, 'db = "driver"\n')
    with pytest.raises(InputError) as info:
        selection_from_manifest(manifest, model)
    [problem] = info.value.problems
    assert "ambiguous" in problem.message
    assert "`pg-driver`, `mysql-driver`" in problem.message


def test_a_name_that_only_ends_in_the_text_is_not_a_short_name(tmp_path: Path) -> None:
    from solver.model import Group, Strategy

    model = Model((Group("tools", Strategy.MANY, ("tomli-w", "hello-git")),))
    manifest = manifest_from(tmp_path, 'tools = ["w", "git"]\n')
    with pytest.raises(InputError) as info:
        selection_from_manifest(manifest, model)
    assert [(p.message, p.hint) for p in info.value.problems] == [
        ("unknown option `w` in group `tools`", "did you mean `tomli-w`?"),
        ("unknown option `git` in group `tools`", "did you mean `hello-git`?"),
    ]


def test_every_problem_is_collected(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(
        tmp_path, 'nope = ""\ninference = ["a", "b"]\nmetrics = ["bleu", "x"]\nstorage = "s3"\n'
    )
    with pytest.raises(InputError) as info:
        selection_from_manifest(manifest, model)
    assert [p.key for p in info.value.problems] == [
        "tool.hpm.groups.nope",
        "tool.hpm.groups.inference",
        "tool.hpm.groups.metrics",
    ]


def test_group_colon_option_is_accepted_as_on_the_command_line(
    model: Model, tmp_path: Path
) -> None:
    manifest = manifest_from(tmp_path, 'metrics = ["metrics:accuracy", "metrics:metric-bleu"]\n')
    assert selection_from_manifest(manifest, model).choices == {
        "metrics": ("metric-accuracy", "metric-bleu")
    }


def test_a_colon_naming_another_group_is_refused(model: Model, tmp_path: Path) -> None:
    manifest = manifest_from(tmp_path, 'inference = "metrics:bleu"\n')
    with pytest.raises(InputError) as info:
        selection_from_manifest(manifest, model)
    assert "names group `metrics`" in info.value.problems[0].message


def test_manifest_value_is_the_inverse(model: Model, tmp_path: Path) -> None:
    inference, metrics = model.group("inference"), model.group("metrics")
    assert manifest_value(inference, ("vllm-backend",)) == "vllm-backend"
    assert manifest_value(inference, ()) == ""
    assert manifest_value(metrics, ("metric-bleu", "metric-accuracy")) == [
        "metric-bleu",
        "metric-accuracy",
    ]
    assert manifest_value(metrics, ()) == []
    with pytest.raises(ValueError):
        manifest_value(inference, ("vllm-backend", "vlm-adapter-qwen"))

    from hpm.project.manifest import set_groups

    selection = Selection({"inference": ("vllm-backend",), "metrics": ("metric-latency",)})
    path = tmp_path / "pyproject.toml"
    path.write_text("")
    set_groups(path, {g: manifest_value(model.group(g), o) for g, o in selection.choices.items()})
    assert selection_from_manifest(read_manifest(path), model) == selection
