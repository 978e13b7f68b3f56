"""``hpm check``, ``group add`` refusals, ``explain`` and every ``--json`` shape, on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, set_groups, tree_bytes


def _json(done) -> dict:  # type: ignore[no-untyped-def]
    assert_clean(done)
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- hpm check
def test_check_valid(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    done = hpm("check", cwd=demo)
    assert (done.returncode, done.stdout.strip()) == (0, "ok: the selection is valid")
    assert_clean(done)


def test_check_without_groups_is_valid(demo: Path, hpm: RunHpm) -> None:
    done = hpm("check", cwd=demo)
    assert done.returncode == 0, done.stderr


def test_check_incomplete(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = ""\nmetrics = []\n')
    done = hpm("check", cwd=demo)
    assert done.returncode == 1
    assert_clean(done)
    assert "incomplete" in done.stderr
    assert "inference" in done.stderr and "metrics" in done.stderr
    assert "hint:" in done.stderr and "hpm sync --auto" in done.stderr


def test_check_incomplete_when_a_rule_pulls_in_a_group(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vllm-backend"\n')  # requires metric-latency: metrics absent
    done = hpm("check", cwd=demo)
    assert done.returncode == 1
    assert "metrics" in done.stderr and "hpm sync --auto" in done.stderr
    data = _json(hpm("check", "--json", cwd=demo))
    assert data["status"] == "incomplete" and data["needed_groups"] == ["metrics"]


def test_check_invalid_names_rule_file_and_options(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    done = hpm("check", cwd=demo)
    assert done.returncode == 1
    assert_clean(done)
    err = done.stderr
    assert err.startswith("error: the selection is invalid")
    assert "rules.yaml" in err and "rules.yaml:6" in err
    assert "vlm-adapter-deepseek" in err and "metric-bleu" in err
    assert "the DeepSeek adapter emits no reference text for BLEU" in err
    assert "hint:" in err


def test_check_bad_input_exit_2(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "no-such-backend"\n')
    done = hpm("check", cwd=demo)
    assert done.returncode == 2
    assert_clean(done)
    assert "no-such-backend" in done.stderr and "pyproject.toml" in done.stderr


def test_check_json_shapes(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    done = hpm("check", "--json", cwd=demo)
    assert done.returncode == 1
    data = _json(done)
    assert set(data) == {"ok", "status", "open_groups", "needed_groups", "conflict", "drift"}
    assert (data["ok"], data["status"], data["drift"]) == (False, "invalid", [])
    conflict = data["conflict"]
    assert {c["option"] for c in conflict["choices"]} == {"vlm-adapter-deepseek", "metric-bleu"}
    assert all(c["kind"] == "chosen" for c in conflict["choices"])
    (rule,) = conflict["constraints"]
    assert rule["kind"] == "conflicts" and rule["origin"]["file"] == "rules.yaml"
    assert rule["origin"]["line"] == 6
    assert rule["when"] == ["vlm-adapter-deepseek"] and rule["targets"] == ["metric-bleu"]
    assert [step["relation"] for step in conflict["chain"]] == ["chosen", "conflicts", "chosen"]
    assert len(conflict["fixes"]) == 2


def test_check_json_bad_input(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "no-such-backend"\n')
    done = hpm("check", "--json", cwd=demo)
    assert done.returncode == 2
    data = _json(done)
    assert data["ok"] is False and "no-such-backend" in data["error"]
    assert data["problems"] and data["problems"][0]["file"].endswith("pyproject.toml")


# --------------------------------------------------------------------------- group add
def test_group_add_refused_on_conflict(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\n')
    before = tree_bytes(demo, skip=(".hpm",))
    done = hpm("group", "add", "metrics", "--option", "bleu", cwd=demo)
    assert done.returncode == 1
    assert_clean(done)
    assert "conflicts with the rest of the selection" in done.stderr
    assert "rules.yaml" in done.stderr and "vlm-adapter-deepseek" in done.stderr
    assert tree_bytes(demo, skip=(".hpm",)) == before


def test_group_add_short_names_and_m_of_n_accumulates(demo: Path, hpm: RunHpm) -> None:
    done = hpm("group", "add", "metrics", "-o", "accuracy", cwd=demo)
    assert done.returncode == 0, done.stderr
    done = hpm("group", "add", "metrics", "-o", "latency", "-o", "metric-accuracy", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert (
        'metrics = ["metric-accuracy", "metric-latency"]' in (demo / "pyproject.toml").read_text()
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("group", "add", "nope"), "nope"),
        (("group", "add", "inference", "-o", "metric-bleu"), "not of `inference`"),
        (("group", "add", "inference", "-o", "vllm-backend", "-o", "vlm-adapter-qwen"), "1-of-N"),
        (("group", "add", "metric-bleu"), "is an option, not a group"),
        (("group", "remove", "metrics"), "not in [tool.hpm.groups]"),
        (("group", "show", "nope"), "nope"),
        (("explain", "metrics", "nope"), "nope"),
    ],
)
def test_usage_errors_exit_2(demo: Path, hpm: RunHpm, args: tuple[str, ...], needle: str) -> None:
    before = tree_bytes(demo, skip=(".hpm",))
    done = hpm(*args, cwd=demo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert_clean(done)
    assert done.stderr.startswith("error: ") and needle in done.stderr
    assert tree_bytes(demo, skip=(".hpm",)) == before


def test_explain_unknown_group_says_group(demo: Path, hpm: RunHpm) -> None:
    done = hpm("explain", "nope", cwd=demo)
    assert done.returncode == 2
    assert "unknown group `nope`" in done.stderr


# --------------------------------------------------------------------------- explain
def test_explain_lists_possible_and_rejected(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-accuracy"]\n')
    done = hpm("explain", "metrics", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    rows = {line.split()[-2]: line.split()[-1] for line in done.stdout.splitlines()[1:4]}
    assert rows == {
        "metric-accuracy": "possible",
        "metric-latency": "possible",
        "metric-bleu": "rejected",
    }
    assert "selected now: metric-accuracy" in done.stdout
    assert "why not metric-bleu" in done.stdout
    assert "rules.yaml:6" in done.stdout
    assert "the DeepSeek adapter emits no reference text for BLEU" in done.stdout


def test_explain_one_option(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\n')
    done = hpm("explain", "metrics", "bleu", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert "metric-bleu" in done.stdout and "rejected" in done.stdout
    assert "metric-accuracy" not in done.stdout
    data = _json(hpm("explain", "metrics", "bleu", "--json", cwd=demo))
    assert [o["name"] for o in data["options"]] == ["metric-bleu"]
    assert data["options"][0]["possible"] is False
    done = hpm("explain", "inference", "vllm-backend", cwd=demo)
    assert done.returncode == 0 and "possible" in done.stdout


def test_explain_does_not_call_hypothesis_a_choice(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-accuracy"]\n')
    done = hpm("explain", "metrics", "bleu", cwd=demo)
    assert "metrics = metric-bleu  (your choice)" not in done.stdout
    assert "(the option asked about)" in done.stdout
    data = _json(hpm("explain", "metrics", "bleu", "--json", cwd=demo))
    (option,) = data["options"]
    kinds = {c["option"]: c["kind"] for c in option["conflict"]["choices"]}
    assert kinds["metric-bleu"] == "asked"
    assert kinds["vlm-adapter-deepseek"] == "chosen"


def test_explain_json_shape(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-accuracy"]\n')
    data = _json(hpm("explain", "metrics", "--json", cwd=demo))
    assert set(data) == {"group", "strategy", "state", "selected", "options"}
    assert (data["group"], data["strategy"], data["state"]) == ("metrics", "M-of-N", "chosen")
    assert data["selected"] == ["metric-accuracy"]
    by_name = {o["name"]: o for o in data["options"]}
    assert list(by_name) == ["metric-accuracy", "metric-latency", "metric-bleu"]
    assert by_name["metric-accuracy"] == {
        "name": "metric-accuracy",
        "possible": True,
        "conflict": None,
    }
    bleu = by_name["metric-bleu"]
    assert bleu["possible"] is False
    assert bleu["conflict"]["constraints"][0]["origin"]["file"] == "rules.yaml"


# --------------------------------------------------------------------------- --auto defaults
def test_auto_uses_short_name_defaults(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-qwen"\nmetrics = []\n')
    before = tree_bytes(demo, skip=(".hpm",))
    data = _json(hpm("sync", "--auto", "--dry-run", "--json", cwd=demo))
    assert data["write_back"] == {"metrics": ["metric-accuracy", "metric-latency"]}
    assert data["choices"] == {
        "inference": ["vlm-adapter-qwen"],
        "metrics": ["metric-accuracy", "metric-latency"],
    }
    assert tree_bytes(demo, skip=(".hpm",)) == before
    done = hpm("sync", "--auto", "--dry-run", cwd=demo)
    assert "choose   metrics = metric-accuracy, metric-latency" in done.stdout


def test_auto_pulls_in_a_required_group(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vllm-backend"\n')
    data = _json(hpm("sync", "--auto", "--dry-run", "--json", cwd=demo))
    # metrics was absent; the rule needs metric-latency, and the defaults come first
    assert "metric-latency" in data["write_back"]["metrics"]


def test_auto_cannot_complete(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    done = hpm("sync", "--auto", "--dry-run", cwd=demo)
    assert done.returncode == 1
    assert_clean(done)
    assert "rules.yaml" in done.stderr


# --------------------------------------------------------------------------- other --json
def test_group_list_json(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'metrics = ["metric-bleu"]\n')
    data = _json(hpm("group", "list", "--json", cwd=demo))
    assert [g["name"] for g in data] == ["accelerator", "inference", "metrics"]
    _accelerator, inference, metrics = data
    keys = {"name", "strategy", "description", "min", "max", "default", "options", "state"}
    assert keys | {"selected", "file"} == set(inference)
    assert (inference["strategy"], inference["state"], inference["selected"]) == (
        "1-of-N",
        "absent",
        [],
    )
    assert (inference["min"], inference["max"]) == (1, 1)
    assert metrics["default"] == ["metric-accuracy", "metric-latency"]
    assert (metrics["state"], metrics["selected"]) == ("chosen", ["metric-bleu"])
    assert metrics["file"] == "groups/metrics.yaml"


def test_group_list_text(demo: Path, hpm: RunHpm) -> None:
    done = hpm("group", "list", cwd=demo)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["GROUP", "STRATEGY", "SELECTED", "OPTIONS"]
    assert "metric-accuracy (default), metric-latency (default), metric-bleu" in done.stdout
    assert lines[-1] == "* = selected by this project"
    hpm("group", "add", "metrics", "-o", "bleu", cwd=demo)
    text = hpm("group", "list", cwd=demo).stdout
    assert "metric-latency (default), metric-bleu*" in text
    assert "* metric-bleu" in hpm("group", "show", "metrics", cwd=demo).stdout
    assert "* metric-bleu" in hpm("explain", "metrics", cwd=demo).stdout
    for args in (("group", "show", "metrics"), ("explain", "metrics")):
        assert "* = selected by this project" in hpm(*args, cwd=demo).stdout


def test_group_show_json(demo: Path, hpm: RunHpm) -> None:
    data = _json(hpm("group", "show", "inference", "--json", cwd=demo))
    assert data["name"] == "inference" and data["options"][2] == "vllm-backend"
    assert data["sources"]["vllm-backend"]["kind"] == "path"
    assert data["sources"]["vllm-backend"]["path"].endswith("pkgs/vllm-backend")
    assert data["rules"]["vllm-backend"] == ["requires metric-latency"]
    assert data["rules"]["vlm-adapter-deepseek"] == ["conflicts with metric-bleu"]
    text = hpm("group", "show", "inference", cwd=demo).stdout
    assert "requires metric-latency" in text and "defined in groups/inference.yaml" in text


def test_registry_check_json(demo: Path, hpm: RunHpm) -> None:
    data = _json(hpm("registry", "check", "--json", cwd=demo))
    assert data["ok"] is True
    assert (data["groups"], data["options"], data["rules"]) == (3, 9, 2)
    assert (data["void"], data["dead"], data["core"]) == (False, [], [])
    assert data["registry"] == str((demo.parent / "registry").resolve())


def test_sync_dry_run_json(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-qwen"\nmetrics = ["metric-accuracy"]\n')
    data = _json(hpm("sync", "--dry-run", "--json", cwd=demo))
    assert set(data) == {
        "choices",
        "write_back",
        "reasons",
        "dropped",
        "remove",
        "add",
        "add_editable",
        "unchanged",
        "kept",
        "released",
        "environment",
        "uninstall",
        "commands",
        "indexes",
        "routes",
        "command_lines",
    }
    assert data["indexes"] == {"add": [], "remove": []} and data["routes"] == {}
    assert data["add"] == [
        "vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen",
        "metric-accuracy @ ../registry/pkgs/metric-accuracy",
    ] or sorted(data["add"]) == sorted(
        [
            "vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen",
            "metric-accuracy @ ../registry/pkgs/metric-accuracy",
        ]
    )
    assert (data["remove"], data["write_back"]) == ([], {})
    add = next(argv for argv in data["commands"] if "add" in argv)
    assert set(data["add"]) <= set(add)
    assert not (demo / "uv.lock").exists()


def test_sync_json_without_dry_run_is_a_usage_error(demo: Path, hpm: RunHpm) -> None:
    done = hpm("sync", "--json", cwd=demo)
    assert done.returncode == 2
    assert_clean(done)
    assert "--dry-run" in done.stderr + done.stdout


def test_sync_conflict_changes_nothing(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    before = tree_bytes(demo, skip=(".hpm",))
    done = hpm("sync", cwd=demo)
    assert done.returncode == 1
    assert_clean(done)
    assert "rules.yaml" in done.stderr
    assert tree_bytes(demo, skip=(".hpm",)) == before
    assert not (demo / ".venv").exists()


def test_removing_the_last_option_leaves_a_syncable_manifest(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency", "metric-bleu"]\n')
    assert hpm("group", "remove", "metrics", "-o", "bleu", cwd=demo).returncode == 0
    set_groups_text = (demo / "pyproject.toml").read_text()
    assert 'metrics = ["metric-latency"]' in set_groups_text
    (demo / "pyproject.toml").write_text(
        set_groups_text.replace('inference = "vllm-backend"\n', 'inference = "vlm-adapter-qwen"\n')
    )
    done = hpm("group", "remove", "metrics", "-o", "latency", cwd=demo)
    assert done.returncode == 0, done.stderr
    check = hpm("check", cwd=demo)
    assert check.returncode == 0 or "--auto" in done.stdout, (done.stdout, check.stderr)


def test_project_option_naming_a_file(demo: Path, hpm: RunHpm) -> None:
    # The project's own pyproject.toml names the project (like `uv --project`).
    same = hpm("--project", "pyproject.toml", "check", cwd=demo)
    assert same.returncode == hpm("--project", ".", "check", cwd=demo).returncode
    assert same.stdout == hpm("check", cwd=demo).stdout
    (demo / "notes.txt").write_text("not a project\n")
    done = hpm("--project", "notes.txt", "check", cwd=demo)
    assert done.returncode == 2
    assert "is a file, not a directory" in done.stderr
    assert "does not exist" not in done.stderr
