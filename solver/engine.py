"""check, complete and feasible: the engine's questions about a selection.

The completion keeps chosen groups exactly, fills every open group and activates the absent
groups that rules need. Among the configurations that satisfy the question's elements, it is
the best by these criteria, each ranked above the next (as Spack's concretizer ranks its
optimisation criteria):

1. the fewest absent groups activated;
2. then the defaults kept, lexicographically with groups in registry order (the first group's
   defaults count more than all later ones; within a group, in the order of ``default``); a
   default counts only for a group that ends up active: it never activates a group itself;
3. then registry order of options: groups in registry order, and within a group the last
   option is left out first, so an M-of-N group takes as few options as it must, the earliest.

The search is one decision after another, each keeping its preferred side when the rest stays
satisfiable (exact for a lexicographic order). A *witness* (one configuration satisfying the
question and every decision so far) answers most decisions for free; the first witness comes
from python-constraint (:mod:`solver.csp`) when every part is small, else from the SAT oracle
(:mod:`solver.cnf`), which is consulted only for a decision that the witness does not satisfy
and gives the next witness. Criterion 1 is one cardinality constraint (a totalizer over "some
option of g" for the absent groups), lowered while the oracle finds a solution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver import problem
from solver.answers import Choice, Completion, Element, GroupLimit, Verdict
from solver.model import Group, Model, Selection, Strategy

if TYPE_CHECKING:
    from solver.cnf import Oracle
    from solver.conflicts import Conflict
    from solver.explain import Explainer


@dataclass(frozen=True, slots=True)
class SolverLimits:
    """Tunables of the engine (they change how fast an answer comes, never the answer)."""

    #: python-constraint searches a part up to this many open variables (and twice as many
    #: constraints); a larger, tangled part is left to the SAT oracle from the start.
    small_part: int = 200


DEFAULT_LIMITS = SolverLimits()

#: One literal of a decision: a term (option, or group: "some option of") and its value.
Lit = tuple[str, bool]


def preferences(model: Model, selection: Selection) -> dict[str, bool]:
    """The value each option should rather take: the defaults of listed groups on, every other
    option off (a hint to the backends; the criteria above decide)."""
    prefer: dict[str, bool] = {}
    for group in model.groups:
        if selection.state(group.name) == "open":
            prefer.update(dict.fromkeys(group.default, True))
    return prefer


class _Search:
    """The decisions of one completion, a witness that satisfies them, the oracle on demand."""

    def __init__(self, model: Model, question: Sequence[Element], prefer: dict[str, bool]):
        self.model, self.question, self.prefer = model, question, prefer
        self.decided: list[tuple[Lit, ...]] = []
        self.witness: frozenset[str] = frozenset()
        self._oracle: Oracle | None = None

    def oracle(self) -> Oracle:
        if self._oracle is None:
            from solver.cnf import Oracle

            oracle = self._oracle = Oracle(self.model)
            oracle.require(self.question)
            for clause in self.decided:
                oracle.add(self._lits(clause))
            oracle.prefer([oracle.var(o) if self.prefer.get(o) else -oracle.var(o)
                           for o in self.model.options])  # fmt: skip
        return self._oracle

    def close(self) -> None:
        if self._oracle is not None:
            self._oracle.close()

    def start(self, limits: SolverLimits) -> bool:
        """Find the first witness; False when the question has no solution."""
        # python-constraint is loaded by the first completion: a valid check never needs it
        from solver.csp import PartTooLarge, compile, solution

        try:
            net = compile(self.model, self.question, self.prefer)
            found = solution(net, limits.small_part)
        except PartTooLarge:
            found = self.oracle().selected() if self.oracle().solve() else None
        if found is None:
            return False
        self.witness = found
        return True

    def _lits(self, clause: Sequence[Lit]) -> list[int]:
        oracle = self.oracle()
        return [oracle.term(t) if v else -oracle.term(t) for t, v in clause]

    def _holds(self, clause: Sequence[Lit]) -> bool:
        return any(problem.term_holds(self.model, t, self.witness) == v for t, v in clause)

    def decide(self, *clause: Lit) -> bool:
        """Add ``clause`` if the question stays satisfiable with it; report whether it did."""
        if not self._holds(clause):
            oracle, lits = self.oracle(), self._lits(clause)
            if not oracle.solve_with(lits):
                return False
            oracle.add(lits)
            self.witness = oracle.selected()
        elif self._oracle is not None:
            self._oracle.add(self._lits(clause))
        self.decided.append(clause)
        return True

    def fewest(self, absent: Sequence[Group]) -> None:
        """Criterion 1: lower the number of active absent groups while a solution exists."""
        active = [g.name for g in absent if problem.term_holds(self.model, g.name, self.witness)]
        if not active:
            for group in absent:
                self.decide((group.name, False))
            return
        oracle = self.oracle()
        count = oracle.counter([oracle.some(g.name) for g in absent], len(active))
        best = len(active)
        while best > 0 and oracle.solve([-count[best - 1]]):
            self.witness = oracle.selected()
            best = sum(problem.term_holds(self.model, g.name, self.witness) for g in absent)
        if best < len(count):
            oracle.add([-count[best]])


def _completion(
    model: Model, selection: Selection, question: Sequence[Element], limits: SolverLimits
) -> Completion | None:
    """The preferred completion of ``selection`` (``question``: its elements), or None."""
    search = _Search(model, question, preferences(model, selection))
    try:
        if not search.start(limits):
            return None
        free = [g for g in model.groups if selection.state(g.name) != "chosen"]
        search.fewest([g for g in free if selection.state(g.name) == "absent"])
        for group in free:
            for default in group.default:
                search.decide((group.name, False), (default, True))
        for group in free:
            for option in reversed(group.options):
                search.decide((option, False))
        witness = search.witness
    finally:
        search.close()
    choices: dict[str, tuple[str, ...] | None] = {}
    added: list[str] = []
    for group in model.groups:
        state = selection.state(group.name)
        if state == "chosen":
            choices[group.name] = selection.choices[group.name]
            continue
        picked = tuple(o for o in group.options if o in witness)
        if state == "absent" and not picked:
            continue
        if state == "absent":
            added.append(group.name)
        choices[group.name] = picked
    filled = tuple(g.name for g in model.groups if selection.state(g.name) == "open")
    return Completion(Selection(choices), tuple(added), filled)


def _explain(model: Model, question: Sequence[Element]) -> Conflict:
    from solver.explain import explain  # the conflict machinery is needed only on failure

    return explain(model, question)


def complete(
    model: Model, selection: Selection, limits: SolverLimits = DEFAULT_LIMITS
) -> Completion:
    """Fill open groups and activate the absent groups that rules need (see module docs).

    Chosen groups are kept exactly as written: never altered, never extended. Raises
    ValueError for a selection that names an unknown group or option.
    """
    question = problem.elements(model, selection)  # ValueError for a malformed selection
    found = _completion(model, selection, question, limits)
    if found is not None:
        return found
    return Completion(selection, conflict=_explain(model, question))


def check(model: Model, selection: Selection, limits: SolverLimits = DEFAULT_LIMITS) -> Verdict:
    """Is the selection valid as written, completable, or impossible (with the reason)?"""
    question = problem.elements(model, selection)
    if problem.valid_as_written(model, selection, question):
        return Verdict("valid")
    found = _completion(model, selection, question, limits)
    if found is None:
        return Verdict("invalid", conflict=_explain(model, question))
    return Verdict("incomplete", open_groups=found.filled, needed_groups=found.added)


def trial(selection: Selection, group: Group, option: str) -> list[Choice]:
    """The choices of ``group`` when the user asks for ``option`` (see :func:`feasible`)."""
    current = selection.choices.get(group.name)
    if group.strategy is Strategy.ONE:
        return [Choice(group.name, option, "chosen")]
    if selection.state(group.name) == "chosen":
        keep = {*(current or ()), option}
        return problem.group_choices(group, tuple(o for o in group.options if o in keep))
    pinned = Choice(group.name, option, "chosen")
    if selection.state(group.name) == "open":
        return [Choice(group.name, None, "open"), pinned]
    return [pinned]


def _without(selection: Selection, group: str | None) -> Selection:
    """``selection`` without ``group``'s entry: the base that each trial of the group adds to."""
    return Selection({g: c for g, c in selection.choices.items() if g != group})


