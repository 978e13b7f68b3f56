"""A pure constraint engine for group selections: the public API, all of it.

Input (:mod:`solver.model`): ``Model`` (``Group``, ``Rule``, ``Origin``), ``Selection``.
Questions (completion mode: absent groups may be activated when rules need them):

- ``check(model, selection) -> Verdict``: ``"valid"`` (no open group, and the selection as
  written satisfies everything), ``"incomplete"`` (``complete`` would succeed; ``open_groups``,
  ``needed_groups``) or ``"invalid"`` (``conflict`` is a minimal conflict).
- ``complete(model, selection) -> Completion``: keeps chosen groups exactly, fills open
  groups (an open group selects at least one option), activates absent groups only when
  needed; the preference is stated in :mod:`solver.engine` and docs/engine.md.
- ``feasible(model, selection, group) -> dict[str, Conflict | None]``: per option, in
  registry order, None if choosing it still admits a completion, else why not.
- ``why_not(model, selection, options) -> dict[str, Conflict]``: the conflicts of options
  known to be rejected (e.g. dead ones), all from one oracle.
- ``analyse(model) -> Analysis`` (core, dead, void) and ``rule_findings(model) ->
  RuleFindings`` (rules that never apply, redundant rules).

Answers are frozen data (:mod:`solver.answers`, :mod:`solver.conflicts`; the analysis's in
:mod:`solver.analysis`), never sentences: the application words them.
Tunables are arguments (``SolverLimits``), never module globals. Malformed selections (unknown
group or option, a 1-of-N group chosen with other than one option) raise ``ValueError``.

Inside: :mod:`solver.problem` states a question once as elements (choices, group limits,
rules) and what each means (``holds``); :mod:`solver.cnf` is the one SAT oracle (python-sat,
loaded lazily); :mod:`solver.csp` compiles the same elements for python-constraint, which
gives the completion's first witness on small parts.
"""

from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so that ``hpm check`` does not load the analysis modules and
# ``import solver.model`` stays cheap; ``from solver import X`` works as before.
_HOME = {
    **dict.fromkeys(("Analysis", "RuleFindings", "analyse", "rule_findings"), "solver.analysis"),
    **dict.fromkeys(
        (
            "Choice",
            "Completion",
            "Constraint",
            "Element",
            "GroupLimit",
            "Verdict",
        ),
        "solver.answers",
    ),
    **dict.fromkeys(("Conflict", "Step"), "solver.conflicts"),
    **dict.fromkeys(("SolverLimits", "check", "complete", "feasible", "why_not"), "solver.engine"),
    **dict.fromkeys(
        ("Group", "Model", "Origin", "Rule", "RuleKind", "Selection", "Strategy", "TermRules"),
        "solver.model",
    ),
}

if TYPE_CHECKING:
    from solver.analysis import Analysis, RuleFindings, analyse, rule_findings
    from solver.answers import Choice, Completion, Constraint, Element, GroupLimit, Verdict
    from solver.conflicts import Conflict, Step
    from solver.engine import SolverLimits, check, complete, feasible, why_not
    from solver.model import Group, Model, Origin, Rule, RuleKind, Selection, Strategy, TermRules


__all__ = [
    "Analysis",
    "Choice",
    "Completion",
    "Conflict",
    "Constraint",
    "Element",
    "Group",
    "GroupLimit",
    "Model",
    "Origin",
    "Rule",
    "RuleFindings",
    "RuleKind",
    "Selection",
    "SolverLimits",
    "Step",
    "Strategy",
    "TermRules",
    "Verdict",
    "analyse",
    "check",
    "complete",
    "feasible",
    "rule_findings",
    "why_not",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
