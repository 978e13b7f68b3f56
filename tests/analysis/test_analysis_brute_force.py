"""The SAT encoding and the analysis agree with brute-force enumeration on random models."""

from __future__ import annotations

from brute_force import configurations, core_and_dead, is_valid
from hypothesis import given, settings
from strategies_models import models

from solver import sat
from solver.analysis import analyse
from solver.model import Group, Model, Rule, RuleKind, Strategy


@settings(max_examples=300, deadline=None)
@given(models())
def test_analysis_matches_brute_force(model: Model) -> None:
    core, dead, void = core_and_dead(model)
    analysis = analyse(model)
    assert analysis.void == void
    assert set(analysis.dead) == dead
    assert set(analysis.core) == (set() if void else core)
    dead_groups = {g.name for g in model.groups if set(g.options) <= dead}
    assert set(analysis.dead_groups) == dead_groups


@settings(max_examples=200, deadline=None)
@given(models())
def test_solutions_are_valid_and_queries_match_brute_force(model: Model) -> None:
    configs = list(configurations(model))
    found = sat.solve(model)
    assert (found is None) == (not configs)
    if found is not None:
        assert is_valid(model, found)
    for option in model.options:
        assert sat.is_selectable(model, option) == any(option in c for c in configs)
        forced = bool(configs) and all(option in c for c in configs)
        assert sat.is_forced(model, option) == forced
    first = model.options[0]
    pinned = sat.solve(model, {first: False})
    assert (pinned is None) == (not any(first not in c for c in configs))


@settings(max_examples=100, deadline=None)
@given(models(max_groups=3, max_options=3))
def test_cnf_counts_the_same_configurations(model: Model) -> None:
    """Projected on option variables, the CNF has exactly the brute-force configurations."""
    clauses, var = sat.to_cnf(model)
    expected = {frozenset(c) for c in configurations(model)}
    got = set()
    with sat.SatSession(model) as session:
        block = []
        while (found := session.solve()) is not None:
            got.add(frozenset(session.name(v) for v in found))
            block = [-v if v in found else v for v in var.values()]
            session.add_clause(block)
    assert got == expected
    assert all(abs(lit) > 0 for c in clauses for lit in c)


def test_void_registry_has_every_option_dead() -> None:
    model = Model(
        (Group("g", Strategy.ONE, ("a", "b"), default=("a",)),),
        (Rule(RuleKind.REQUIRES, (), ("a",)), Rule(RuleKind.CONFLICTS, (), ("a",))),
    )
    analysis = analyse(model)
    assert analysis.void
    assert analysis.dead == ("a", "b")
    assert analysis.core == ()
    assert analysis.dead_defaults == (("g", "a"),)


def test_group_term_in_when_means_some_option() -> None:
    model = Model(
        (
            Group("root", Strategy.ONE, ("r",)),
            Group("feat", Strategy.MANY, ("x", "y"), min=1),
            Group("other", Strategy.ONE, ("p", "q"), default=("q",)),
        ),
        (
            Rule(RuleKind.REQUIRES, (), ("r",)),
            Rule(RuleKind.REQUIRES, ("r",), ("feat",)),
            Rule(RuleKind.REQUIRES, ("feat",), ("p",)),
        ),
    )
    analysis = analyse(model)
    assert analysis.core == ("p", "r")
    assert analysis.dead == ("q",)
    assert analysis.dead_defaults == (("other", "q"),)
    assert analysis.dead_groups == ()
