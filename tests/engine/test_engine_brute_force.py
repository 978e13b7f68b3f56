"""The engine agrees with brute force (tests/helpers/brute_force.py) on random small models.

Each of the semantic points of docs/engine.md is a property here: the verdict; the preferred
completion (fewest absent groups activated, then defaults lexicographically by registry group
order, then registry order of options; an open group filled with at least ``max(min, 1)``
options); ``feasible``; and conflicts made of genuine elements only (the user's choices of
listed groups, the group limits that forbid something, the rules), unsatisfiable alone, minimal,
with fixes that make the conflict's whole connected part consistent.
"""

from __future__ import annotations

from helpers.brute_force import (
    all_elements,
    as_written_valid,
    best_completion,
    components,
    consistent,
    preference_key,
    valid_configs,
)
from helpers.models import cases
from hypothesis import given
from hypothesis import strategies as st

from solver import (
    Choice,
    Conflict,
    Model,
    Selection,
    Strategy,
    check,
    complete,
    feasible,
    why_not,
)


def assert_minimal_conflict(
    model: Model, selection: Selection, conflict: Conflict, pinned: Choice | None = None
) -> None:
    elements = list(conflict.elements)
    problem = all_elements(model, selection, [pinned] if pinned else [])
    assert all(e in problem for e in elements), "only genuine elements of the question"
    assert not consistent(model, elements), "the conflict as printed is unsatisfiable alone"
    for i in range(len(elements)):
        assert consistent(model, elements[:i] + elements[i + 1 :]), "and minimal"
    listed = set(selection.choices) | ({pinned.group} if pinned else set())
    assert all(c.group in listed for c in conflict.choices), "choices only of listed groups"
    if pinned is not None and selection.state(pinned.group) != "open":
        assert Choice(pinned.group, None, "open") not in elements, "an unlisted group is not open"
    assert len(conflict.chain) == len(elements)
    assert {s.element for s in conflict.chain} == set(elements)
    # fixes: user choices (never the pinned one); applying one makes the conflict's part
    # consistent, and each of its choices is needed for that
    part_of = next(p for p in components(model, problem) if any(problem[i] in elements for i in p))
    part = [problem[i] for i in part_of]
    for fix in conflict.fixes:
        assert pinned not in fix
        assert set(fix) & set(conflict.choices), "a fix must break this conflict"
        assert consistent(model, [e for e in part if e not in fix])
        for kept in fix:
            assert not consistent(model, [e for e in part if e not in fix or e == kept])


@given(cases())
def test_check_agrees_with_brute_force(case: tuple[Model, Selection]) -> None:
    model, selection = case
    verdict = check(model, selection)
    best = best_completion(model, selection)
    if as_written_valid(model, selection):
        assert verdict.status == "valid"
    elif best is not None:
        assert verdict.status == "incomplete"
        assert verdict.open_groups == tuple(
            g.name for g in model.groups if selection.state(g.name) == "open"
        )
        needed = tuple(
            g.name
            for g in model.groups
            if selection.state(g.name) == "absent" and set(g.options) & best
        )
        assert verdict.needed_groups == needed
    else:
        assert verdict.status == "invalid"
        assert verdict.conflict is not None
        assert_minimal_conflict(model, selection, verdict.conflict)


@given(cases())
def test_complete_is_the_preferred_completion(case: tuple[Model, Selection]) -> None:
    model, selection = case
    result = complete(model, selection)
    best = best_completion(model, selection)
    if best is None:
        assert result.conflict is not None
        assert_minimal_conflict(model, selection, result.conflict)
        return
    assert result.conflict is None
    got = result.selection.choices
    for group in model.groups:
        state = selection.state(group.name)
        picked = tuple(o for o in group.options if o in best)
        if state == "chosen":
            assert got[group.name] == selection.choices[group.name], "explicit choices stay"
        elif state == "open" or picked:
            assert got[group.name] == picked
        else:
            assert group.name not in got
    assert result.filled == tuple(g.name for g in model.groups if selection.state(g.name) == "open")


@given(cases())
def test_an_open_group_is_filled_with_at_least_max_min_1(case: tuple[Model, Selection]) -> None:
    """Semantic point 1: an open group is never completed with nothing."""
    model, selection = case
    result = complete(model, selection)
    if result.ok:
        for name in result.filled:
            group = model.group(name)
            picked = result.selection.choices[name] or ()
            assert len(picked) >= (1 if group.strategy is Strategy.ONE else max(group.min, 1))
            assert check(model, result.selection).status == "valid"


@given(cases())
def test_fewest_absent_groups_activated(case: tuple[Model, Selection]) -> None:
    """Semantic point 3: no completion activates fewer absent groups."""
    model, selection = case
    result = complete(model, selection)
    configs = valid_configs(model, selection)
    if result.ok:
        fewest = min(preference_key(model, selection, c)[0] for c in configs)
        assert len(result.added) == fewest


@given(cases())
def test_defaults_are_kept_lexicographically_by_group(case: tuple[Model, Selection]) -> None:
    """Semantic point 5: among the completions with the fewest activations, the defaults kept
    are the lexicographically best, groups in registry order."""
    model, selection = case
    result = complete(model, selection)
    if not result.ok:
        return
    got = frozenset(o for opts in result.selection.choices.values() for o in opts or ())
    key = preference_key(model, selection, got)
    best = min(preference_key(model, selection, c)[:2] for c in valid_configs(model, selection))
    assert key[:2] == best


@given(cases(), st.integers(0, 3))
def test_feasible_agrees_with_brute_force(case: tuple[Model, Selection], which: int) -> None:
    model, selection = case
    group = model.groups[which % len(model.groups)]
    answer = feasible(model, selection, group.name)
    assert list(answer) == list(group.options)
    for option, conflict in answer.items():
        choices = dict(selection.choices)
        extra: list[Choice] = []
        current = choices.get(group.name)
        if group.strategy is Strategy.ONE:
            choices[group.name] = (option,)
        elif selection.state(group.name) == "chosen":
            choices[group.name] = tuple(
                o for o in group.options if o in (current or ()) or o == option
            )
        else:  # open stays open, absent stays unlisted: the option is pinned on its own
            extra = [Choice(group.name, option, "chosen")]
        trial = Selection(choices)
        possible = bool(valid_configs(model, trial, extra))
        assert (conflict is None) == possible
        if conflict is not None:
            assert_minimal_conflict(model, trial, conflict, Choice(group.name, option, "chosen"))
            # the same question for options known to be rejected, from one shared oracle
            again = why_not(model, selection, [option])[option]
            assert_minimal_conflict(model, trial, again, Choice(group.name, option, "chosen"))
