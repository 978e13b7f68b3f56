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
    - ``open``: ``group`` is listed with its choice left open, so it must be active
      (``option`` is None).
    """

    group: str
    option: str | None
    kind: ChoiceKind

    def __str__(self) -> str:
        if self.kind == "open":
            return f"{self.group} is listed (open)"
        if self.kind == "only":
            return f"{self.group} leaves out {self.option}"
        return f"{self.group} = {self.option}"


@dataclass(frozen=True, slots=True)
class GroupLimit:
    """A group strategy constraint, e.g. "inference selects at most one option".

    For a 1-of-N group: at most one option (exactly one follows from the group being active).
    For an M-of-N group: none, or between ``lower`` and ``upper`` options.
    """

    group: str
    text: str
    origin: Origin

    def __str__(self) -> str:
        return self.text


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
