"""Satisfiability over finite domains: local propagation, then python-constraint per part.

The only module that imports ``constraint``. A :class:`Network` holds variables with their
domains (preferred value first) and constraints (variables + predicate). Solving it:

1. *propagate*: a constraint with every variable fixed is checked; one with a single open
   variable narrows that variable's domain (repeat until nothing changes). Fixed user choices
   thus flow along rule chains before any search, and most constraints disappear.
2. *search*: the constraints left (two or more open variables) fall apart into independent
   parts; only the parts that a question touches are handed to python-constraint, one small
   ``Problem`` each, which tries values in order of preference and stops at the first solution.

Narrowed domains live in an *overlay* (a dict var -> domain) so that a caller can try a
decision, and drop it, without copying the whole network.
"""

from __future__ import annotations

from collections import ChainMap, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, MutableMapping, Sequence
from typing import cast

from constraint import FunctionConstraint, MaxSumConstraint, Problem

Var = str
Value = Hashable
Test = Callable[..., bool]
# variables, predicate, and optionally "at most k of these booleans are True" (for pruning)
Spec = tuple[tuple[Var, ...], Test, int | None]
Overlay = dict[Var, tuple[Value, ...]]


def _chained(overlay: Mapping[Var, tuple[Value, ...]]) -> MutableMapping[Var, tuple[Value, ...]]:
    """``overlay`` as ChainMap's type wants it: ChainMap only reads its later maps."""
    return cast("MutableMapping[Var, tuple[Value, ...]]", overlay)


class PartTooLarge(Exception):
    """A part has more open variables than the caller let python-constraint search."""


