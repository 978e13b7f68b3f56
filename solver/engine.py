"""check, complete and feasible: the engine's questions about a selection.

Completion order (lexicographic, one decision after another; each decision keeps its
preferred value when the rest stays satisfiable):

1. for every *absent* group, in registry order: stay inactive if possible;
2. for every open or activated group, in registry order:
   - 1-of-N: its default, then its options in registry order;
   - M-of-N: each default option (in the order of ``default``) in if possible; then each other
     option out if possible, deciding from the *last* option backwards, so that when options
     are needed the earliest ones come in.

Chosen groups are never altered or extended. A decision whose preferred value the current
witness solution already has costs nothing (python-constraint's first solution, for small
parts, already has most preferred values); otherwise it is one incremental SAT query
(:mod:`solver.satquery`, assumptions = the decision, earlier decisions being unit clauses),
whose answer becomes the new witness. The final assignment must satisfy every constraint of
the CSP network: that cross-checks the two backends on every completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from solver.answers import Choice, Completion, Conflict, Element, GroupLimit, Verdict
from solver.csp import Network, Overlay, PartTooLarge, Var
from solver.encode import Encoding, Item, chosen_item, encode, group_limit
from solver.model import Group, Model, RuleKind, Selection, Strategy

if TYPE_CHECKING:
    from solver.satquery import SatOracle


#: python-constraint searches a part up to this many open variables; a larger (tangled) part
#: is left to the SAT oracle from the start.
SMALL_PART = 200


class _Witness:
    """A network, its propagated overlay and one solution, kept consistent as decisions land.

    The solution comes from python-constraint (``values``) until a decision disagrees with it;
    from then on it is the SAT oracle's last assignment, and every decision applied is a unit
    clause of the oracle.
    """

    def __init__(self, enc: Encoding, net: Network, overlay: Overlay, values: dict) -> None:
        self.enc, self.net, self.overlay, self.values = enc, net, overlay, values
        self.sat: SatOracle | None = None
        self.decided: list[dict[Var, tuple]] = []  # applied before the oracle existed

    def oracle(self) -> SatOracle:
        """The SAT oracle over the whole problem with the decisions so far (made on demand)."""
        if self.sat is None:
            from solver.satquery import SatOracle

            self.sat = SatOracle(self.enc.model)
            self.sat.require(_elements(self.enc))
            self.sat.prefer(_phases(self.sat, self.enc))
            for narrowed in self.decided:
                self.sat.fix(_literals(self.sat, self.enc.model, narrowed))
        return self.sat

    def close(self) -> None:
        if self.sat is not None:
            self.sat.close()

    def value(self, var: Var) -> object:
        domain = self.net.domain(self.overlay, var)
        if self.sat is None:
            found = self.values.get(var, domain[0])
        elif var.startswith("@"):
            options = self.enc.model.group(var[1:]).options
            found = next((o for o in options if self.sat.selected(o)), None)
        else:
            found = self.sat.selected(var)
        return found if found in domain else domain[0]

    def agrees(self, narrowed: dict[Var, tuple]) -> bool:
        return all(self.value(v) in allowed for v, allowed in narrowed.items())

    def decide(self, narrowed: dict[Var, tuple]) -> bool:
        """Apply ``narrowed`` if the problem stays satisfiable; report whether it did."""
        delta = self.net.restrict(self.overlay, narrowed)
        if delta is None:
            return False
        if not self.agrees(narrowed):
            sat = self.oracle()
            if not sat.consistent(_literals(sat, self.enc.model, narrowed)):
                return False
        if self.sat is None:
            self.decided.append(narrowed)
        else:
            self.sat.fix(_literals(self.sat, self.enc.model, narrowed))
        self.overlay.update(delta)
        return True

    def is_open(self, var: Var) -> bool:
        return len(self.net.domain(self.overlay, var)) > 1

    def assignment(self) -> dict[Var, object]:
        """One value per variable: the solution as it stands."""
        return {var: self.value(var) for var in self.enc.domains}


def _elements(enc: Encoding) -> list[Element]:
    """The elements of a search encoding, with the 1-of-N limits it keeps structural."""
    found = [item.element for item in enc.items if not isinstance(item.element, GroupLimit)]
    limits = (group_limit(g) for g in enc.model.groups)
    return found + [limit for limit in limits if limit is not None]


def _literals(sat: SatOracle, model: Model, narrowed: dict[Var, tuple]) -> list[int]:
    """SAT literals saying that each variable of the search encoding takes an allowed value."""
    lits: list[int] = []
    for var, allowed in narrowed.items():
        if var.startswith("@"):  # a 1-of-N group: its option, or None for inactive
            group = model.group(var[1:])
            lits.extend(-sat.literal(o) for o in group.options if o not in allowed)
            if None not in allowed:
                lits.append(sat.active(group.name))
        elif True not in allowed:
            lits.append(-sat.literal(var))
        elif False not in allowed:
            lits.append(sat.literal(var))
    return lits


def _phases(sat: SatOracle, enc: Encoding) -> list[int]:
    """Every option at its preferred value, so that a solution found agrees with most decisions."""
    lits: list[int] = []
    for var, domain in enc.domains.items():
        if var.startswith("@"):
            group = enc.model.group(var[1:])
            lits.extend(
                sat.literal(o) if o == domain[0] else -sat.literal(o) for o in group.options
            )
        else:
            lits.append(sat.literal(var) if domain[0] is True else -sat.literal(var))
    return lits


def _start(enc: Encoding) -> _Witness | None:
    """A witness of the encoded problem, or None when it has no solution.

    Small parts are searched by python-constraint; when a part is too large, the SAT oracle
    gives the first solution instead (the caller must close the witness).
    """
    net = Network(enc.domains, [(item.vars, item.test, item.at_most) for item in enc.items])
    overlay = net.propagate({})
    if overlay is None:
        return None
    try:
        found = net.search(overlay, net.by_var, max_vars=SMALL_PART)
    except PartTooLarge:
        witness = _Witness(enc, net, overlay, {})
        if witness.oracle().consistent():
            return witness
        witness.close()
        return None
    return None if found is None else _Witness(enc, net, overlay, found)


def _decide_activation(enc: Encoding, witness: _Witness, group: Group) -> None:
    var = enc.group_var(group)
    if var:
        if not witness.decide({var: (None,)}):
            witness.decide({var: tuple(group.options)})
    else:
        witness.decide(dict.fromkeys(group.options, (False,)))


def _decide_values(enc: Encoding, witness: _Witness, group: Group) -> None:
    var = enc.group_var(group)
    if var:
        if witness.is_open(var):
            for value in witness.net.domain(witness.overlay, var):
                if value is not None and witness.decide({var: (value,)}):
                    return
        return
    defaults = [o for o in group.default if o in group.options]
    others = [o for o in reversed(group.options) if o not in defaults]
    for option, preferred in [*((o, True) for o in defaults), *((o, False) for o in others)]:
        if witness.is_open(option) and not witness.decide({option: (preferred,)}):
            witness.decide({option: (not preferred,)})


def _selected(enc: Encoding, witness: _Witness, group: Group) -> tuple[str, ...]:
    return enc.selected(group, [witness.value(v) for v in enc.vars_of(group)])


def _completion(model: Model, selection: Selection) -> Completion | None:
    enc = encode(model, selection, relaxed=False)
    witness = _start(enc)
    if witness is None:
        return None
    try:
        return _decide_all(model, selection, enc, witness)
    finally:
        witness.close()


def _decide_all(model: Model, selection: Selection, enc: Encoding, witness: _Witness) -> Completion:
    absent = [g for g in model.groups if selection.state(g.name) == "absent"]
    for group in absent:
        _decide_activation(enc, witness, group)
    for group in model.groups:
        if selection.state(group.name) != "chosen":
            _decide_values(enc, witness, group)
    if not witness.net.accepts(witness.assignment()):  # cross-checks the SAT oracle
        raise AssertionError("the completion found violates a constraint of the CSP network")
    choices: dict[str, tuple[str, ...] | None] = {}
    added: list[str] = []
    for group in model.groups:
        state = selection.state(group.name)
        if state == "chosen":
            choices[group.name] = selection.choices[group.name]
            continue
        picked = _selected(enc, witness, group)
        if state == "absent" and not picked:
            continue
        if state == "absent":
            added.append(group.name)
        choices[group.name] = picked
    filled = tuple(g.name for g in model.groups if selection.state(g.name) == "open")
    return Completion(Selection(choices), tuple(added), filled)


def _satisfiable(model: Model, selection: Selection, extra: Sequence[Item] = ()) -> bool:
    witness = _start(encode(model, selection, relaxed=False, extra=extra))
    if witness is None:
        return False
    witness.close()
    return True


def _explain(model: Model, selection: Selection, pinned: Choice | None = None) -> Conflict:
    from solver.explain import explain  # the conflict machinery is needed only on failure

    return explain(model, selection, pinned)


def complete(model: Model, selection: Selection) -> Completion:
    """Fill open groups and activate the absent groups that rules force (see module docs).

    Chosen groups are kept exactly as written: never altered, never extended.
    """
    found = _completion(model, selection)
    if found is not None:
        return found
    return Completion(selection, conflict=_explain(model, selection))


def _holds_as_written(model: Model, selection: Selection) -> bool:
    picked = set()
    for name, options in selection.choices.items():
        group = model.group(name)
        if options is None:
            return False
        chosen = set(options)
        if not chosen <= set(group.options):
            raise ValueError(f"{sorted(chosen - set(group.options))} not options of {name!r}")
        if not group.lower <= len(chosen) <= group.upper and chosen:
            return False
        if group.strategy is Strategy.ONE and len(chosen) != 1:
            return False
        picked |= chosen
    active = {model.group_of(o).name for o in picked}

    def holds(term: str) -> bool:
        return term in active if model.is_group(term) else term in picked

    for rule in model.rules:
        if all(holds(t) for t in rule.when):
            hit = any(holds(t) for t in rule.targets)
            if hit != (rule.kind is RuleKind.REQUIRES):
                return False
    return True


def check(model: Model, selection: Selection) -> Verdict:
    """Is the selection valid as written, completable, or impossible (with the reason)?"""
    for name in selection.choices:
        if not model.is_group(name):
            raise ValueError(f"unknown group {name!r} in selection")
    if _holds_as_written(model, selection):
        return Verdict("valid")
    found = _completion(model, selection)
    if found is None:
        return Verdict("invalid", conflict=_explain(model, selection))
    open_groups = tuple(g.name for g in model.groups if selection.state(g.name) == "open")
    return Verdict("incomplete", open_groups=open_groups, needed_groups=found.added)


def _with_option(selection: Selection, group: Group, option: str) -> tuple[Selection, bool]:
    """The selection with ``option`` chosen in ``group``; True if it must be an extra item."""
    choices = dict(selection.choices)
    if group.strategy is Strategy.ONE:
        choices[group.name] = (option,)
        return Selection(choices), False
    current = choices.get(group.name)
    if current is None:  # open or absent: the group is active, ``option`` in, the rest open
        choices[group.name] = None
        return Selection(choices), True
    keep = set(current) | {option}
    choices[group.name] = tuple(o for o in group.options if o in keep)
    return Selection(choices), False


def _trials(selection: Selection, group: Group) -> tuple[Selection, dict[str, dict]]:
    """A base selection and, per option, the narrowing that turns it into that option's trial.

    The base leaves ``group`` open (or absent, for a chosen M-of-N group, whose trial then
    fixes every option): each trial is the base plus domain restrictions, so one propagated
    base serves every option.
    """
    choices = dict(selection.choices)
    current = choices.get(group.name)
    narrowing: dict[str, dict] = {}
    if group.strategy is Strategy.ONE:
        choices[group.name] = None
        for option in group.options:
            narrowing[option] = {"@" + group.name: (option,)}
    elif current is None:
        choices[group.name] = None
        for option in group.options:
            narrowing[option] = {option: (True,)}
    else:
        del choices[group.name]
        for option in group.options:
            keep = set(current) | {option}
            narrowing[option] = {o: (o in keep,) for o in group.options}
    return Selection(choices), narrowing


def feasible(model: Model, selection: Selection, group: str) -> dict[str, Conflict | None]:
    """Per option of ``group`` (registry order): None if choosing it admits a completion.

    Choosing replaces the current choice of a 1-of-N group; for an M-of-N group it adds the
    option to the chosen set (an open or absent group becomes active with the option in and
    the rest open). Otherwise the minimal conflict, whose fixes never drop that choice.

    One SAT session answers every option (each a narrowing of one base problem, given as
    assumptions); a rejected option is explained from its own core, with a second session
    shared by the explanations.
    """
    from solver.explain import Explainer
    from solver.satquery import SatOracle

    target = model.group(group)
    base, narrowing = _trials(selection, target)
    answer: dict[str, Conflict | None] = {}
    why: Explainer | None = None
    with SatOracle(model) as sat:
        sat.require(_elements(encode(model, base, relaxed=False)))
        any_possible = sat.consistent(keep=False)
        try:
            for option in target.options:
                lits = _literals(sat, model, narrowing[option])
                if any_possible and sat.consistent(lits, keep=False):
                    answer[option] = None
                    continue
                why = why or Explainer(model, selection, group)
                trial, extra = _with_option(selection, target, option)
                pin = Choice(group, option, "chosen")
                answer[option] = why.explain(trial, pin, extra_pin=extra)
        finally:
            if why is not None:
                why.sat.close()
    return answer


def _base_selection(selection: Selection | None) -> Selection:
    return Selection() if selection is None else selection


def is_selectable(model: Model, option: str, selection: Selection | None = None) -> bool:
    """Can some completion of ``selection`` (default: nothing chosen) select ``option``?"""
    base = _base_selection(selection)
    enc = encode(model, Selection(), relaxed=False)
    return _satisfiable(model, base, (chosen_item(enc, model.group_of(option), option),))


def is_forced(model: Model, option: str, selection: Selection | None = None) -> bool:
    """Does every completion of ``selection`` (default: nothing chosen) select ``option``?

    False when there is no completion at all.
    """
    base = _base_selection(selection)
    enc = encode(model, Selection(), relaxed=False)
    item = chosen_item(enc, model.group_of(option), option)
    left_out = Choice(item.element.group, option, "only")  # type: ignore[union-attr]
    negated = Item(left_out, item.vars, lambda *v: not item.test(*v))
    return _satisfiable(model, base) and not _satisfiable(model, base, (negated,))
