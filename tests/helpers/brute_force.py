"""A brute-force reading of the engine's semantics, written independently of solver/'s code.

It enumerates every subset of a tiny model's options and evaluates group strategies, rules and
the selection's elements directly. What it states is what docs/engine.md states:

- a configuration is a set of selected options; a group is active when it selects one;
- an active 1-of-N group selects exactly one option, an active M-of-N group between ``min`` and
  ``max`` (inactive: none);
- a listed group is active (an open group selects at least ``max(min, 1)`` options); a chosen
  group selects exactly its chosen options; an absent group may be activated;
- the preferred completion: fewest absent groups active; then defaults kept (of active groups),
  lexicographically with groups in registry order; then, groups in registry order, the last
  option left out first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product

from solver import Choice, Element, GroupLimit, Model, Rule, RuleKind, Selection, Strategy
from solver.model import Group


def subsets(items: Sequence[str]) -> Iterator[frozenset[str]]:
    for bits in product((False, True), repeat=len(items)):
        yield frozenset(o for o, b in zip(items, bits, strict=True) if b)


def term_holds(model: Model, term: str, config: frozenset[str]) -> bool:
    """A term: an option is selected, or some option of a group is."""
    if model.is_group(term):
        return any(o in config for o in model.group(term).options)
    return term in config


def rule_holds(model: Model, rule: Rule, config: frozenset[str]) -> bool:
    if not all(term_holds(model, t, config) for t in rule.when):
        return True
    hit = any(term_holds(model, t, config) for t in rule.targets)
    return hit if rule.kind is RuleKind.REQUIRES else not hit


def strategy_holds(group: Group, config: frozenset[str]) -> bool:
    n = sum(1 for o in group.options if o in config)
    if n == 0:
        return True
    if group.strategy is Strategy.ONE:
        return n == 1
    upper = len(group.options) if group.max is None else group.max
    return group.min <= n <= upper


def is_valid(model: Model, config: frozenset[str]) -> bool:
    """Every group's strategy and every rule hold (no selection: every group is free)."""
    return all(strategy_holds(g, config) for g in model.groups) and all(
        rule_holds(model, r, config) for r in model.rules
    )


def configurations(model: Model) -> list[frozenset[str]]:
    """Every valid configuration of the registry."""
    return [c for c in subsets(model.options) if is_valid(model, c)]


def core_and_dead(model: Model) -> tuple[set[str], set[str], bool]:
    """(core, dead, void) by enumeration."""
    configs = configurations(model)
    if not configs:
        return set(), set(model.options), True
    core = set.intersection(*(set(c) for c in configs))
    dead = set(model.options) - set.union(*(set(c) for c in configs))
    return core, dead, False


# -- elements: the pieces a conflict is made of ----------------------------------------------


def limit_of(group: Group) -> GroupLimit | None:
    """The group's strategy as an element, when it forbids some number of options."""
    n = len(group.options)
    if group.strategy is Strategy.ONE:
        return GroupLimit(group.name, 1, 1, group.origin) if n > 1 else None
    upper = n if group.max is None else min(group.max, n)
    if group.min <= 1 and upper == n:
        return None
    return GroupLimit(group.name, group.min, upper, group.origin)


def element_holds(model: Model, element: Element, config: frozenset[str]) -> bool:
    if isinstance(element, Choice):
        if element.kind == "chosen":
            return element.option in config
        if element.kind == "only":
            return element.option not in config
        return term_holds(model, element.group, config)  # open: listed, so active
    if isinstance(element, GroupLimit):
        n = sum(1 for o in model.group(element.group).options if o in config)
        return n == 0 or element.lower <= n <= element.upper
    return rule_holds(model, element, config)


def user_choices(model: Model, selection: Selection) -> list[Choice]:
    """The user's side of the question, element by element."""
    out: list[Choice] = []
    for group in model.groups:
        state = selection.state(group.name)
        if state == "open":
            out.append(Choice(group.name, None, "open"))
        elif state == "chosen":
            chosen = selection.choices[group.name] or ()
            for o in group.options:
                if o in chosen:
                    out.append(Choice(group.name, o, "chosen"))
                elif group.strategy is Strategy.MANY:
                    out.append(Choice(group.name, o, "only"))
    return out


def all_elements(model: Model, selection: Selection, extra: Sequence[Choice] = ()) -> list[Element]:
    limits = [limit for limit in map(limit_of, model.groups) if limit is not None]
    return [*user_choices(model, selection), *extra, *limits, *model.rules]


def consistent(model: Model, elements: Sequence[Element]) -> bool:
    return any(all(element_holds(model, e, c) for e in elements) for c in subsets(model.options))


def valid_configs(
    model: Model, selection: Selection, extra: Sequence[Choice] = ()
) -> list[frozenset[str]]:
    """The configurations that satisfy the registry and the selection (and ``extra``)."""
    found = []
    for config in configurations(model):
        if all(term_holds(model, g, config) for g, v in selection.choices.items() if v is None):
            chosen = {g: set(v) for g, v in selection.choices.items() if v is not None}
            if all(
                {o for o in model.group(g).options if o in config} == want
                for g, want in chosen.items()
            ) and all(o.option in config for o in extra):
                found.append(config)
    return found


def preference_key(model: Model, selection: Selection, config: frozenset[str]) -> tuple:
    """Lower is better, criterion by criterion (docs/engine.md)."""
    free = [g for g in model.groups if selection.state(g.name) != "chosen"]
    activated = sum(
        1 for g in free if selection.state(g.name) == "absent" and term_holds(model, g.name, config)
    )
    defaults = [
        0 if (d in config or not term_holds(model, g.name, config)) else 1
        for g in free
        for d in g.default
    ]
    order = [1 if o in config else 0 for g in free for o in reversed(g.options)]
    return (activated, tuple(defaults), tuple(order))


def best_completion(model: Model, selection: Selection) -> frozenset[str] | None:
    configs = valid_configs(model, selection)
    if not configs:
        return None
    return min(configs, key=lambda c: preference_key(model, selection, c))


def as_written_valid(model: Model, selection: Selection) -> bool:
    if any(v is None for v in selection.choices.values()):
        return False
    config = frozenset(selection.chosen_options)
    return is_valid(model, config)


def components(model: Model, elements: Sequence[Element]) -> list[set[int]]:
    """Indices of elements grouped by the options they mention (groups mention all theirs)."""

    def mentions(e: Element) -> set[str]:
        if isinstance(e, Choice):
            return {e.option} if e.option else set(model.group(e.group).options)
        if isinstance(e, GroupLimit):
            return set(model.group(e.group).options)
        names: set[str] = set()
        for t in (*e.when, *e.targets):
            names.update(model.group(t).options if model.is_group(t) else [t])
        return names

    parts: list[tuple[set[str], set[int]]] = []
    for i, e in enumerate(elements):
        opts, idx = mentions(e), {i}
        for part in [p for p in parts if p[0] & opts or (not opts and not p[0])]:
            parts.remove(part)
            opts |= part[0]
            idx |= part[1]
        parts.append((opts, idx))
    return [idx for _, idx in parts]
