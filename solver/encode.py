"""Compile a model and a selection into variables, domains and labelled constraints.

Two encodings share this code:

- the *search* encoding (``relaxed=False``): one variable per 1-of-N group (``"@group"``, its
  options plus ``None`` for "inactive"), one boolean per M-of-N option. "At most one option"
  of a 1-of-N group is then structural and never needs checking.
- the *explanation* encoding (``relaxed=True``): one boolean per option, so that every group
  strategy constraint is an element of its own (a :class:`GroupLimit`) that a minimal conflict
  may contain or leave out.

Every constraint is an :class:`Item`: the element it stands for (a user's :class:`Choice`, a
:class:`Rule` or a :class:`GroupLimit`), the variables it reads, and a predicate over their
values. Domains list values in order of preference (most preferred first) for completion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from solver.answers import Choice, Element, GroupLimit
from solver.model import Group, Model, Rule, RuleKind, Selection, Strategy

Value = str | bool | None
Test = Callable[..., bool]


@dataclass(frozen=True, slots=True)
class Item:
    """One constraint of the compiled problem and the element it stands for."""

    element: Element
    vars: tuple[str, ...]
    test: Test  # called with one value per variable, in ``vars`` order
    at_most: int | None = None  # a hint: at most this many of ``vars`` (booleans) are True


@dataclass(slots=True)
class Encoding:
    """Variables with their domains (preferred value first) and the constraints."""

    model: Model
    relaxed: bool
    domains: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    def group_var(self, group: Group) -> str | None:
        """The single variable of a 1-of-N group in the search encoding, else None."""
        if group.strategy is Strategy.ONE and not self.relaxed:
            return "@" + group.name
        return None

    def vars_of(self, group: Group) -> tuple[str, ...]:
        var = self.group_var(group)
        return (var,) if var else group.options

    def selected(self, group: Group, values: Sequence[object]) -> tuple[str, ...]:
        """The options of ``group`` that ``values`` (for :meth:`vars_of`) select."""
        if self.group_var(group):
            return () if values[0] is None else (str(values[0]),)
        return tuple(o for o, v in zip(group.options, values, strict=True) if v)

    def term(self, term: str) -> tuple[tuple[str, ...], Test]:
        """Variables and a predicate (over their values, as a list) for one rule term."""
        model = self.model
        if model.is_group(term):
            group = model.group(term)
            if self.group_var(group):
                return self.vars_of(group), lambda v: v[0] is not None
            return group.options, any
        group = model.group_of(term)
        var = self.group_var(group)
        if var:
            return (var,), lambda v, o=term: v[0] == o
        return (term,), lambda v: v[0] is True


def _combine(parts: Sequence[tuple[tuple[str, ...], Test]]) -> tuple[tuple[str, ...], list]:
    """Union of the parts' variables, and per part its test with the indices it reads."""
    order: dict[str, int] = {}
    for vars_, _ in parts:
        for v in vars_:
            order.setdefault(v, len(order))
    wired = [([order[v] for v in vars_], test) for vars_, test in parts]
    return tuple(order), wired


def _rule_item(enc: Encoding, rule: Rule) -> Item:
    when = [enc.term(t) for t in rule.when]
    targets = [enc.term(t) for t in rule.targets]
    vars_, wired = _combine(when + targets)
    w, t = wired[: len(when)], wired[len(when) :]

    def holds(parts: list, vals: tuple) -> list[bool]:
        return [test([vals[i] for i in idx]) for idx, test in parts]

    if rule.kind is RuleKind.REQUIRES:

        def test(*vals: Value) -> bool:
            return not all(holds(w, vals)) or any(holds(t, vals))
    else:

        def test(*vals: Value) -> bool:
            return not all(holds(w, vals)) or not any(holds(t, vals))

    return Item(rule, vars_, test)


def _count_test(lower: int, upper: int) -> Test:
    def test(*vals: Value) -> bool:
        n = sum(1 for v in vals if v)
        return n == 0 or lower <= n <= upper

    return test


