"""python-constraint compiles the elements of a question; it finds the completion's first witness.

The only module that imports ``constraint``, and the only one with ``"@group"`` variables:
:func:`compile` turns elements (:mod:`solver.problem`) into a :class:`Network` of variables
with domains (preferred value first) and constraints (variables + predicate). A 1-of-N group
whose limit is among the elements gets one variable ``"@group"`` (its options, plus None for
"inactive"), so that "at most one option" is structural; every other option is a boolean.

Solving a network (:func:`solution`):

1. *propagate*: a constraint with every variable fixed is checked; one with a single open
   variable narrows that variable's domain (repeat until nothing changes). Fixed user choices
   thus flow along rule chains before any search, and most constraints disappear.
2. *search*: the constraints left (two or more open variables) fall apart into independent
   parts, each handed to python-constraint as one small ``Problem``, which tries values in
   order of preference and stops at the first solution. A part larger than the caller allows
   raises :class:`PartTooLarge` before any search: backtracking without clause learning can
   take minutes on a dense part, which the SAT oracle (:mod:`solver.cnf`) answers at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from constraint import FunctionConstraint, MaxSumConstraint, Problem

from solver.answers import Choice, Element, GroupLimit
from solver.model import Group, Model, Rule, RuleKind, Strategy

Var = str
Value = Hashable
Test = Callable[..., bool]
# variables, predicate, and optionally "at most k of these booleans are True" (for pruning)
Spec = tuple[tuple[Var, ...], Test, int | None]
Overlay = dict[Var, tuple[Value, ...]]


class PartTooLarge(Exception):
    """A part has more open variables than the caller let python-constraint search."""


class Network:
    """Variables with domains and constraints over them (immutable once built)."""

    __slots__ = ("by_var", "constraints", "domains", "structural")

    def __init__(
        self,
        domains: Mapping[Var, tuple[Value, ...]],
        constraints: Sequence[Spec],
        structural: Iterable[str] = (),
    ) -> None:
        self.domains = domains
        self.constraints = constraints
        self.structural = frozenset(structural)  # groups with one "@group" variable
        self.by_var: dict[Var, list[int]] = {}
        for index, (vars_, _, _) in enumerate(constraints):
            for var in vars_:
                self.by_var.setdefault(var, []).append(index)

    def domain(self, overlay: Mapping[Var, tuple[Value, ...]], var: Var) -> tuple[Value, ...]:
        found = overlay.get(var)
        return self.domains[var] if found is None else found

    def propagate(self) -> Overlay | None:
        """Narrow domains by every constraint until nothing changes.

        Returns the domains it narrowed, or None when some constraint cannot hold.
        """
        delta: Overlay = {}
        queue = deque(range(len(self.constraints)))
        waiting = set(queue)
        constraints, by_var, domain = self.constraints, self.by_var, self.domain
        while queue:
            index = queue.popleft()
            waiting.discard(index)
            vars_, test, at_most = constraints[index]
            doms = [domain(delta, v) for v in vars_]
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

    def search(
        self, overlay: Mapping[Var, tuple[Value, ...]], max_vars: int | None = None
    ) -> dict[Var, Value] | None:
        """Values for the open variables of every part (``overlay``: the domains propagation
        narrowed); None if unsat.

        Variables outside the parts are not in the answer: any value of their (propagated)
        domain is fine, their first one is the preferred one. Raises :class:`PartTooLarge`,
        before any search, when some part has more than ``max_vars`` open variables or more than
        twice as many constraints (a dense part can make backtracking without learning take
        minutes: 122 variables under 2,915 constraints in the FinancialServices model).
        """
        parts: list[list[int]] = []
        seen: set[Var] = set()
        for start in self.domains:
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
    found: dict[Var, Value] | None = problem.getSolution()
    return found


def _group_var(group: Group) -> Var:
    return "@" + group.name


class _Compiler:
    """Variables and predicates for the elements of one question."""

    def __init__(self, model: Model, found: Sequence[Element]) -> None:
        self.model = model
        limited = {e.group for e in found if isinstance(e, GroupLimit)}
        self.structural = {
            g.name for g in model.groups if g.strategy is Strategy.ONE and g.name in limited
        }

    def vars_of(self, group: Group) -> tuple[Var, ...]:
        return (_group_var(group),) if group.name in self.structural else group.options

    def term(self, term: str) -> tuple[tuple[Var, ...], Test]:
        """Variables and a predicate (over their values, as a list) for one rule term."""
        model = self.model
        if model.is_group(term):
            group = model.group(term)
            if group.name in self.structural:
                return self.vars_of(group), lambda v: v[0] is not None
            return group.options, any
        group = model.group_of(term)
        if group.name in self.structural:
            return (_group_var(group),), lambda v, o=term: v[0] == o
        return (term,), lambda v: v[0] is True

    def spec(self, element: Element) -> Spec | None:
        model = self.model
        if isinstance(element, Choice):
            group = model.group(element.group)
            if element.kind == "open":
                if group.name in self.structural:
                    return self.vars_of(group), lambda v: v is not None, None
                return group.options, lambda *v: any(v), None
            vars_, test = self.term(str(element.option))
            if element.kind == "chosen":
                return vars_, lambda *v: test(list(v)), None
            return vars_, lambda *v: not test(list(v)), None
        if isinstance(element, GroupLimit):
            if element.group in self.structural:
                return None  # one variable holds at most one option
            lower, upper = element.lower, element.upper

            def count(*vals: Value) -> bool:
                n = len([v for v in vals if v])
                return n == 0 or lower <= n <= upper

            return self.model.group(element.group).options, count, max(upper, 0)
        return self._rule(element)

    def _rule(self, rule: Rule) -> Spec:
        when = [self.term(t) for t in rule.when]
        targets = [self.term(t) for t in rule.targets]
        order: dict[Var, int] = {}
        for vars_, _ in when + targets:
            for v in vars_:
                order.setdefault(v, len(order))
        w = [([order[v] for v in vars_], test) for vars_, test in when]
        t = [([order[v] for v in vars_], test) for vars_, test in targets]
        requires = rule.kind is RuleKind.REQUIRES

        def test(*vals: Value) -> bool:
            if not all(check([vals[i] for i in idx]) for idx, check in w):
                return True
            hit = any(check([vals[i] for i in idx]) for idx, check in t)
            return hit if requires else not hit

        return tuple(order), test, None


def compile(model: Model, found: Sequence[Element], prefer: Mapping[str, bool]) -> Network:
    """The network of ``found`` over every option of ``model``.

    ``prefer``: the preferred value of each option (default False); a ``"@group"`` variable
    tries its preferred options first, then the others in registry order, and "inactive"
    first unless some option is preferred.
    """
    compiler = _Compiler(model, found)
    domains: dict[Var, tuple[Value, ...]] = {}
    for group in model.groups:
        if group.name in compiler.structural:
            liked = [o for o in group.options if prefer.get(o)]
            rest = [o for o in group.options if not prefer.get(o)]
            domains[_group_var(group)] = (*liked, *rest, None) if liked else (None, *liked, *rest)
        else:
            for o in group.options:
                domains[o] = (True, False) if prefer.get(o) else (False, True)
    specs = [spec for spec in map(compiler.spec, found) if spec is not None]
    return Network(domains, specs, compiler.structural)


def solution(net: Network, max_vars: int | None = None) -> frozenset[str] | None:
    """The selected options of the first solution (preferred values where free), or None.

    Raises :class:`PartTooLarge` when a part has more than ``max_vars`` open variables.
    """
    overlay = net.propagate()
    if overlay is None:
        return None
    found = net.search(overlay, max_vars)
    if found is None:
        return None
    selected: set[str] = set()
    for var in net.domains:
        value = found[var] if var in found else net.domain(overlay, var)[0]
        if var.startswith("@") and var[1:] in net.structural:
            if value is not None:
                selected.add(str(value))
        elif value is True:
            selected.add(var)
    return frozenset(selected)