def _explain_trial(
    explainer: Explainer, selection: Selection, group: Group, option: str
) -> Conflict:
    """The conflict of the :func:`trial` of ``option``, whose fixes never drop that choice; an
    M-of-N group not chosen gets the asked option as a choice of its own, after the others."""
    pinned = Choice(group.name, option, "chosen")
    separate = group.strategy is Strategy.MANY and selection.state(group.name) != "chosen"
    return explainer.explain(trial(selection, group, option), pinned, separate=separate)


def feasible(model: Model, selection: Selection, group: str) -> dict[str, Conflict | None]:
    """Per option of ``group`` (registry order): None if choosing it admits a completion.

    Choosing replaces the current choice of a 1-of-N group; for an M-of-N group it adds the
    option to the chosen set (an open or absent group gets the option, the rest left free:
    an absent group is not "listed"). Otherwise the minimal conflict, whose fixes never drop
    that choice. One oracle answers every option (the rest of the question hard, the trial's
    choices as assumptions); the rejected ones share a second one, with selectors, for their
    explanations.
    """
    problem.validate(model, selection)
    target = model.group(group)
    base = problem.elements(model, _without(selection, group))
    if _every_trial_holds(model, selection, target, base):
        return dict.fromkeys(target.options)  # no solver needed (nor loaded)
    from solver.cnf import Oracle
    from solver.explain import Explainer

    answer: dict[str, Conflict | None] = {}
    with Oracle(model) as oracle, Oracle(model) as selectors:
        oracle.require(base)
        possible = oracle.solve(keep=False)
        why: Explainer | None = None
        for option in target.options:
            mine = trial(selection, target, option)
            lits = [lit for c in mine if c.kind != "open" for lit in oracle.clauses(c)[0]]
            if possible and oracle.solve(lits, keep=False):
                answer[option] = None
                continue
            why = why or Explainer(model, base, selectors)
            answer[option] = _explain_trial(why, selection, target, option)
    return answer


