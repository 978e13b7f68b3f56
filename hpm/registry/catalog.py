"""A loaded registry: the engine's model plus where each option's package comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from solver.model import Model, Origin


@dataclass(frozen=True, slots=True)
class Source:
    """Where one package comes from. Exactly one of git / path / index (neither set)."""

    git: str | None = None  # URL without the "git+" prefix, e.g. "https://host/repo.git"
    rev: str | None = None  # at most one of rev / tag / branch
    tag: str | None = None
    branch: str | None = None
    subdirectory: str | None = None
    path: Path | None = None  # absolute, already checked to lie inside the registry root
    editable: bool = False
    version: str | None = None  # PEP 440 specifier for index packages, e.g. ">=0.3,<1"
    extras: tuple[str, ...] = ()
    marker: str | None = None  # PEP 508 environment marker
    origin: Origin = Origin("", "")  # noqa: RUF009 (Origin is frozen: sharing it is safe)

    @property
    def kind(self) -> str:
        """``"git"``, ``"path"`` or ``"index"``."""
        if self.git:
            return "git"
        if self.path is not None:
            return "path"
        return "index"

    @property
    def ref(self) -> str | None:
        return self.rev or self.tag or self.branch


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything hpm knows after loading and validating a registry directory."""

    root: Path  # absolute
    model: Model
    sources: Mapping[str, Source] = field(default_factory=dict)  # option name -> source
    digest: str = ""  # sha256 over the registry's files (names and bytes), for hpm.lock

    def source(self, option: str) -> Source:
        """The option's source; an option with none comes from the index by name."""
        return self.sources.get(option, Source())