class Network:
    """Variables with domains and constraints over them (immutable once built)."""

    __slots__ = ("by_var", "constraints", "domains")

    def __init__(
        self,
        domains: Mapping[Var, tuple[Value, ...]],
        constraints: Sequence[Spec],
    ) -> None:
        self.domains = domains
        self.constraints = constraints
        self.by_var: dict[Var, list[int]] = {}
        for index, (vars_, _, _) in enumerate(constraints):
            for var in vars_:
                self.by_var.setdefault(var, []).append(index)

    def domain(self, overlay: Mapping[Var, tuple[Value, ...]], var: Var) -> tuple[Value, ...]:
        found = overlay.get(var)
        return self.domains[var] if found is None else found

    def propagate(
        self, overlay: Mapping[Var, tuple[Value, ...]], todo: Iterable[int] | None = None
    ) -> Overlay | None:
        """Narrow domains from ``todo`` (default: every constraint) until nothing changes.

        Returns the domains it narrowed (``overlay`` itself is left alone), or None when some
        constraint cannot hold.
        """
        delta: Overlay = {}
        view = ChainMap(delta, _chained(overlay))
        queue = deque(range(len(self.constraints)) if todo is None else todo)
        waiting = set(queue)
        constraints, by_var, domain = self.constraints, self.by_var, self.domain
        while queue:
            index = queue.popleft()
            waiting.discard(index)
            vars_, test, at_most = constraints[index]
            doms = [domain(view, v) for v in vars_]
            open_ = [i for i, d in enumerate(doms) if len(d) > 1]
            if len(open_) > 1 and at_most is not None:
                if sum(1 for d in doms if d == (True,)) >= at_most:
                    for i in open_:  # the budget is spent: every other one is False
                        delta[vars_[i]] = (False,)
                        for other in by_var[vars_[i]]:
                            if other != index and other not in waiting:
                                waiting.add(other)
                                queue.append(other)
                    if not test(*(False if len(d) > 1 else d[0] for d in doms)):
                        return None
                continue
            if len(open_) > 1:
                continue
            values = [d[0] for d in doms]
            if not open_:
                if not test(*values):
                    return None
                continue
            at = open_[0]
            keep = []
            for value in doms[at]:
                values[at] = value
                if test(*values):
                    keep.append(value)
            if not keep:
                return None
            if len(keep) < len(doms[at]):
                delta[vars_[at]] = tuple(keep)
                for other in by_var[vars_[at]]:
                    if other != index and other not in waiting:
                        waiting.add(other)
                        queue.append(other)
        return delta

    def restrict(
        self, overlay: Mapping[Var, tuple[Value, ...]], narrowed: Mapping[Var, tuple[Value, ...]]
    ) -> Overlay | None:
        """The domains that narrowing ``overlay`` by ``narrowed`` changes, propagated.

        None if that fails. ``overlay`` is left alone: apply the answer with ``update``.
        """
        changed: Overlay = {}
        todo: list[int] = []
        for var, values in narrowed.items():
            current = self.domain(overlay, var)
            kept = tuple(v for v in current if v in values)
            if not kept:
                return None
            if len(kept) < len(current):
                changed[var] = kept
                todo.extend(self.by_var.get(var, ()))
        more = self.propagate(ChainMap(changed, _chained(overlay)), dict.fromkeys(todo))
        if more is None:
            return None
        changed.update(more)
        return changed

    def touched(self, changed: Iterable[Var]) -> dict[Var, None]:
        """The variables that share a constraint with one of ``changed`` (and those)."""
        focus: dict[Var, None] = dict.fromkeys(changed)
        for var in list(focus):
            for index in self.by_var.get(var, ()):
                focus.update(dict.fromkeys(self.constraints[index][0]))
        return focus

    def search(
        self,
        overlay: Mapping[Var, tuple[Value, ...]],
        focus: Iterable[Var],
        max_vars: int | None = None,
    ) -> dict[Var, Value] | None:
        """Values for the open variables of every part that ``focus`` touches; None if unsat.

        Variables outside those parts are not in the answer: any value of their (propagated)
        domain is fine, their first one is the preferred one. Raises :class:`PartTooLarge`,
        before any search, when some part has more than ``max_vars`` open variables or more than
        twice as many constraints (a dense part can make backtracking without learning take
        minutes: 122 variables under 2,915 constraints in the FinancialServices model).
        """
        parts: list[list[int]] = []
        seen: set[Var] = set()
        for start in focus:
            if start in seen or len(self.domain(overlay, start)) < 2:
                continue
            part_vars, part_constraints = self._part(overlay, start)
            seen.update(part_vars)
            if max_vars is not None and (
                len(part_vars) > max_vars or len(part_constraints) > 2 * max_vars
            ):
                raise PartTooLarge(len(part_vars))
            if part_constraints:
                parts.append(part_constraints)
        solution: dict[Var, Value] = {}
        for part_constraints in parts:
            found = _solve_part(self, overlay, part_constraints)
            if found is None:
                return None
            solution.update(found)
        return solution

    def accepts(self, assignment: Mapping[Var, Value]) -> bool:
        """Whether one value per variable satisfies every constraint."""
        return all(test(*(assignment[v] for v in vars_)) for vars_, test, _ in self.constraints)

    def _part(
        self, overlay: Mapping[Var, tuple[Value, ...]], start: Var
    ) -> tuple[set[Var], list[int]]:
        """The open variables connected to ``start`` and the constraints linking them."""
        part_vars = {start}
        part_constraints: list[int] = []
        taken: set[int] = set()
        stack = [start]
        while stack:
            var = stack.pop()
            for index in self.by_var.get(var, ()):
                if index in taken:
                    continue
                vars_ = self.constraints[index][0]
                open_vars = [v for v in vars_ if len(self.domain(overlay, v)) > 1]
                if len(open_vars) < 2:
                    continue  # settled by propagation
                taken.add(index)
                part_constraints.append(index)
                for other in open_vars:
                    if other not in part_vars:
                        part_vars.add(other)
                        stack.append(other)
        return part_vars, part_constraints


def _solve_part(
    net: Network, overlay: Mapping[Var, tuple[Value, ...]], indices: list[int]
) -> dict[Var, Value] | None:
    problem = Problem()
    added: set[Var] = set()
    for index in indices:
        vars_, test, at_most = net.constraints[index]
        for var in vars_:
            if var not in added:
                added.add(var)
                # python-constraint tries the *last* value of a domain first
                problem.addVariable(var, list(reversed(net.domain(overlay, var))))
        problem.addConstraint(FunctionConstraint(test), list(vars_))
        if at_most is not None:  # redundant, but it prunes while searching
            problem.addConstraint(MaxSumConstraint(at_most), list(vars_))
    return problem.getSolution()


def solve(network: Network, overlay: Overlay | None = None) -> dict[Var, Value] | None:
    """A full assignment satisfying every constraint (preferred values where free), or None."""
    propagated = network.propagate(overlay or {})
    if propagated is None:
        return None
    found = network.search(propagated, network.by_var)
    if found is None:
        return None
    answer = {var: network.domain(propagated, var)[0] for var in network.domains}
    answer.update(found)
    return answer
