"""Why a question has no answer: a minimal :class:`Conflict`, with its readable chain of
:class:`Step` objects and the ways out. Frozen data, made by :mod:`solver.explain` only.

A :class:`Conflict` is a *minimal* set of the user's choices and of the registry's constraints
that cannot hold together: dropping any single element makes the rest consistent. Its elements
are :class:`~solver.answers.Choice` objects (the user's side) and constraints, each a
:class:`~solver.model.Rule` or a :class:`~solver.answers.GroupLimit` (the registry's side, each
with its ``Origin``).
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.answers import Choice, Constraint, Element
from solver.model import Origin


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
