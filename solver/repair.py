"""A valid configuration changed by hand: one option switched, and what that breaks repaired.

The analysis (:mod:`solver.analysis`) asks the SAT oracle for configurations that select (or
drop) many of its candidates at once; the oracle's phase hints steer it only loosely (Glucose
saves the values of each backtrack over them), so a solution often clears a single candidate
while thousands more could have been switched beside it. :meth:`Repair.switch` takes the
solution found and tries each remaining candidate in it: switch it, then repair every element
(group limit or rule) that the switch breaks by switching one more option the element reads,
depth first, each option at most once, within a budget. When nothing is broken any more the
configuration is valid again: every element reads only the options it mentions, and every
element mentioning a switched option was checked after that option's last switch. So each
configuration reached is a valid configuration, and proves what it selects not dead and what
it leaves out not core, without a SAT call. A failed attempt proves nothing and is undone.

Elements are compiled to option variables (numbered as :class:`solver.cnf.Oracle` numbers
them) with the meaning :func:`solver.problem.holds` gives them; the configuration is a
``bytearray`` of 0/1 per variable (index 0 unused) with a count of selected options per group,
so that a group limit or a group term is read in constant time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from solver import problem
from solver.model import Model, RuleKind

#: The most elements one attempt reads at its start, and reads in all (a switch of an option
#: that many rules mention, or a deeper repair, is left to the oracle).
BUDGET, CHECKS = 64, 64
#: :meth:`Repair.applies_alone`'s budget of checks per switch (a few hundred rules are asked:
#: 100,000-option synthetic registry, 64 -> 1,024: 54 -> 4 oracle calls left)
ALONE = 1024

_LIMIT, _REQUIRES, _CONFLICTS = 0, 1, 2

# A group limit: (_LIMIT, (), (its group,), (lower, upper), ()). A rule: (kind, its option terms
# in `when`, its group terms in `when`, its option targets, its group targets). Groups are numbers.
_Compiled = tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]


class Repair:
    """A valid configuration of ``model`` (:meth:`reset`), changed by :meth:`switch`."""

    def __init__(self, model: Model, var: Mapping[str, int]) -> None:
        self._group = group = [0] * (len(var) + 1)  # per variable, its group's number
        self._members: list[tuple[int, ...]] = []  # per group number, its variables
        number: dict[str, int] = {}
        for g in model.groups:
            number[g.name] = len(self._members)
            lits = tuple(var[o] for o in g.options)
            self._members.append(lits)
            for x in lits:
                group[x] = number[g.name]
        index: dict[int, list[_Compiled]] = {}  # per variable, the rules naming it
        by_group: dict[int, list[_Compiled]] = {}  # per group, its limit and the rules naming it
        empty = ()
        for limit in problem.limits(model):
            n = number[limit.group]
            by_group.setdefault(n, []).append(
                (_LIMIT, empty, (n,), (limit.lower, limit.upper), empty)
            )
        self._rules: list[_Compiled] = []  # per rule of the model, in order
        for rule in model.rules:
            kind = _REQUIRES if rule.kind is RuleKind.REQUIRES else _CONFLICTS
            if len(rule.when) == 1 and len(rule.targets) == 1:  # most rules, the short way
                w, t = var.get(rule.when[0]), var.get(rule.targets[0])
                if w is not None and t is not None:  # two options (no group term)
                    compiled: _Compiled = (kind, (w,), empty, (t,), empty)
                    self._rules.append(compiled)
                    index.setdefault(w, []).append(compiled)
                    if t != w:
                        index.setdefault(t, []).append(compiled)
                    continue
            when = tuple(var[t] for t in rule.when if t in var)
            groups = tuple(number[t] for t in rule.when if t not in var)
            targets = tuple(var[t] for t in rule.targets if t in var)
            target_groups = tuple(number[t] for t in rule.targets if t not in var)
            compiled = (kind, when, groups, targets, target_groups)
            self._rules.append(compiled)
            for x in dict.fromkeys((*when, *targets)):
                index.setdefault(x, []).append(compiled)
            for n in dict.fromkeys((*groups, *target_groups)):
                by_group.setdefault(n, []).append(compiled)
        self._index = index
        self._by_group = by_group
        self.value = bytearray(len(var) + 1)
        self._count = [0] * len(self._members)
        self.checks = 0  # elements read by :meth:`switch` so far, in all

    def reset(self, selected: Iterable[int]) -> None:
        """Start from the valid configuration that selects the variables ``selected``."""
        value, count, group = self.value, self._count, self._group
        value[:] = bytes(len(value))
        count[:] = [0] * len(count)
        for x in selected:
            value[x] = 1
            count[group[x]] += 1

    def _reads(self, x: int) -> list[_Compiled]:
        """The elements whose value may change when ``x`` switches."""
        return [*self._index.get(x, ()), *self._by_group.get(self._group[x], ())]

    def applies_alone(self, rule: int) -> bool:
        """Whether the configuration, changed by switches and repairs that ignore rule number
        ``rule`` of the model, reaches one where that rule's condition holds: a configuration
        valid without that rule alone, so the rule can apply. The configuration is left as it
        was. False when none was found (the rule may still apply: the oracle decides)."""
        ignore = self._rules[rule]
        if ignore[2]:
            return False  # a group term in the condition: left to the oracle
        value, moved = self.value, []
        for x in ignore[1]:
            if not value[x]:
                switched = self.switch(x, ignore, ALONE)
                if switched is None:
                    break
                moved.extend(switched)
        found = all(value[x] for x in ignore[1])
        for y in moved:
            self._toggle(y)
        return found

    def switch(
        self, x: int, ignore: _Compiled | None = None, budget: int = CHECKS
    ) -> list[int] | None:
        """Switch variable ``x`` (on if it is off, off if on) and repair what that breaks
        (``ignore``: an element left unchecked).

        The answer: the variables switched, ``x`` first, the configuration valid again; or
        None, the configuration as it was.
        """
        agenda = self._reads(x)
        checks = len(agenda)
        self.checks += checks
        if checks > min(BUDGET, budget):
            return None
        switched = [x]
        done = {x}
        self._toggle(x)
        while agenda:
            element = agenda.pop()
            if element is ignore or self._holds(element):
                continue
            move = self._move(element, done)
            more = self._reads(move) if move is not None else []
            checks += len(more)
            self.checks += len(more)
            if move is None or checks > budget:
                for y in switched:
                    self._toggle(y)
                return None
            switched.append(move)
            done.add(move)
            self._toggle(move)
            agenda.extend(more)
        return switched

    def _toggle(self, x: int) -> None:
        on = self.value[x] ^ 1
        self.value[x] = on
        self._count[self._group[x]] += 1 if on else -1

    def _holds(self, element: _Compiled) -> bool:
        """:func:`solver.problem.holds` of a compiled element in the configuration."""
        kind, a, b, c, d = element
        count = self._count
        if kind == _LIMIT:
            n = count[b[0]]
            return n == 0 or c[0] <= n <= c[1]
        value = self.value
        for x in a:
            if not value[x]:
                return True  # the condition fails
        for g in b:
            if not count[g]:
                return True
        hit = any(value[x] for x in c) or any(count[g] for g in d)
        return hit if kind == _REQUIRES else not hit

    def _move(self, element: _Compiled, done: set[int]) -> int | None:
        """One variable not yet switched whose switch may repair ``element`` (broken)."""
        kind, a, b, c, d = element
        value = self.value
        if kind == _LIMIT:
            want = 1 if self._count[b[0]] > c[1] else 0  # over the limit: drop one, else add
            members = self._members[b[0]]
            return next((x for x in members if value[x] == want and x not in done), None)
        want = 0 if kind == _REQUIRES else 1  # requires: add a target; conflicts: drop one
        targets = (*c, *(x for g in d for x in self._members[g]))
        found = next((x for x in targets if value[x] == want and x not in done), None)
        if found is None:  # make the condition fail instead: drop one of its options
            found = next((x for x in a if x not in done), None)
        return found
