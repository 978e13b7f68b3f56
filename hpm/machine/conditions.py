"""An option's ``machine:`` condition: which machines can run it.

A versioned fact (``python``, ``cuda``, ``cuda_driver``, ``compute_capability``, ``rocm``) takes a
PEP 440 specifier, parsed with ``packaging``; a categorical fact (``os``, ``arch``, ``gpu``) one
value or a list. A fact the machine does not have (``cuda`` without an NVIDIA driver) meets no
versioned condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hpm.machine.facts import VERSIONED
from solver.model import Origin

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet


@dataclass(frozen=True, slots=True)
class Condition:
    """``fact`` must match: ``spec`` (versioned) or be one of ``values`` (categorical)."""

    fact: str
    spec: str  # versioned: the specifier, normalised by packaging (">=13.0"); else ""
    values: tuple[str, ...]  # categorical: the allowed values; else ()
    origin: Origin  # the condition in its group file

    @property
    def text(self) -> str:
        """``"cuda >=13.0"``, ``"gpu nvidia"``, ``"os linux or macos"``."""
        return f"{self.fact} {self.spec or ' or '.join(self.values)}"

    def holds(self, value: str | None) -> bool:
        """Whether a machine whose fact is ``value`` (None: absent) meets this condition."""
        if value is None:
            return False
        if self.fact not in VERSIONED:
            return value in self.values
        from packaging.version import InvalidVersion, Version  # only when a condition is asked

        try:
            return _specifier(self.spec).contains(Version(value), prereleases=True)
        except InvalidVersion:
            return False


@lru_cache(maxsize=256)
def _specifier(spec: str) -> SpecifierSet:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(spec)
