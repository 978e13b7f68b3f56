"""A question to the engine, stated once: its elements, and what each of them means.

A model and a selection become a list of *elements* (:func:`elements`): the user's
:class:`Choice` objects, the groups' :class:`GroupLimit` objects and the model's rules, each
with its origin. A *configuration* is a set of selected options; :func:`holds` says whether one
element holds in it. Every backend compiles these elements (:mod:`solver.cnf` to clauses,
:mod:`solver.csp` to python-constraint) and a conflict is a subset of them, so that each
element of an explanation is something a person wrote (or a group's strategy), and the
elements printed are, alone, unsatisfiable.

Meaning, element by element:

- ``Choice(g, o, "chosen")``: ``o`` is selected; ``Choice(g, o, "only")``: ``o`` is not (an
  M-of-N group's chosen set is exact); ``Choice(g, None, "open")``: ``g`` is listed without a
  choice, so it is active: it selects at least one option;
- ``GroupLimit(g, lower, upper)``: ``g`` selects no option, or between ``lower`` and ``upper``;
- ``Rule``: when every ``when`` term holds, some target holds (``requires``) or none does
  (``conflicts``); a group term holds when some option of that group is selected.

A group the selection does not list (*absent*) contributes no choice: it may stay inactive or,
in completion, be activated when rules need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from solver.answers import Choice, Element, GroupLimit
from solver.model import Group, Model, Rule, RuleKind, Selection, Strategy


def group_limit(group: Group) -> GroupLimit | None:
    """The group's strategy as an element, or None when it constrains nothing."""
    n = len(group.options)
    lower = 1 if group.strategy is Strategy.ONE else group.lower
    upper = min(group.upper, n)
    if lower <= 1 and upper >= n:
        return None  # any number of options is allowed
    return GroupLimit(group.name, lower, upper, group.origin)


def group_choices(group: Group, chosen: tuple[str, ...] | None) -> list[Choice]:
    """The elements of one group's entry in a selection: open (None) or the chosen options.

    Raises ValueError for an option not of ``group`` or a 1-of-N group chosen with other than
    exactly one option.
    """
    if chosen is None:
        return [Choice(group.name, None, "open")]
    unknown = [o for o in chosen if o not in group.options]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not an option of group {group.name!r}")
    if group.strategy is Strategy.ONE and len(set(chosen)) != 1:
        raise ValueError(f"1-of-N group {group.name!r} must be chosen with exactly one option")
    if group.strategy is Strategy.ONE:
        return [Choice(group.name, chosen[0], "chosen")]
    return [Choice(group.name, o, "chosen" if o in chosen else "only") for o in group.options]


def validate(model: Model, selection: Selection) -> None:
    """Raise ValueError for a selection that names an unknown group (or option, see
    :func:`group_choices`)."""
    for name in selection.choices:
        if not model.is_group(name):
            raise ValueError(f"unknown group {name!r} in selection")


def choices(model: Model, selection: Selection) -> list[Choice]:
    """The user's side: the choices of every listed group, in registry order."""
    validate(model, selection)
    found: list[Choice] = []
    for group in model.groups:
        if group.name in selection.choices:
            found.extend(group_choices(group, selection.choices[group.name]))
    return found


def limits(model: Model) -> list[GroupLimit]:
    """Every group's limit that constrains something, in registry order."""
    return [limit for limit in map(group_limit, model.groups) if limit is not None]


def elements(model: Model, selection: Selection) -> list[Element]:
    """The whole question: the user's choices, the group limits, the rules."""
    return [*choices(model, selection), *limits(model), *model.rules]


def term_holds(model: Model, term: str, selected: Set[str]) -> bool:
    """An option term: it is selected; a group term: some option of the group is."""
    if model.is_group(term):
        return any(o in selected for o in model.group(term).options)
    return term in selected


def rule_holds(model: Model, rule: Rule, selected: Set[str]) -> bool:
    if not all(term_holds(model, t, selected) for t in rule.when):
        return True
    hit = any(term_holds(model, t, selected) for t in rule.targets)
    return hit if rule.kind is RuleKind.REQUIRES else not hit


def holds(model: Model, element: Element, selected: Set[str]) -> bool:
    """Whether ``element`` holds when exactly the options ``selected`` are selected."""
    if isinstance(element, Choice):
        if element.kind == "chosen":
            return element.option in selected
        if element.kind == "only":
            return element.option not in selected
        return any(o in selected for o in model.group(element.group).options)
    if isinstance(element, GroupLimit):
        n = sum(1 for o in model.group(element.group).options if o in selected)
        return n == 0 or element.lower <= n <= element.upper
    return rule_holds(model, element, selected)


def all_hold(model: Model, found: Iterable[Element], selected: Set[str]) -> bool:
    return all(holds(model, e, selected) for e in found)


def mentions(model: Model, element: Element) -> tuple[str, ...]:
    """The options whose value ``element`` reads (a group term reads all of its options)."""
    if isinstance(element, Choice):
        if element.option is not None:
            return (element.option,)
        return model.group(element.group).options
    if isinstance(element, GroupLimit):
        return model.group(element.group).options
    when, targets = element.when, element.targets
    if len(when) == 1 and len(targets) == 1:  # "a requires b": most rules, the short way
        w, x = when[0], targets[0]
        if not model.is_group(w) and not model.is_group(x):
            return (w,) if w == x else (w, x)
    found: list[str] = []
    for t in (*when, *targets):
        found.extend(model.group(t).options if model.is_group(t) else (t,))
    return tuple(dict.fromkeys(found))


def valid_as_written(model: Model, selection: Selection, question: Sequence[Element]) -> bool:
    """No group is open, and the chosen options satisfy every element of ``question`` (the
    selection's :func:`elements`; absent groups off)."""
    if any(v is None for v in selection.choices.values()):
        return False
    return all_hold(model, question, frozenset(selection.chosen_options))
