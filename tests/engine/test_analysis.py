"""Registry analysis (core, dead, void, dead groups and defaults) agrees with brute force."""

from __future__ import annotations

from helpers.brute_force import configurations, core_and_dead
from helpers.models import models, templated_models
from hypothesis import given

from solver import Group, Model, Rule, RuleKind, Strategy, analyse
from solver import analysis as analysis_module
from solver.cnf import Oracle
from solver.problem import limits


@given(models())
def test_analysis_matches_brute_force(model: Model) -> None:
    core, dead, void = core_and_dead(model)
    analysis = analyse(model)
    assert analysis.void == void
    assert set(analysis.dead) == dead
    assert set(analysis.core) == core  # brute force: no core when void
    assert set(analysis.dead_groups) == {g.name for g in model.groups if set(g.options) <= dead}
    assert set(analysis.dead_defaults) == {
        (g.name, d) for g in model.groups for d in g.default if d in dead
    }


@given(models())
def test_analysis_with_every_solution_repaired_matches_brute_force(model: Model) -> None:
    """The solutions extended by hand (solver.repair) on every call, not only when stuck."""
    core, dead, void = core_and_dead(model)
    streak, many = analysis_module.STREAK, analysis_module.MANY
    analysis_module.STREAK = analysis_module.MANY = 0
    try:
        analysis = analyse(model)
    finally:
        analysis_module.STREAK, analysis_module.MANY = streak, many
    assert (set(analysis.core), set(analysis.dead), analysis.void) == (core, dead, void)


@given(templated_models())
def test_analysis_of_options_named_alike_matches_brute_force(model: Model) -> None:
    """Options that the rules name alike are settled together (see solver.analysis)."""
    core, dead, void = core_and_dead(model)
    analysis = analyse(model)
    assert (set(analysis.core), set(analysis.dead), analysis.void) == (core, dead, void)


@given(models(max_groups=3, max_options=3))
def test_cnf_has_exactly_the_brute_force_configurations(model: Model) -> None:
    """Projected on the option variables, the oracle's CNF of the registry (group limits and
    rules) has exactly the valid configurations: enumerate them with blocking clauses."""
    got = set()
    with Oracle(model) as oracle:
        oracle.require([*limits(model), *model.rules])
        while oracle.solve():
            found = oracle.selected()
            got.add(found)
            oracle.add([-oracle.var(o) if o in found else oracle.var(o) for o in model.options])
    assert got == set(configurations(model))


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
