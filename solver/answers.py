"""What the engine answers: verdicts, completions and conflicts. All frozen data.

A :class:`Conflict` is a *minimal* set of the user's choices and of the registry's constraints
that cannot hold together: dropping any single element makes the rest consistent. Its elements
are :class:`Choice` objects (the user's side) and constraints, each a :class:`~solver.model.Rule`
or a :class:`GroupLimit` (the registry's side, each with its ``Origin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from solver.model import Origin, Rule, Selection

ChoiceKind = Literal["chosen", "only", "open"]


@dataclass(frozen=True, slots=True)
class Choice:
    """One element of the user's selection.

    - ``chosen``: ``option`` of ``group`` is selected (``inference = X``; "metrics includes X").
    - ``only``: an M-of-N group's chosen set leaves ``option`` out (the set is exact).
    - ``open``: ``group`` is listed with its choice left open, so it must be active: it
      selects at least one option (``option`` is None; how many more is its ``GroupLimit``).
    """

    group: str
    option: str | None
    kind: ChoiceKind


@dataclass(frozen=True, slots=True)
class GroupLimit:
    """A group's strategy as a constraint: it selects no option, or between ``lower`` and
    ``upper`` of them (a 1-of-N group: lower = upper = 1; ``lower > upper``: the group can never
    be active). Made only for groups whose strategy constrains something."""

    group: str
    lower: int
    upper: int
    origin: Origin


Constraint = Rule | GroupLimit
Element = Choice | Rule | GroupLimit


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a readable chain: ``element`` connects the term ``source`` to ``target``.

    ``relation`` is ``"chosen"``, ``"only"``, ``"open"``, ``"requires"``, ``"conflicts"`` or
    ``"limit"``; ``origin`` is None for the user's choices.
    """

    source: str
    target: str
    relation: str
    element: Element
    origin: Origin | None


@dataclass(frozen=True, slots=True)
class Conflict:
    """A minimal conflict, with a readable chain and the ways out.

    ``fixes``: each a minimal set of the user's choices whose removal (drop it, or change the
    group's choice) makes the part of the registry the conflict lives in consistent again;
    smallest first. Empty when the registry's constraints conflict on their own.
    """

    choices: tuple[Choice, ...]
    constraints: tuple[Constraint, ...]
    chain: tuple[Step, ...] = ()
    fixes: tuple[tuple[Choice, ...], ...] = ()

    @property
    def elements(self) -> tuple[Element, ...]:
        return (*self.choices, *self.constraints)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of :func:`solver.check`.

    ``status``: ``"valid"`` (no open group, and the selection as written satisfies every
    constraint), ``"incomplete"`` (not valid, but :func:`solver.complete` succeeds: see
    ``open_groups`` and ``needed_groups``, the absent groups completion would activate) or
    ``"invalid"`` (no completion exists; ``conflict`` says why).
    """

    status: Literal["valid", "incomplete", "invalid"]
    conflict: Conflict | None = None
    open_groups: tuple[str, ...] = ()
    needed_groups: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "valid"


@dataclass(frozen=True, slots=True)
class Completion:
    """The answer of :func:`solver.complete`.

    On success ``selection`` lists every active group as chosen, ``added`` the absent groups
    that rules forced active, ``filled`` the groups that were open, and ``conflict`` is None.
    On failure ``selection`` is the input selection and ``conflict`` says why.
    """

    selection: Selection
    added: tuple[str, ...] = ()
    filled: tuple[str, ...] = ()
    conflict: Conflict | None = None

    @property
    def ok(self) -> bool:
        return self.conflict is None


@dataclass(frozen=True, slots=True)
class Analysis:
    """What holds in every (or no) valid configuration of a registry. Tuples are sorted.

    *core*: options selected in every valid configuration; *dead*: in none; *void*: there is
    no valid configuration at all (then every option is dead and none is core).
    """

    core: tuple[str, ...]
    dead: tuple[str, ...]
    void: bool
    dead_groups: tuple[str, ...] = ()  # groups that can never be active (every option dead)
    dead_defaults: tuple[tuple[str, str], ...] = ()  # (group, option): defaults that are dead


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """Rules that do nothing: indexes into ``model.rules``, in registry order.

    ``never_applies``: the rule's ``when`` cannot hold in any valid configuration, even of the
    registry without that rule (so the rule can never take effect: usually a mistake; a rule
    that itself makes its condition impossible, like ``a requires b`` with ``a conflicts b``,
    does apply: it is what makes ``a`` dead). ``redundant``: the rule can apply, but the other
    rules and groups already imply it (removing it changes no valid configuration).
    """

    never_applies: tuple[int, ...] = ()
    redundant: tuple[int, ...] = ()
