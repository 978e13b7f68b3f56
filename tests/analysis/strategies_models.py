"""Hypothesis strategies for small random Models (a handful of options, a few rules)."""

from __future__ import annotations

from hypothesis import strategies as st

from solver.model import Group, Model, Rule, RuleKind, Strategy


@st.composite
def models(draw: st.DrawFn, max_groups: int = 4, max_options: int = 3) -> Model:
    """A random, well-formed Model of at most ``max_groups * max_options`` options."""
    groups = []
    n = 0
    for gi in range(draw(st.integers(1, max_groups))):
        size = draw(st.integers(1, max_options))
        options = tuple(f"o{n + i}" for i in range(size))
        n += size
        if draw(st.booleans()):
            default = draw(st.sampled_from([(), *((o,) for o in options)]))
            groups.append(Group(f"g{gi}", Strategy.ONE, options, default=default))
        else:
            low = draw(st.integers(0, size))
            high = draw(st.one_of(st.none(), st.integers(low, size)))
            groups.append(Group(f"g{gi}", Strategy.MANY, options, min=low, max=high))
    terms = [o for g in groups for o in g.options] + [g.name for g in groups]
    rules = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(RuleKind))
        when = tuple(draw(st.lists(st.sampled_from(terms), max_size=2, unique=True)))
        targets = tuple(draw(st.lists(st.sampled_from(terms), min_size=1, max_size=3, unique=True)))
        rules.append(Rule(kind, when, targets))
    return Model(tuple(groups), tuple(rules))
