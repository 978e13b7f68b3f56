"""A chosen package that the user declares (see :mod:`hpm.apply.ownership`).

Its own module, imported only when there is one: a sync of hpm's own packages never creates
the class (a frozen dataclass costs about a millisecond at import).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kept:
    """A chosen package that the user declares: hpm leaves it exactly as written."""

    name: str
    entries: tuple[str, ...]  # the user's requirement strings
    wanted: str  # what the registry asks for (the requirement hpm would have added)
    edited: bool = False  # True: hpm added it once, and the user changed it by hand since
    differs: bool = False  # the registry's version or source differs from the user's
