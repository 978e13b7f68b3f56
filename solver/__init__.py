"""A pure constraint engine for group selections.

Input contract: :mod:`solver.model` (``Model``, ``Group``, ``Rule``, ``Origin``, ``Selection``).
Public operations (completion mode = absent groups may be activated when rules force it):

- ``check(model, selection) -> Verdict``: ``status`` is ``"valid"`` (no open group and the
  selection as written satisfies everything), ``"incomplete"`` (``complete`` would succeed;
  ``open_groups``, ``needed_groups``) or ``"invalid"`` (``conflict`` is a minimal conflict).
- ``complete(model, selection) -> Completion``: keeps chosen groups exactly (never altered or
  extended), fills open groups, activates absent groups only when forced. Preference, in
  order: fewest activated groups (registry order), then defaults, then registry order.
  ``Completion(selection, added, filled, conflict)``; ``conflict`` is None on success.
- ``feasible(model, selection, group) -> dict[str, Conflict | None]``: per option, in registry
  order, None if choosing it still admits a completion, else why not.
- ``is_selectable(model, option, selection=None) -> bool``,
  ``is_forced(model, option, selection=None) -> bool``: simple analysis helpers.

Answers (frozen, :mod:`solver.answers`): ``Verdict``, ``Completion``, ``Conflict(choices,
constraints, chain, fixes)``, ``Choice(group, option, kind)`` with kind ``"chosen"``,
``"only"`` (an M-of-N chosen set leaves ``option`` out) or ``"open"``; constraints are
``Rule`` (from the model) or ``GroupLimit(group, text, origin)``; ``Step(source, target,
relation, element, origin)`` is one link of the chain. Malformed selections (unknown group or
option, a 1-of-N group chosen with other than one option) raise ``ValueError``.

Backends. python-constraint (:mod:`solver.csp`, after local propagation, one small problem
per independent part) is the engine of ``check`` and of the completion: it gives the verdict
on a selection as written, the first solution of every part up to ``engine.SMALL_PART`` open
variables, and it validates every completion found (each of its constraints must hold). A
CDCL SAT solver (python-sat's Glucose, :mod:`solver.satquery`, one selector per element)
answers the *many* what-if questions: each completion decision that the current solution
does not already satisfy, every consistency check of QuickXplain (starting from the solver's
unsat core) and of the fixes, and every option of ``feasible`` (one incremental session per
call). Why: without clause learning, python-constraint needs 0.05-0.35 s per solve on a large
tangled part, and those questions number in the hundreds; an incremental SAT call takes
milliseconds. A property test checks that both backends agree on random element subsets.
"""

from solver.answers import Choice, Completion, Conflict, GroupLimit, Step, Verdict
from solver.engine import check, complete, feasible, is_forced, is_selectable

__all__ = [
    "Choice",
    "Completion",
    "Conflict",
    "GroupLimit",
    "Step",
    "Verdict",
    "check",
    "complete",
    "feasible",
    "is_forced",
    "is_selectable",
]
