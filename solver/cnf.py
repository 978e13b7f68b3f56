"""The one SAT oracle: elements compiled to CNF in an incremental CDCL solver (python-sat).

The only module that imports ``pysat``, lazily (importing ``solver`` never loads it). One
:class:`Oracle` serves every question that the engine asks many times: completion decisions,
the consistency checks of explanations and fixes, the options of ``feasible``, the registry
analysis. Its encoding is exact for the meaning of the elements (:mod:`solver.problem`):

- one boolean per option, numbered 1..n in registry order;
- ``some(g)``: an auxiliary variable equivalent to "some option of ``g`` is selected", made
  on first use (a group term in a ``when``, an M-of-N lower bound, a count of active groups);
- a choice is a unit clause ("open": the clause "some option of ``g``");
- a group limit is an at-most-``upper`` cardinality constraint plus, when ``lower > 1``,
  at-least-``lower`` guarded by ``some(g)`` (pysat.card encodings, auxiliary variables inside
  the CNF only);
- ``requires``: ``not w1 or ... or not wk or t1 or ... or tm``; ``conflicts``: for each target
  ``t``, ``not w1 or ... or not wk or not t`` (a group target stands for all its options).

An element is added *hard* (:meth:`Oracle.require`: it holds in every later question) or
behind a *selector* (:meth:`Oracle.selector`: each clause gets ``not selector``). A question is
one ``solve`` under assumptions (selectors and literals); an unsatisfiable answer comes with a
core, a subset of the assumptions that is already inconsistent (:meth:`Oracle.core`). Phases
(:meth:`Oracle.prefer`) steer which solution is found, never whether one exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from typing import Any

from solver.answers import Choice, Element, GroupLimit
from solver.model import Model, RuleKind

Clause = list[int]

#: The CDCL solver python-sat runs: Glucose 4 honours phase hints (CaDiCaL 1.5.3 in
#: python-sat ignored them: 25x more calls on the CNN model) and supports assumptions.
SOLVER_NAME = "glucose4"


class Oracle:
    """One incremental SAT solver over a model's options; a context manager."""

    def __init__(self, model: Model) -> None:
        from pysat.solvers import Solver

        self.model = model
        self.options = model.options
        self._var = {o: i for i, o in enumerate(self.options, start=1)}
        self._top = len(self.options)
        self._some: dict[str, int] = {}
        self._selector: dict[Element, int] = {}
        self._found: list[int] = []  # the last satisfying assignment kept
        self._solver: Any = Solver(name=SOLVER_NAME)
        self._counters: list[Any] = []

    def __enter__(self) -> Oracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the native solver."""
        for counter in self._counters:
            counter.delete()
        self._solver.delete()

    # -- variables ----------------------------------------------------------------------------

    def fresh(self) -> int:
        """A new variable (e.g. a selector, or a literal standing for a conjunction)."""
        self._top += 1
        return self._top

    @property
    def size(self) -> int:
        """How many variables the solver has (options, auxiliaries, selectors)."""
        return self._top

    @property
    def var_of(self) -> Mapping[str, int]:
        """Every option's variable (read-only)."""
        return self._var

    def var(self, option: str) -> int:
        """The variable of ``option`` (True: selected)."""
        return self._var[option]

    def some(self, group: str) -> int:
        """A variable equivalent to "some option of ``group`` is selected"."""
        found = self._some.get(group)
        if found is None:
            found = self._some[group] = self.fresh()
            lits = [self._var[o] for o in self.model.group(group).options]
            self._solver.add_clause([-found, *lits])
            for lit in lits:
                self._solver.add_clause([found, -lit])
        return found

    def term(self, term: str) -> int:
        """The variable of a rule term: an option, or "some option of" a group."""
        return self.some(term) if self.model.is_group(term) else self._var[term]

    # -- clauses ------------------------------------------------------------------------------

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
        kind = EncType.seqcounter
        cnf = CardEnc.atleast(lits=lits, bound=bound, top_id=self._top, encoding=kind)
        self._top = max(self._top, cnf.nv)
        return [list(c) for c in cnf.clauses]

    def clauses(self, element: Element) -> list[Clause]:
        """The CNF of one element (see the module docstring)."""
        model, var = self.model, self._var
        if isinstance(element, Choice):
            if element.kind == "chosen":
                return [[var[str(element.option)]]]
            if element.kind == "only":
                return [[-var[str(element.option)]]]
            return [[var[o] for o in model.group(element.group).options]]
        if isinstance(element, GroupLimit):
            lits = [var[o] for o in model.group(element.group).options]
            if element.lower > element.upper:
                return [[-x] for x in lits]
            found = self._at_most(lits, element.upper)
            if element.lower > 1:  # "if any option is selected, at least `lower`"
                active = -self.some(element.group)
                found += [[active, *c] for c in self._at_least(lits, element.lower)]
            return found
        when, terms = element.when, element.targets
        if len(when) == 1 and len(terms) == 1:  # "a requires b": most rules, the short way
            w, x = var.get(when[0]), var.get(terms[0])
            if w is not None and x is not None:  # two options (no group term)
                return [[-w, x]] if element.kind is RuleKind.REQUIRES else [[-w, -x]]
        guard = [-self.term(t) for t in element.when]
        targets = [
            var[o]
            for t in element.targets
            for o in (model.group(t).options if model.is_group(t) else (t,))
        ]
        if element.kind is RuleKind.REQUIRES:
            return [[*guard, *targets]]
        return [[*guard, -x] for x in targets]

    def add(self, clause: Iterable[int]) -> None:
        """Add one clause for good."""
        self._solver.add_clause(list(clause))

    def require(self, elements: Iterable[Element]) -> None:
        """Add ``elements`` as hard constraints: they hold in every later question."""
        for element in elements:
            for clause in self.clauses(element):
                self._solver.add_clause(clause)

    def selector(self, element: Element) -> int:
        """The selector of ``element`` (its clauses are added behind it on first use)."""
        found = self._selector.get(element)
        if found is None:
            found = self._selector[element] = self.fresh()
            for clause in self.clauses(element):
                self._solver.add_clause([-found, *clause])
        return found

    def counter(self, lits: Sequence[int], bound: int) -> list[int]:
        """Outputs ``out`` of a totalizer over ``lits`` up to ``bound``: assuming ``-out[k]``
        means "at most ``k`` of ``lits`` hold" (for ``k < bound``)."""
        from pysat.card import ITotalizer

        tot = ITotalizer(lits=list(lits), ubound=bound, top_id=self._top)
        self._counters.append(tot)
        self._top = max(self._top, tot.top_id)
        for clause in tot.cnf.clauses:
            self._solver.add_clause(clause)
        return list(tot.rhs)

    def prefer(self, literals: Sequence[int]) -> None:
        """Try these polarities first when deciding (a hint, never a constraint)."""
        self._solver.set_phases(list(literals))

    # -- questions ----------------------------------------------------------------------------

    def solve(self, assumptions: Sequence[int] = (), *, keep: bool = True) -> bool:
        """Do the hard clauses hold together with ``assumptions`` (selectors, literals)?

        On success with ``keep`` the assignment is kept (:meth:`selected`, :meth:`true`;
        fetching it costs time on a large problem). On failure :meth:`core` tells which
        assumptions were to blame.
        """
        if not self._solver.solve(assumptions=list(assumptions)):
            return False
        if keep:
            self._found = self._solver.get_model() or []
        return True

    def solve_with(self, clause: Iterable[int], assumptions: Sequence[int] = ()) -> bool:
        """:meth:`solve` with ``clause`` holding too, for this one question: the clause is
        added behind a fresh switch, assumed on, and retired for good after the answer."""
        switch = self.fresh()
        self._solver.add_clause([-switch, *clause])
        found = self.solve([*assumptions, switch])
        self._solver.add_clause([-switch])
        return found

    def core(self) -> list[int]:
        """After an inconsistent answer: a subset of the assumptions that is inconsistent."""
        return list(self._solver.get_core() or ())

    def true(self, lit: int) -> bool:
        """Whether ``lit`` holds in the last assignment kept."""
        found, v = self._found, abs(lit)
        value = v <= len(found) and found[v - 1] > 0
        return value if lit > 0 else not value

    def true_keys(self, literals: Mapping[int, int]) -> list[int]:
        """The keys of ``literals`` whose literal holds in the last assignment kept (one call
        for many literals: a :meth:`true` call per literal costs more than the test)."""
        found = self._found
        size = len(found)
        return [
            key
            for key, x in literals.items()
            if 0 < abs(x) <= size and (found[abs(x) - 1] > 0) == (x > 0)
        ]

    def assignment(self) -> Set[str]:
        """The last assignment kept, as the set of selected options (a lazy view: a
        membership test costs O(1), so :func:`solver.problem.holds` reads it cheaply)."""
        return _Selected(self)

    def selected(self) -> frozenset[str]:
        """The options selected in the last assignment kept."""
        n = len(self.options)
        return frozenset(self.options[lit - 1] for lit in self._found[:n] if lit > 0)

    def selected_vars(self) -> set[int]:
        """The option variables selected in the last assignment kept."""
        return {lit for lit in self._found[: len(self.options)] if lit > 0}


class _Selected(Set[str]):
    """The options an oracle's last assignment selects, read on demand."""

    def __init__(self, oracle: Oracle) -> None:
        self._oracle = oracle

    def __contains__(self, option: object) -> bool:
        var = self._oracle._var.get(option) if isinstance(option, str) else None
        return var is not None and self._oracle.true(var)

    def __iter__(self) -> Iterator[str]:
        return iter(self._oracle.selected())

    def __len__(self) -> int:
        return len(self._oracle.selected())
