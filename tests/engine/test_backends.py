"""The two backends compile the same elements and agree with each other and with brute force.

Element by element, on random small models: the same subsets of a question's elements are
consistent or not for the SAT oracle (solver.cnf), for python-constraint (solver.csp) and for
the brute-force reading; ``solver.problem.holds`` is that reading's; an unsat core is itself
inconsistent. The completion stays the preferred one when the SAT oracle gives its first
witness (as it does for a large tangled part).
"""

from __future__ import annotations

from helpers.brute_force import best_completion, consistent, element_holds, subsets
from helpers.models import cases
from hypothesis import given
from hypothesis import strategies as st

from solver import Model, Selection, SolverLimits, complete
from solver.cnf import Oracle
from solver.csp import compile, solution
from solver.problem import elements, holds


@given(cases(), st.data())
def test_sat_and_python_constraint_agree_on_element_subsets(
    case: tuple[Model, Selection], data: st.DataObject
) -> None:
    model, selection = case
    question = elements(model, selection)
    with Oracle(model) as oracle:
        selectors = [oracle.selector(e) for e in question]
        element_of = dict(zip(selectors, question, strict=True))
        for _ in range(4):
            mask = [data.draw(st.booleans()) for _ in question]
            subset = [e for e, keep in zip(question, mask, strict=True) if keep]
            chosen = [s for s, keep in zip(selectors, mask, strict=True) if keep]
            expected = consistent(model, subset)
            assert (solution(compile(model, subset, {})) is not None) == expected
            assert oracle.solve(chosen) == expected
            if expected:
                found = oracle.selected()
                assert all(holds(model, e, found) for e in subset), "the assignment satisfies"
            else:
                core = {element_of[s] for s in oracle.core()}
                assert core <= set(subset)
                assert not consistent(model, [e for e in subset if e in core]), "a core is unsat"


@given(cases())
def test_holds_is_the_brute_force_reading(case: tuple[Model, Selection]) -> None:
    model, selection = case
    for config in subsets(model.options):
        for e in elements(model, selection):
            assert holds(model, e, config) == element_holds(model, e, config)


@given(cases())
def test_completion_from_a_sat_witness_is_the_preferred_one(case: tuple[Model, Selection]) -> None:
    model, selection = case
    result = complete(model, selection, SolverLimits(small_part=0))
    best = best_completion(model, selection)
    assert (best is None) == (result.conflict is not None)
    if best is not None:
        got = {o for opts in result.selection.choices.values() for o in opts or ()}
        assert got == set(best)