def group_limit(group: Group) -> GroupLimit | None:
    """The group's strategy constraint as an element, or None when it constrains nothing.

    1-of-N: at most one option. M-of-N: none, or between ``lower`` and ``upper`` options.
    """
    n, lower, upper = len(group.options), group.lower, group.upper
    if group.strategy is Strategy.ONE:
        text = f"{group.name} (1-of-N) selects at most one option"
        return GroupLimit(group.name, text, group.origin)
    if lower <= 1 and upper >= n:
        return None  # any number of options is allowed
    bounds = f"between {lower} and {upper}" if lower > 1 else f"at most {upper}"
    if upper >= n:
        bounds = f"at least {lower}"
    text = f"{group.name} (M-of-N) selects {bounds} options when active"
    return GroupLimit(group.name, text, group.origin)


def _limit_items(enc: Encoding, group: Group) -> list[Item]:
    if enc.group_var(group):
        return []  # structural: one variable holds at most one option
    limit = group_limit(group)
    if limit is None:
        return []
    lower = group.lower if group.strategy is Strategy.MANY else 1
    return [Item(limit, group.options, _count_test(lower, group.upper), at_most=group.upper)]


def _domains(enc: Encoding, group: Group, state: str) -> None:
    var = enc.group_var(group)
    if var:
        preferred = [*group.default[:1], *(o for o in group.options if o not in group.default)]
        enc.domains[var] = (None, *preferred) if state == "absent" else (*preferred, None)
        return
    for option in group.options:
        keep = option in group.default and state != "absent"
        enc.domains[option] = (True, False) if keep else (False, True)


def choice_items(enc: Encoding, group: Group, chosen: tuple[str, ...] | None) -> list[Item]:
    """The items of one group's entry in a selection: open (None) or chosen options."""
    var = enc.group_var(group)
    if chosen is None:  # open: the group must be active
        choice = Choice(group.name, None, "open")
        if var:
            return [Item(choice, (var,), lambda v: v is not None)]
        need = group.lower if group.strategy is Strategy.MANY else 1
        if need == 0:
            return []
        return [Item(choice, group.options, lambda *v, k=need: sum(1 for x in v if x) >= k)]
    for option in chosen:
        if option not in group.options:
            raise ValueError(f"{option!r} is not an option of group {group.name!r}")
    if group.strategy is Strategy.ONE and len(set(chosen)) != 1:
        raise ValueError(f"1-of-N group {group.name!r} must be chosen with exactly one option")
    items = []
    for option in group.options:
        if option in chosen:
            choice = Choice(group.name, option, "chosen")
            if var:
                items.append(Item(choice, (var,), lambda v, o=option: v == o))
            else:
                items.append(Item(choice, (option,), lambda v: v is True))
        elif group.strategy is Strategy.MANY:
            items.append(Item(Choice(group.name, option, "only"), (option,), lambda v: v is False))
    return items


def encode(
    model: Model, selection: Selection, *, relaxed: bool, extra: Sequence[Item] = ()
) -> Encoding:
    """Compile ``model`` and ``selection`` in completion mode (absent groups may activate).

    ``extra`` items (e.g. a hypothetical choice) are appended after the user's choices.
    Raises ValueError for a selection that names an unknown group or option.
    """
    for name in selection.choices:
        if not model.is_group(name):
            raise ValueError(f"unknown group {name!r} in selection")
    enc = Encoding(model, relaxed)
    for group in model.groups:
        state = selection.state(group.name)
        _domains(enc, group, state)
        if state != "absent":
            enc.items.extend(choice_items(enc, group, selection.choices[group.name]))
    enc.items.extend(extra)
    for group in model.groups:
        enc.items.extend(_limit_items(enc, group))
    enc.items.extend(_rule_item(enc, rule) for rule in model.rules)
    return enc


def chosen_item(enc: Encoding, group: Group, option: str) -> Item:
    """The item for the choice "``option`` of ``group`` is selected"."""
    var = enc.group_var(group)
    choice = Choice(group.name, option, "chosen")
    if var:
        return Item(choice, (var,), lambda v, o=option: v == o)
    return Item(choice, (option,), lambda v: v is True)
