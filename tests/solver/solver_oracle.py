"""A brute-force reading of the solver's semantics, written independently of solver/.

It enumerates every subset of the model's options (models here are tiny) and evaluates the
rules, group strategies and selection states directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product

from solver import Choice, GroupLimit
from solver.model import Group, Model, Rule, RuleKind, Selection, Strategy


def subsets(items: Sequence[str]) -> Iterator[frozenset[str]]:
    for bits in product((False, True), repeat=len(items)):
        yield frozenset(o for o, b in zip(items, bits, strict=True) if b)


def every_config(model: Model) -> Iterator[frozenset[str]]:
    yield from subsets(model.options)


def term_holds(model: Model, term: str, config: frozenset[str]) -> bool:
    if model.is_group(term):
        return any(o in config for o in model.group(term).options)
    return term in config


def rule_holds(model: Model, rule: Rule, config: frozenset[str]) -> bool:
    if not all(term_holds(model, t, config) for t in rule.when):
        return True
    hit = any(term_holds(model, t, config) for t in rule.targets)
    return hit if rule.kind is RuleKind.REQUIRES else not hit


def limit_holds(group: Group, config: frozenset[str]) -> bool:
    n = sum(1 for o in group.options if o in config)
    if group.strategy is Strategy.ONE:
        return n <= 1
    upper = len(group.options) if group.max is None else group.max
    return n == 0 or group.min <= n <= upper


def choice_holds(model: Model, choice: Choice, config: frozenset[str]) -> bool:
    group = model.group(choice.group)
    if choice.kind == "chosen":
        return choice.option in config
    if choice.kind == "only":
        return choice.option not in config
    n = sum(1 for o in group.options if o in config)
    return n >= (1 if group.strategy is Strategy.ONE else max(group.min, 1))


def element_holds(model: Model, element: object, config: frozenset[str]) -> bool:
    if isinstance(element, Choice):
        return choice_holds(model, element, config)
    if isinstance(element, GroupLimit):
        return limit_holds(model.group(element.group), config)
    assert isinstance(element, Rule)
    return rule_holds(model, element, config)


def user_choices(model: Model, selection: Selection) -> list[Choice]:
    """The user's side of the problem, element by element (completion mode)."""
    out: list[Choice] = []
    for group in model.groups:
        state = selection.state(group.name)
        if state == "open":
            if group.strategy is Strategy.ONE or group.min >= 1:
                out.append(Choice(group.name, None, "open"))
        elif state == "chosen":
            chosen = selection.choices[group.name] or ()
            for o in group.options:
                if o in chosen:
                    out.append(Choice(group.name, o, "chosen"))
                elif group.strategy is Strategy.MANY:
                    out.append(Choice(group.name, o, "only"))
    return out


def all_elements(model: Model, selection: Selection, extra: Sequence[Choice] = ()) -> list:
    limits = [GroupLimit(g.name, "", g.origin) for g in model.groups]
    return [*user_choices(model, selection), *extra, *limits, *model.rules]


def consistent(model: Model, elements: Sequence[object]) -> bool:
    return any(all(element_holds(model, e, c) for e in elements) for c in every_config(model))


def valid_configs(model: Model, selection: Selection, extra: Sequence[Choice] = ()) -> list:
    elements = all_elements(model, selection, extra)
    return [c for c in every_config(model) if all(element_holds(model, e, c) for e in elements)]


def preference_key(model: Model, selection: Selection, config: frozenset[str]) -> tuple:
    """Lower is better: fewest activated absent groups, then defaults, then registry order."""
    key: list[int] = []
    for group in model.groups:
        if selection.state(group.name) == "absent":
            key.append(1 if any(o in config for o in group.options) else 0)
    for group in model.groups:
        if selection.state(group.name) == "chosen":
            continue
        if group.strategy is Strategy.ONE:
            order = [*group.default, *(o for o in group.options if o not in group.default)]
            picked = [o for o in group.options if o in config]
            key.append(order.index(picked[0]) if picked else -1)
        else:
            key.extend(0 if o in config else 1 for o in group.default)
            others = [o for o in group.options if o not in group.default]
            key.extend(1 if o in config else 0 for o in reversed(others))
    return tuple(key)


def best_completion(model: Model, selection: Selection) -> frozenset[str] | None:
    configs = valid_configs(model, selection)
    if not configs:
        return None
    return min(configs, key=lambda c: preference_key(model, selection, c))


def as_written_valid(model: Model, selection: Selection) -> bool:
    if any(v is None for v in selection.choices.values()):
        return False
    config = frozenset(selection.chosen_options)
    return all(element_holds(model, e, config) for e in all_elements(model, selection))


def components(model: Model, elements: Sequence[object]) -> list[set[int]]:
    """Indices of elements grouped by the options they mention (groups mention all theirs).

    Group limits that every configuration satisfies are left out: they constrain nothing.
    """

    def mentions(e: object) -> set[str]:
        names: list[str] = []
        if isinstance(e, Choice):
            names = [e.option] if e.option else list(model.group(e.group).options)
        elif isinstance(e, GroupLimit):
            names = list(model.group(e.group).options)
        else:
            for t in (*e.when, *e.targets):  # type: ignore[union-attr]
                names.extend(model.group(t).options if model.is_group(t) else [t])
        return set(names)

    def always(e: object) -> bool:
        return isinstance(e, GroupLimit) and all(
            limit_holds(model.group(e.group), c) for c in subsets(model.group(e.group).options)
        )

    parts: list[tuple[set[str], set[int]]] = []
    for i, e in enumerate(elements):
        if always(e):
            continue  # holds in every configuration: links nothing
        opts, idx = mentions(e), {i}
        for part in [p for p in parts if p[0] & opts or (not opts and not p[0])]:
            parts.remove(part)
            opts |= part[0]
            idx |= part[1]
        parts.append((opts, idx))
    return [idx for _, idx in parts]
