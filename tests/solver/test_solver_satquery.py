"""The SAT oracle (solver.satquery) agrees with python-constraint and with brute force.

Element by element, on random small models: the same subsets of a selection's elements are
consistent or not for the CDCL backend, for the CSP network that python-constraint searches,
and for the brute-force reading of the semantics; an unsat core is itself inconsistent. The
completion also stays the preferred one when the SAT oracle gives its first solution (as it
does for a large tangled part).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solver_oracle import best_completion, consistent
from test_solver_property import cases

import solver.engine
from solver import complete
from solver.csp import Network, solve
from solver.encode import Item, encode
from solver.model import Model, Selection
from solver.satquery import SatOracle

SETTINGS = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def csp_consistent(enc_domains: dict, items: list[Item]) -> bool:
    domains = {v: enc_domains[v] for item in items for v in item.vars}
    network = Network(domains, [(item.vars, item.test, item.at_most) for item in items])
    return solve(network) is not None


@SETTINGS
@given(cases(), st.data())
def test_sat_and_python_constraint_agree_on_element_subsets(
    case: tuple[Model, Selection], data: st.DataObject
) -> None:
    model, selection = case
    enc = encode(model, selection, relaxed=True)
    with SatOracle(model) as sat:
        selectors = [sat.selector(item.element) for item in enc.items]
        for _ in range(4):
            mask = [data.draw(st.booleans()) for _ in enc.items]
            subset = [item for item, keep in zip(enc.items, mask, strict=True) if keep]
            chosen = [s for s, keep in zip(selectors, mask, strict=True) if keep]
            elements = [item.element for item in subset]
            expected = consistent(model, elements)
            assert csp_consistent(enc.domains, subset) == expected
            assert sat.consistent(chosen) == expected
            if expected:
                assert all(sat.holds(e) for e in elements), "the assignment kept satisfies them"
            else:
                core = {sat.element(s) for s in sat.core()}
                assert core <= set(elements)
                assert not consistent(model, list(core)), "a core is inconsistent"


@contextmanager
def sat_from_the_start() -> Iterator[None]:
    """Every part counts as large: python-constraint never searches, SAT gives the witness."""
    saved = solver.engine.SMALL_PART
    solver.engine.SMALL_PART = 0
    try:
        yield
    finally:
        solver.engine.SMALL_PART = saved


@SETTINGS
@given(cases())
def test_completion_from_a_sat_witness_is_the_preferred_one(case: tuple[Model, Selection]) -> None:
    model, selection = case
    with sat_from_the_start():
        result = complete(model, selection)
    best = best_completion(model, selection)
    assert (best is None) == (result.conflict is not None)
    if best is not None:
        got = {o for opts in result.selection.choices.values() for o in opts or ()}
        chosen = set(selection.chosen_options)
        free = {o for g in model.groups if selection.state(g.name) != "chosen" for o in g.options}
        assert got & free == set(best) & free
        assert got - free == chosen
