"""`hpm registry check` names rules that never apply and (--redundant) rules already implied."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, run_hpm
from helpers.projects import EXAMPLE_REGISTRY

EXTRA_RULES = """\
- when: [vllm-backend]
  requires: [{any: [metric-latency, metric-bleu]}]
- when: [vlm-adapter-deepseek, metric-bleu]
  requires: [metric-accuracy]
"""


def _registry(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE_REGISTRY, root)
    with (root / "rules.yaml").open("a") as rules:
        rules.write(EXTRA_RULES)
    return root


def test_rules_that_never_apply_and_redundant_rules(tmp_path: Path, hpm: RunHpm) -> None:
    root = _registry(tmp_path)
    done = hpm("registry", "check", "--registry", str(root), "--redundant", cwd=tmp_path)
    assert_clean(done)
    assert done.returncode == 0  # warnings, not errors
    assert (
        "warning: rule never applies: vlm-adapter-deepseek and metric-bleu requires "
        "metric-accuracy  (rules.yaml:11: rules[3].requires[0])"
    ) in done.stdout
    assert (
        "warning: rule is redundant (the other rules imply it): vllm-backend requires one of "
        "metric-latency, metric-bleu  (rules.yaml:9: rules[2].requires[0])"
    ) in done.stdout


def test_redundancy_is_opt_in_and_json_lists_findings(tmp_path: Path, hpm: RunHpm) -> None:
    root = _registry(tmp_path)
    plain = json.loads(
        hpm("registry", "check", "--registry", str(root), "--json", cwd=tmp_path).stdout
    )
    assert [r["key"] for r in plain["never_applies"]] == ["rules[3].requires[0]"]
    assert plain["redundant"] == []
    full = hpm("registry", "check", "--registry", str(root), "--json", "--redundant", cwd=tmp_path)
    assert [r["key"] for r in json.loads(full.stdout)["redundant"]] == ["rules[2].requires[0]"]


def test_the_example_registry_has_no_rule_findings(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm(
        "registry", "check", "--registry", str(EXAMPLE_REGISTRY), "--redundant", cwd=tmp_path
    )
    assert done.returncode == 0 and "warning" not in done.stdout


def _dead_bleu_registry(tmp_path: Path) -> Path:
    """The example registry where metric-bleu is dead: metrics takes at least 2 options and
    metric-bleu conflicts with both others."""
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE_REGISTRY, root)
    metrics = root / "groups" / "metrics.yaml"
    metrics.write_text(
        metrics.read_text().replace('strategy: "M-of-N"', 'min: 2\nstrategy: "M-of-N"')
    )
    with (root / "rules.yaml").open("a") as rules:
        rules.write("- when: [metric-bleu]\n  conflicts: [metric-accuracy, metric-latency]\n")
    return root


def test_a_dead_option_is_explained_by_genuine_elements_only(tmp_path: Path, hpm: RunHpm) -> None:
    """Issue 12, point 4: no "listed without a choice" in registry check (there is no
    manifest), and the group's min is printed as its own line, so the lines alone conflict."""
    root = _dead_bleu_registry(tmp_path)
    done = hpm("registry", "check", "--registry", str(root), cwd=tmp_path)
    assert_clean(done)
    lines = done.stdout.splitlines()
    start = lines.index("  why `metric-bleu` is dead:")
    assert [line.split("  (")[0].strip() for line in lines[start + 2 : start + 6]] == [
        "metrics = metric-bleu",
        "metrics takes between 2 and 3 options when active",
        "metric-bleu conflicts with metric-accuracy",
        "metric-bleu conflicts with metric-latency",
    ]
    assert "listed" not in done.stdout


def test_answers_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """The explanation (and a focused graph) are the same bytes whatever PYTHONHASHSEED is:
    seed 2 once printed the two "metric-bleu conflicts with" lines the other way round."""
    root = _dead_bleu_registry(tmp_path)
    outputs = []
    for seed in ("0", "2"):
        env = {"PYTHONHASHSEED": seed}
        check = run_hpm("registry", "check", "--registry", str(root), cwd=tmp_path, env=env)
        graph = run_hpm(
            "graph", "--registry", str(root), "--group", "accelerator", cwd=tmp_path, env=env
        )
        assert_clean(check)
        assert_clean(graph)
        assert "why `metric-bleu` is dead" in check.stdout and "index" in graph.stdout
        outputs.append((check.stdout, check.stderr, graph.stdout, graph.stderr))
    assert outputs[0] == outputs[1]


def test_rule_findings_found_in_a_child_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a large registry the rule findings are found by a forked child beside the
    explanations (hpm.forked); the report is the one a single process makes, the child is
    reaped, and a child that fails leaves the work to this process."""
    from hpm.cli.commands import registry as command
    from hpm.forked import Forked
    from hpm.registry import load_registry

    loaded = load_registry(_registry(tmp_path))
    alone = command.registry_check(loaded, redundant=True)
    assert alone.rules is not None and alone.rules.never_applies and alone.rules.redundant
    monkeypatch.setattr(command, "FORK_FROM_RULES", 0)
    started: list[int] = []
    real_start = command._findings_child

    def counted(find: Callable[[], object]) -> Forked | None:
        child = real_start(find)
        assert child is not None
        started.append(child.pid)
        return child

    monkeypatch.setattr(command, "_findings_child", counted)
    assert command.registry_check(loaded, redundant=True) == alone
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(started[0], os.WNOHANG)

    def fails(_find: Callable[[], object]) -> Forked | None:
        def work() -> bytes:
            raise RuntimeError("the child fails")

        return Forked.start(work)

    monkeypatch.setattr(command, "_findings_child", fails)
    assert command.registry_check(loaded, redundant=True) == alone
