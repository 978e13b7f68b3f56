"""Hypothesis strategies for small random models and selections (brute force can enumerate
them: at most ``max_groups * max_options`` options)."""

from __future__ import annotations

from hypothesis import strategies as st

from solver import Group, Model, Origin, Rule, RuleKind, Selection, Strategy


@st.composite
def models(
    draw: st.DrawFn, max_groups: int = 4, max_options: int = 4, max_total: int = 10
) -> Model:
    """A random, well-formed model: groups of both strategies, defaults, bounds, and up to five
    rules over options and groups (a group term: "some option of it")."""
    sizes = draw(st.lists(st.integers(1, max_options), min_size=1, max_size=max_groups))
    while sum(sizes) > max_total:
        sizes[sizes.index(max(sizes))] -= 1
    groups = []
    for g, size in enumerate(sizes):
        options = tuple(f"o{g}{i}" for i in range(size))
        origin = Origin(f"groups/g{g}.yaml", "strategy")
        if draw(st.booleans()):
            default = draw(st.sampled_from(((), *((o,) for o in options))))
            groups.append(Group(f"g{g}", Strategy.ONE, options, default, origin=origin))
        else:
            default = tuple(o for o in options if draw(st.booleans()))
            low = draw(st.integers(0, size))
            high = draw(st.one_of(st.none(), st.integers(low, size)))
            groups.append(Group(f"g{g}", Strategy.MANY, options, default, low, high, origin))
    terms = [o for g in groups for o in g.options] + [g.name for g in groups]
    rules = []
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(RuleKind))
        when = tuple(draw(st.lists(st.sampled_from(terms), max_size=2, unique=True)))
        targets = tuple(draw(st.lists(st.sampled_from(terms), min_size=1, max_size=3, unique=True)))
        rules.append(Rule(kind, when, targets, Origin("rules.yaml", f"rules[{index}]")))
    return Model(tuple(groups), tuple(rules))


@st.composite
def selections(draw: st.DrawFn, model: Model) -> Selection:
    """Each group absent, open or chosen (any subset of an M-of-N group, one 1-of-N option)."""
    choices: dict[str, tuple[str, ...] | None] = {}
    for group in model.groups:
        state = draw(st.sampled_from(["absent", "open", "chosen"]))
        if state == "open":
            choices[group.name] = None
        elif state == "chosen" and group.strategy is Strategy.ONE:
            choices[group.name] = (draw(st.sampled_from(group.options)),)
        elif state == "chosen":
            choices[group.name] = tuple(o for o in group.options if draw(st.booleans()))
    return Selection(choices)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Model, Selection]:
    model = draw(models())
    return model, draw(selections(model))


@st.composite
def templated_models(draw: st.DrawFn) -> Model:
    """A random model plus the same rule written for several options of one group (``o``
    stands for each of them), as feature models write "each leaf requires its parent": options
    that the rules name alike, and sometimes a rule naming two of them."""
    model = draw(models(max_total=9))
    group = draw(st.sampled_from(model.groups))
    members = draw(st.lists(st.sampled_from(group.options), min_size=1, unique=True))
    terms = [o for o in model.options if o not in members] + [g.name for g in model.groups]
    extra = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(RuleKind))
        other = st.lists(st.sampled_from(terms), max_size=1)
        own_first = draw(st.booleans())
        when, targets = draw(other), draw(other)
        for member in members:
            pair = ((member, *when), tuple(targets)) if own_first else (tuple(when), (member,))
            if pair[1]:
                origin = Origin("rules.yaml", f"rules[{len(model.rules) + len(extra)}]")
                extra.append(Rule(kind, pair[0], pair[1], origin))
    return Model(model.groups, (*model.rules, *extra))