def _every_trial_holds(
    model: Model, selection: Selection, target: Group, base: Sequence[Element]
) -> bool:
    """Whether every option's :func:`trial` holds as written: the other groups' choices (none
    open; absent groups off) with the trial's satisfy ``base`` and the trial's choices. Each
    trial is then possible (that configuration is its completion): :func:`feasible` needs no
    oracle, and python-sat is not even loaded.

    Only the elements that read ``target`` (its limit, the rules on it or its options) change
    from one trial to the next; they are asked first, per option, so that a trial that fails
    costs one pass that only sorts the elements; the rest is asked once.
    """
    others = _without(selection, target.name)
    if any(chosen is None for chosen in others.choices.values()):
        return False
    terms = {target.name, *target.options}
    reading: list[Element] = []
    rest: list[Element] = []
    for element in base:
        if isinstance(element, Choice):
            rest.append(element)  # another group's choice
        elif isinstance(element, GroupLimit):
            (reading if element.group == target.name else rest).append(element)
        elif terms.isdisjoint(element.when) and terms.isdisjoint(element.targets):
            rest.append(element)
        else:
            reading.append(element)
    selected = frozenset(others.chosen_options)
    for option in target.options:
        mine = trial(selection, target, option)
        config = selected | {c.option for c in mine if c.kind == "chosen" and c.option is not None}
        if not problem.all_hold(model, [*mine, *reading], config):
            return False
    return problem.all_hold(model, rest, selected)


def why_not(model: Model, selection: Selection, options: Sequence[str]) -> dict[str, Conflict]:
    """Why choosing each of ``options`` admits no completion (what :func:`feasible` answers for
    a rejected option), for options already known to be rejected, e.g. dead ones.

    One oracle (its elements behind selectors, compiled once) explains them all. Raises
    ValueError for an option that can be chosen.
    """
    from solver.cnf import Oracle
    from solver.explain import Explainer

    problem.validate(model, selection)
    answer: dict[str, Conflict] = {}
    explainers: dict[str | None, Explainer] = {}
    with Oracle(model) as oracle:
        for option in options:
            target = model.group_of(option)
            # the same base (and index) for every group the selection does not list
            key = target.name if target.name in selection.choices else None
            if key not in explainers:
                rest = problem.elements(model, _without(selection, key))
                explainers[key] = Explainer(model, rest, oracle)
            answer[option] = _explain_trial(explainers[key], selection, target, option)
    return answer
