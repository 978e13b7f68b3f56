"""What the engine answers: the elements of a question (:class:`Choice`, :class:`GroupLimit`),
verdicts and completions. All frozen data.

Answers that most commands never make live with what makes them, so that those commands never
create their classes (a frozen dataclass costs about a millisecond at import): conflicts in
:mod:`solver.conflicts` (made by :mod:`solver.explain`), the analysis's answers in
:mod:`solver.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from solver.model import Origin, Rule, Selection

if TYPE_CHECKING:
    from solver.conflicts import Conflict

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
