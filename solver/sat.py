"""A CNF encoding of a Model and a thin session over a CDCL SAT solver (python-sat).

This is the only module that imports ``pysat``; the import is lazy (inside functions) so that
importing ``solver`` never needs python-sat. The encoding is exact for the semantics of
``solver.model`` with every group free to be active or inactive:

- one boolean per option, numbered 1..n in registry order;
- a 1-of-N group selects at most one option (active: exactly one; inactive: none);
- an M-of-N group selects none, or between ``lower`` and ``upper`` options;
- a rule term naming a group means "some option of that group"; in a ``when`` it gets an
  auxiliary variable ``g <-> OR(options)``, in ``targets`` it expands to its options;
- ``REQUIRES``: ``not w1 or ... or not wk or t1 or ... or tm``;
  ``CONFLICTS``: for each target t, ``not w1 or ... or not wk or not t``.

Cardinality constraints use ``pysat.card`` encodings, which add auxiliary variables inside the
CNF only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from solver.model import Model, RuleKind, Strategy

if TYPE_CHECKING:
    from collections.abc import Sequence

Clause = tuple[int, ...]

#: The CDCL solver python-sat runs: Glucose 4 honours phase hints (CaDiCaL 1.5.3 in
#: python-sat ignored them: 25x more calls on the CNN model), supports assumptions.
SOLVER_NAME = "glucose4"


@dataclass(frozen=True, slots=True)
class Encoding:
    """The CNF of a model: clauses over option variables (1..n) and auxiliary variables."""

    clauses: tuple[Clause, ...]
    var_of_option: Mapping[str, int]
    top: int  # the largest variable number used


class _Pool:
    """Hands out fresh variable numbers."""

    def __init__(self, top: int) -> None:
        self.top = top

    def fresh(self) -> int:
        self.top += 1
        return self.top


def encode(model: Model) -> Encoding:
    """Encode ``model`` as CNF (see the module docstring for the exact semantics)."""
    from pysat.card import CardEnc, EncType

    var = {o: i for i, o in enumerate(model.options, start=1)}
    pool = _Pool(len(var))
    clauses: list[Clause] = []

    def cardinality(lits: list[int], bound: int, *, atmost: bool) -> list[list[int]]:
        fn = CardEnc.atmost if atmost else CardEnc.atleast
        small = atmost and bound == 1 and len(lits) <= 6
        enc = EncType.pairwise if small else EncType.seqcounter
        cnf = fn(lits=lits, bound=bound, top_id=pool.top, encoding=enc)
        pool.top = max(pool.top, cnf.nv)
        return [list(c) for c in cnf.clauses]

    any_var: dict[str, int] = {}

    def some_option(group: str) -> int:
        """An auxiliary variable equivalent to "some option of ``group`` is selected"."""
        if group not in any_var:
            g = pool.fresh()
            lits = [var[o] for o in model.group(group).options]
            clauses.append((-g, *lits))
            clauses.extend((g, -x) for x in lits)
            any_var[group] = g
        return any_var[group]

    for group in model.groups:
        lits = [var[o] for o in group.options]
        upper, lower = min(group.upper, len(lits)), group.lower
        if upper < len(lits):
            clauses.extend(tuple(c) for c in cardinality(lits, upper, atmost=True))
        if group.strategy is Strategy.MANY and lower > 1:
            if lower > len(lits):  # no option can ever be selected
                clauses.extend((-x,) for x in lits)
                continue
            # "if any option is selected then at least `lower`": guard every clause.
            g = some_option(group.name)
            for c in cardinality(lits, lower, atmost=False):
                clauses.append((-g, *c))

    def term_lits(term: str) -> list[int]:
        return [var[o] for o in model.group(term).options] if model.is_group(term) else [var[term]]

    for rule in model.rules:
        guard = [-(some_option(t) if model.is_group(t) else var[t]) for t in rule.when]
        if rule.kind is RuleKind.REQUIRES:
            clauses.append(tuple(guard + [x for t in rule.targets for x in term_lits(t)]))
        else:
            clauses.extend(tuple([*guard, -x]) for t in rule.targets for x in term_lits(t))

    return Encoding(tuple(clauses), MappingProxyType(var), pool.top)


def to_cnf(model: Model) -> tuple[list[list[int]], dict[str, int]]:
    """The clauses of ``model`` and the variable number of each option."""
    enc = encode(model)
    return [list(c) for c in enc.clauses], dict(enc.var_of_option)


class SatSession:
    """One incremental SAT solver loaded with a model's CNF; use as a context manager.

    ``solve`` takes literals over option variables (and activation variables made by
    ``new_var``) and returns the set of selected options, or None when unsatisfiable.
    """

    def __init__(self, model: Model, encoding: Encoding | None = None) -> None:
        from pysat.solvers import Solver

        self.encoding = encoding or encode(model)
        self._top = self.encoding.top
        self._n = len(self.encoding.var_of_option)
        self._names = list(self.encoding.var_of_option)  # var i is _names[i - 1]
        self._solver: Any = Solver(name=SOLVER_NAME, bootstrap_with=self.encoding.clauses)
        self.calls = 0

    def __enter__(self) -> SatSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the native solver."""
        self._solver.delete()

    def new_var(self) -> int:
        """A fresh variable, e.g. to activate a clause under an assumption."""
        self._top += 1
        return self._top

    def add_clause(self, clause: Iterable[int]) -> None:
        """Add a clause permanently."""
        self._solver.add_clause(list(clause))

    def set_phases(self, literals: Sequence[int]) -> None:
        """Ask the solver to try these polarities first when it decides."""
        self._solver.set_phases(list(literals))

    def solve(self, assumptions: Sequence[int] = ()) -> frozenset[int] | None:
        """Selected option variables of a solution under ``assumptions``, or None if none."""
        self.calls += 1
        if not self._solver.solve(assumptions=list(assumptions)):
            return None
        model = self._solver.get_model() or []
        n = self._n
        return frozenset(lit for lit in model[:n] if lit > 0)

    def name(self, var: int) -> str:
        """The option a variable stands for."""
        return self._names[var - 1]


def _literals(model: Model, assumptions: Mapping[str, bool] | Iterable[str]) -> list[int]:
    enc_var = {o: i for i, o in enumerate(model.options, start=1)}
    if isinstance(assumptions, Mapping):
        return [enc_var[o] if v else -enc_var[o] for o, v in assumptions.items()]
    return [enc_var[o] for o in assumptions]


def solve(
    model: Model, assumptions: Mapping[str, bool] | Iterable[str] = ()
) -> frozenset[str] | None:
    """Some valid configuration (selected options) under ``assumptions``, or None.

    ``assumptions`` maps option names to True (selected) / False (not selected); a plain
    iterable of names means all of them selected.
    """
    lits = _literals(model, assumptions)
    with SatSession(model) as session:
        found = session.solve(lits)
        return None if found is None else frozenset(session.name(v) for v in found)


def is_satisfiable(model: Model, assumptions: Mapping[str, bool] | Iterable[str] = ()) -> bool:
    """Whether some valid configuration agrees with ``assumptions`` (see ``solve``)."""
    return solve(model, assumptions) is not None


def is_selectable(model: Model, option: str) -> bool:
    """Whether ``option`` is in some valid configuration (i.e. it is not dead)."""
    return is_satisfiable(model, {option: True})


def is_forced(model: Model, option: str) -> bool:
    """Whether ``option`` is in every valid configuration (i.e. it is core)."""
    return is_satisfiable(model) and not is_satisfiable(model, {option: False})
