"""The engine agrees with brute force on thousands of small random models."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solver_oracle import (
    all_elements,
    as_written_valid,
    best_completion,
    components,
    consistent,
    valid_configs,
)

from solver import Choice, Conflict, check, complete, feasible, is_forced, is_selectable
from solver.model import Group, Model, Origin, Rule, RuleKind, Selection, Strategy

SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def models(draw: st.DrawFn) -> Model:
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    while sum(sizes) > 10:
        sizes[sizes.index(max(sizes))] -= 1
    groups = []
    for g, size in enumerate(sizes):
        options = tuple(f"o{g}{i}" for i in range(size))
        if draw(st.booleans()):
            default = draw(st.sampled_from(((), *((o,) for o in options))))
            groups.append(Group(f"g{g}", Strategy.ONE, options, default, origin=Origin("g", "")))
        else:
            default = tuple(o for o in options if draw(st.booleans()))
            low = draw(st.integers(0, size))
            high = draw(st.one_of(st.none(), st.integers(low, size)))
            groups.append(
                Group(f"g{g}", Strategy.MANY, options, default, low, high, Origin("g", ""))
            )
    terms = [o for g in groups for o in g.options] + [g.name for g in groups]
    rules = []
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(RuleKind))
        when = tuple(draw(st.lists(st.sampled_from(terms), max_size=2, unique=True)))
        targets = tuple(draw(st.lists(st.sampled_from(terms), min_size=1, max_size=3, unique=True)))
        rules.append(Rule(kind, when, targets, Origin("rules.yaml", f"rules[{index}]")))
    return Model(tuple(groups), tuple(rules))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Model, Selection]:
    model = draw(models())
    choices: dict[str, tuple[str, ...] | None] = {}
    for group in model.groups:
        state = draw(st.sampled_from(["absent", "open", "chosen"]))
        if state == "open":
            choices[group.name] = None
        elif state == "chosen" and group.strategy is Strategy.ONE:
            choices[group.name] = (draw(st.sampled_from(group.options)),)
        elif state == "chosen":
            choices[group.name] = tuple(o for o in group.options if draw(st.booleans()))
    return model, Selection(choices)


def assert_minimal_conflict(
    model: Model, selection: Selection, conflict: Conflict, pinned: Choice | None = None
) -> None:
    elements = list(conflict.elements)
    assert not consistent(model, elements), "a conflict must be inconsistent"
    for i in range(len(elements)):
        assert consistent(model, elements[:i] + elements[i + 1 :]), "and minimal"
    problem = all_elements(model, selection, [pinned] if pinned else [])
    for e in elements:
        assert e in problem or e.__class__.__name__ == "GroupLimit"
    assert [s.element for s in conflict.chain] and len(conflict.chain) == len(elements)
    assert {s.element for s in conflict.chain} == set(elements)
    # fixes: user choices (never the pinned one); dropping one restores the conflict's part
    mentioned = problem
    part_of = next(
        p for p in components(model, mentioned) if any(mentioned[i] in elements for i in p)
    )
    part = [mentioned[i] for i in part_of]
    for fix in conflict.fixes:
        assert pinned not in fix
        assert set(fix) & set(conflict.choices), "a fix must break this conflict"
        assert consistent(model, [e for e in part if e not in fix])
        for kept in fix:
            assert not consistent(model, [e for e in part if e not in fix or e == kept])


@SETTINGS
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


@SETTINGS
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


@SETTINGS
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
        elif current is None:
            choices[group.name] = None
            extra = [Choice(group.name, option, "chosen")]
        else:
            choices[group.name] = tuple(o for o in group.options if o in current or o == option)
        trial = Selection(choices)
        possible = bool(valid_configs(model, trial, extra))
        assert (conflict is None) == possible
        if conflict is not None:
            assert_minimal_conflict(model, trial, conflict, Choice(group.name, option, "chosen"))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(models(), st.data())
def test_analysis_helpers(model: Model, data: st.DataObject) -> None:
    option = data.draw(st.sampled_from(model.options))
    empty = Selection()
    configs = valid_configs(model, empty)
    assert is_selectable(model, option) == any(option in c for c in configs)
    assert is_forced(model, option) == (bool(configs) and all(option in c for c in configs))
