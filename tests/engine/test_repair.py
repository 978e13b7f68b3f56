"""solver.repair: a switch that succeeds reaches a valid configuration; one that fails changes
nothing (checked against the brute-force reading of validity)."""

from __future__ import annotations

from helpers.brute_force import configurations, is_valid, term_holds
from helpers.models import models
from hypothesis import given

from solver import Group, Model, Rule, RuleKind, Strategy
from solver.repair import Repair


def _switched(model: Model, config: frozenset[str], option: str) -> frozenset[str] | None:
    var = {o: i for i, o in enumerate(model.options, start=1)}
    repair = Repair(model, var)
    repair.reset(var[o] for o in config)
    before = bytes(repair.value)
    moved = repair.switch(var[option])
    after = frozenset(o for o in model.options if repair.value[var[o]])
    if moved is None:
        assert bytes(repair.value) == before
        return None
    assert moved[0] == var[option]
    assert {var[o] for o in after ^ config} == set(moved)
    return after


@given(models())
def test_a_switch_reaches_a_valid_configuration_or_changes_nothing(model: Model) -> None:
    for config in configurations(model)[:12]:
        for option in model.options:
            after = _switched(model, config, option)
            if after is not None:
                assert is_valid(model, after)
                assert (option in after) != (option in config)


def test_a_switch_repairs_what_it_breaks() -> None:
    """Selecting b takes a's slot and needs c: a is dropped, c selected."""
    model = Model(
        (
            Group("g", Strategy.ONE, ("a", "b")),
            Group("h", Strategy.MANY, ("c", "d"), min=0),
        ),
        (Rule(RuleKind.REQUIRES, ("b",), ("c",)), Rule(RuleKind.CONFLICTS, ("c",), ("d",))),
    )
    assert _switched(model, frozenset({"a", "d"}), "b") == {"b", "c"}


def test_a_switch_that_cannot_be_repaired_fails() -> None:
    """b requires c, which a rule with no condition forbids: no valid configuration has b."""
    model = Model(
        (Group("g", Strategy.ONE, ("a", "b")), Group("h", Strategy.MANY, ("c",))),
        (Rule(RuleKind.REQUIRES, ("b",), ("c",)), Rule(RuleKind.CONFLICTS, (), ("c",))),
    )
    assert _switched(model, frozenset({"a"}), "b") is None


@given(models())
def test_a_rule_found_to_apply_alone_does_by_brute_force(model: Model) -> None:
    """applies_alone(i): some configuration valid without rule i alone has i's condition."""
    configs = configurations(model)
    if not configs:
        return
    var = {o: i for i, o in enumerate(model.options, start=1)}
    repair = Repair(model, var)
    repair.reset(var[o] for o in configs[0])
    before = bytes(repair.value)
    for index, rule in enumerate(model.rules):
        if repair.applies_alone(index):
            without = Model(model.groups, model.rules[:index] + model.rules[index + 1 :])
            assert any(
                all(term_holds(model, t, c) for t in rule.when) for c in configurations(without)
            )
        assert bytes(repair.value) == before
