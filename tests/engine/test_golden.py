"""The exact wording of the main conflict messages (golden files under tests/golden/).

Regenerate after an intended wording change with ``HPM_UPDATE_GOLDEN=1 pytest tests/engine``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hpm.cli.commands.explain import ExplainReport
from hpm.explain_text import conflict_to_json, render_conflict
from hpm.views import explain_json, explain_text
from solver import Group, Model, Origin, Rule, RuleKind, Selection, Strategy, check, feasible

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

SEED = Model(
    groups=(
        Group(
            "inference",
            Strategy.ONE,
            ("vlm-adapter-qwen", "vlm-adapter-deepseek", "vllm-backend"),
            origin=Origin("groups/inference.yaml", "strategy", 3),
        ),
        Group(
            "metrics",
            Strategy.MANY,
            ("metric-accuracy", "metric-latency", "metric-bleu"),
            default=("metric-accuracy", "metric-latency"),
            origin=Origin("groups/metrics.yaml", "strategy", 3),
        ),
    ),
    rules=(
        Rule(
            RuleKind.REQUIRES,
            ("vllm-backend",),
            ("metric-latency",),
            Origin("groups/inference.yaml", "options[2].requires[0]", 9),
        ),
        Rule(
            RuleKind.CONFLICTS,
            ("metric-bleu",),
            ("metric-latency",),
            Origin("rules.yaml", "rules[0].conflicts[0]", 3),
            message="BLEU and latency probes share a hook",
        ),
    ),
)


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("HPM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


CHECK = Selection({"inference": ("vllm-backend",), "metrics": ("metric-accuracy", "metric-bleu")})
EXPLAIN = Selection({"inference": ("vllm-backend",), "metrics": None})


def test_check_conflict_text() -> None:
    verdict = check(SEED, CHECK)
    assert verdict.status == "invalid" and verdict.conflict is not None
    compare("solver_check_conflict.txt", "\n".join(render_conflict(verdict.conflict)) + "\n")


def test_check_conflict_json() -> None:
    conflict = check(SEED, CHECK).conflict
    assert conflict is not None
    compare("solver_check_conflict.json", json.dumps(conflict_to_json(conflict), indent=2) + "\n")


def _report(group: str, option: str | None = None) -> ExplainReport:
    result = feasible(SEED, EXPLAIN, group)
    if option is not None:
        result = {option: result[option]}
    state = EXPLAIN.state(group)
    return ExplainReport(SEED.group(group), state, EXPLAIN.choices.get(group) or (), result, option)


@pytest.mark.parametrize("group", ["metrics", "inference"])
def test_explain_text(group: str) -> None:
    compare(f"solver_explain_{group}.txt", "\n".join(explain_text(_report(group))) + "\n")


def test_explain_one_option_text() -> None:
    text = "\n".join(explain_text(_report("metrics", "metric-bleu"))) + "\n"
    compare("solver_explain_metrics_bleu.txt", text)


def test_explain_json() -> None:
    data = explain_json(_report("metrics"))
    compare("solver_explain_metrics.json", json.dumps(data, indent=2) + "\n")
