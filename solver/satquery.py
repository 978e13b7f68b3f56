"""A selection-aware SAT oracle: is this set of elements consistent? (CDCL, incremental).

The engine's many *what-if* questions (one per completion decision, per QuickXplain step, per
option of ``feasible``) are asked here instead of by python-constraint's backtracking search,
which has no clause learning and is slow on a large tangled part. Semantics are exactly those
of the explanation encoding (:mod:`solver.encode`, ``relaxed=True``), element by element:

- ``Choice(g, o, "chosen")``: option ``o`` is selected; ``"only"``: ``o`` is not selected;
  ``Choice(g, None, "open")``: ``g`` selects at least one option (at least ``min`` for an
  M-of-N group; nothing is required when ``min`` is 0);
- ``GroupLimit(g)``: ``g`` selects no option, or between its lower and upper bound
  (1-of-N: at most one);
- ``Rule``: when every ``when`` term holds, some target holds (``requires``) or none does
  (``conflicts``); a group term means "some option of that group".

Every option is one boolean; nothing else is implied (an element not added constrains
nothing). An element is added either *hard* (its clauses hold in every question) or behind a
*selector* variable (each clause gets ``not selector``): asking with the selectors of a subset
as assumptions is one incremental ``solve`` call, and an unsatisfiable answer comes with a
core, a subset of those selectors that is already inconsistent.

python-sat is imported lazily, here and in :mod:`solver.sat` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from solver.answers import Choice, Element, GroupLimit
from solver.model import Group, Model, Rule, RuleKind, Strategy
from solver.sat import SOLVER_NAME

Clause = list[int]


def _bounds(group: Group) -> tuple[int, int]:
    """(lower, upper) of an active group, as its GroupLimit reads them."""
    lower = 1 if group.strategy is Strategy.ONE else group.lower
    return lower, min(group.upper, len(group.options))


class SatOracle:
    """One incremental SAT solver over the elements of a model part; a context manager."""

    calls_made = 0  # solve calls of every oracle in this process (for the perf probe)

    def __init__(self, model: Model) -> None:
        from pysat.solvers import Solver

        self.model = model
        self.calls = 0  # solve calls, for tests and probes
        self._solver: Any = Solver(name=SOLVER_NAME)
        self._top = 0
        self._var: dict[str, int] = {}
        self._active: dict[str, int] = {}
        self._selector: dict[Element, int] = {}
        self._element_of: dict[int, Element] = {}
        self._found: list[int] = []  # the last satisfying assignment (solver's model)

    def __enter__(self) -> SatOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the native solver."""
        self._solver.delete()

    # -- variables ----------------------------------------------------------------------------

    def _fresh(self) -> int:
        self._top += 1
        return self._top

    def literal(self, option: str) -> int:
        """The variable of ``option`` (True: selected)."""
        var = self._var.get(option)
        if var is None:
            var = self._var[option] = self._fresh()
        return var

    def active(self, group: str) -> int:
        """A variable equivalent to "some option of ``group`` is selected"."""
        var = self._active.get(group)
        if var is None:
            var = self._active[group] = self._fresh()
            lits = [self.literal(o) for o in self.model.group(group).options]
            self._solver.add_clause([-var, *lits])
            for lit in lits:
                self._solver.add_clause([var, -lit])
        return var

    # -- clauses of one element ---------------------------------------------------------------

    def _at_most(self, lits: list[int], bound: int) -> list[Clause]:
        from pysat.card import CardEnc, EncType

        if bound >= len(lits):
            return []
        if bound <= 0:
            return [[-x] for x in lits]
        small = bound == 1 and len(lits) <= 6
        kind = EncType.pairwise if small else EncType.seqcounter
        cnf = CardEnc.atmost(lits=lits, bound=bound, top_id=self._top, encoding=kind)
        self._top = max(self._top, cnf.nv)
        return [list(c) for c in cnf.clauses]

    def _at_least(self, lits: list[int], bound: int) -> list[Clause]:
        from pysat.card import CardEnc, EncType

        if bound <= 0:
            return []
        if bound > len(lits):
            return [[]]
        if bound == 1:
            return [list(lits)]
        cnf = CardEnc.atleast(lits=lits, bound=bound, top_id=self._top, encoding=EncType.seqcounter)
        self._top = max(self._top, cnf.nv)
        return [list(c) for c in cnf.clauses]

    def _clauses(self, element: Element) -> list[Clause]:
        model = self.model
        if isinstance(element, Choice):
            group = model.group(element.group)
            if element.kind == "chosen":
                return [[self.literal(str(element.option))]]
            if element.kind == "only":
                return [[-self.literal(str(element.option))]]
            need = group.lower if group.strategy is Strategy.MANY else 1
            return self._at_least([self.literal(o) for o in group.options], need)
        if isinstance(element, GroupLimit):
            group = model.group(element.group)
            lits = [self.literal(o) for o in group.options]
            lower, upper = _bounds(group)
            clauses = self._at_most(lits, upper)
            if lower > 1:  # "if any option is selected, at least `lower`"
                guard = -self.active(group.name)
                clauses += [[guard, *c] for c in self._at_least(lits, lower)]
            return clauses
        assert isinstance(element, Rule)
        return self._rule_clauses(element)

    def _rule_clauses(self, rule: Rule) -> list[Clause]:
        model = self.model
        guard = [-(self.active(t) if model.is_group(t) else self.literal(t)) for t in rule.when]
        targets = [
            self.literal(o)
            for t in rule.targets
            for o in (model.group(t).options if model.is_group(t) else (t,))
        ]
        if rule.kind is RuleKind.REQUIRES:
            return [[*guard, *targets]]
        return [[*guard, -x] for x in targets]

    # -- adding elements ----------------------------------------------------------------------

    def require(self, elements: Iterable[Element]) -> None:
        """Add ``elements`` as hard constraints: they hold in every later question."""
        for element in elements:
            for clause in self._clauses(element):
                self._solver.add_clause(clause)

    def selector(self, element: Element) -> int:
        """The selector of ``element`` (added behind a fresh one on first use)."""
        found = self._selector.get(element)
        if found is None:
            found = self._selector[element] = self._fresh()
            self._element_of[found] = element
            clauses = self._clauses(element)  # may allocate variables: selector comes first
            for clause in clauses:
                self._solver.add_clause([-found, *clause])
        return found

    def fix(self, literals: Iterable[int]) -> None:
        """Make each literal hold in every later question."""
        for lit in literals:
            self._solver.add_clause([lit])

    def prefer(self, literals: Sequence[int]) -> None:
        """Ask the solver to try these polarities first (a hint, never a constraint)."""
        self._solver.set_phases(list(literals))

    # -- questions ----------------------------------------------------------------------------

    def consistent(self, assumptions: Sequence[int] = (), *, keep: bool = True) -> bool:
        """Do the hard elements, the selected ones and these literals hold together?

        On success with ``keep``, the assignment found is kept (see :meth:`selected`; fetching
        it costs time on a large problem); otherwise the previous one stays. On failure,
        :meth:`core` tells which assumptions were to blame.
        """
        self.calls += 1
        SatOracle.calls_made += 1
        if not self._solver.solve(assumptions=list(assumptions)):
            return False
        if keep:
            self._found = self._solver.get_model() or []
        return True

    def core(self) -> list[int]:
        """After an inconsistent answer: a subset of the assumptions that is inconsistent."""
        return list(self._solver.get_core() or ())

    def element(self, selector: int) -> Element | None:
        """The element behind ``selector`` (None for a plain literal)."""
        return self._element_of.get(selector)

    def selected(self, option: str) -> bool:
        """Whether ``option`` is selected in the last assignment found.

        An option no element mentions is unconstrained: it reads False.
        """
        var = self._var.get(option)
        found = self._found
        return var is not None and var <= len(found) and found[var - 1] > 0

    def holds(self, element: Element) -> bool:
        """Whether ``element`` holds in the last assignment found."""
        model, selected = self.model, self.selected
        if isinstance(element, Choice):
            group = model.group(element.group)
            if element.kind == "chosen":
                return selected(str(element.option))
            if element.kind == "only":
                return not selected(str(element.option))
            need = group.lower if group.strategy is Strategy.MANY else 1
            return sum(1 for o in group.options if selected(o)) >= need
        if isinstance(element, GroupLimit):
            group = model.group(element.group)
            n = sum(1 for o in group.options if selected(o))
            lower, upper = _bounds(group)
            return n == 0 or lower <= n <= upper

        def term(t: str) -> bool:
            return (
                any(selected(o) for o in model.group(t).options)
                if model.is_group(t)
                else (selected(t))
            )

        assert isinstance(element, Rule)
        if not all(term(t) for t in element.when):
            return True
        hit = any(term(t) for t in element.targets)
        return hit if element.kind is RuleKind.REQUIRES else not hit
