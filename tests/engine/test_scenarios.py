"""Scenario files under tests/cases/solver/: a compact model, a selection, the expected answer.

Format (JSON): ``groups`` {name: {strategy, options, default?, min?, max?}}, ``rules`` [{when,
requires | conflicts, message?}] (a target may be ``{"any": [...]}``), ``selection`` {group:
option | [options] | null; ``[]`` is open, as in the manifest}, ``expect`` {check, open?,
needed?, completion?, conflict?, fixes?, feasible?: {group, option, conflict, fixes}}.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver import (
    Choice,
    Conflict,
    Group,
    GroupLimit,
    Model,
    Origin,
    Rule,
    RuleKind,
    Selection,
    Strategy,
    check,
    complete,
    feasible,
)

CASES = Path(__file__).resolve().parent.parent / "cases" / "solver"


def load_model(data: dict) -> Model:
    groups = []
    for name, spec in data["groups"].items():
        default = spec.get("default", ())
        default = (default,) if isinstance(default, str) else tuple(default)
        groups.append(
            Group(
                name,
                Strategy(spec["strategy"]),
                tuple(spec["options"]),
                default,
                spec.get("min", 0),
                spec.get("max"),
                Origin(f"groups/{name}.yaml", "strategy"),
            )
        )
    rules = []
    for index, spec in enumerate(data["rules"]):
        kind = RuleKind.REQUIRES if "requires" in spec else RuleKind.CONFLICTS
        for item in spec[kind.value]:
            targets = tuple(item["any"]) if isinstance(item, dict) else (item,)
            origin = Origin("rules.yaml", f"rules[{index}]")
            rules.append(Rule(kind, tuple(spec["when"]), targets, origin, spec.get("message", "")))
    return Model(tuple(groups), tuple(rules))


def load_selection(data: dict) -> Selection:
    return Selection(
        {g: None if not v else ((v,) if isinstance(v, str) else tuple(v)) for g, v in data.items()}
    )


@pytest.mark.parametrize("path", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_scenario(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    model, selection, expect = load_model(data), load_selection(data["selection"]), data["expect"]
    verdict = check(model, selection)
    assert verdict.status == expect["check"]
    if "open" in expect:
        assert list(verdict.open_groups) == expect["open"]
    if "needed" in expect:
        assert list(verdict.needed_groups) == expect["needed"]
    if "completion" in expect:
        result = complete(model, selection)
        assert result.ok
        assert {g: list(v or ()) for g, v in result.selection.choices.items()} == expect[
            "completion"
        ]
    if "conflict" in expect:
        assert verdict.conflict is not None
        assert_conflict(model, verdict.conflict, expect["conflict"], expect["fixes"])
        assert complete(model, selection).conflict == verdict.conflict
    if "feasible" in expect:
        want = expect["feasible"]
        conflict = feasible(model, selection, want["group"])[want["option"]]
        assert conflict is not None
        assert_conflict(model, conflict, want["conflict"], want["fixes"])


def assert_conflict(model: Model, conflict: Conflict, want: dict, fixes: list) -> None:
    assert set(conflict.choices) == {Choice(*c) for c in want["choices"]}
    rules = [c for c in conflict.constraints if isinstance(c, Rule)]
    assert sorted(model.rules.index(r) for r in rules) == want["rules"]
    limits = [c.group for c in conflict.constraints if isinstance(c, GroupLimit)]
    assert sorted(limits) == want["limits"]
    assert [[[c.group, c.option, c.kind] for c in fix] for fix in conflict.fixes] == fixes
