"""A loaded registry: the engine's model plus where each option's package comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hpm.machine.conditions import Condition
from solver.model import Model, Origin

if TYPE_CHECKING:
    from hpm.project.lockfile import Pin


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
    index: str | None = None  # the name of an index in indexes.yaml (index packages only)
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

    def same_as(self, other: Source) -> bool:
        """Whether both describe the same requirement (where they were written aside)."""
        return replace(self, origin=other.origin) == other


@dataclass(frozen=True, slots=True)
class Index:
    """A package index from ``indexes.yaml``, as hpm writes it to ``[[tool.uv.index]]``.

    Exactly one of ``url`` (an http(s) URL) and ``path`` (a local directory, absolute, already
    checked to lie inside the registry root) is set.
    """

    name: str  # uv's index name: ASCII letters, digits, `-`, `_`, `.`
    url: str | None = None
    path: Path | None = None
    explicit: bool = True  # only packages routed to it come from it
    format: str | None = None  # None (a simple API index) or "flat" (find-links style)
    origin: Origin = Origin("", "")  # noqa: RUF009
    override: bool = False  # replaces an index of an earlier registry layer (while loading only)


@dataclass(frozen=True, slots=True)
class Package:
    """One package an option installs: its (normalised) name and where it comes from."""

    name: str
    source: Source


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Two options that install one package from different sources (a derived conflict rule)."""

    package: str
    options: tuple[str, str]
    origins: tuple[Origin, Origin]  # where each option gives the package its source


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything hpm knows after loading and validating a registry directory."""

    root: Path  # absolute
    model: Model
    sources: Mapping[str, Source] = field(default_factory=dict)  # option name -> source
    digest: str = ""  # sha256 over the registry's files (names and bytes), for hpm.lock
    bundles: Mapping[str, tuple[Package, ...]] = field(default_factory=dict)  # `packages:` options
    indexes: Mapping[str, Index] = field(default_factory=dict)  # indexes.yaml, by name
    disagreements: tuple[Disagreement, ...] = ()  # each is also a conflict rule of the model
    overrides: Mapping[str, str] = field(default_factory=dict)  # group -> file it replaced
    # option name -> its ``machine:`` conditions (all must hold), for options that have any
    conditions: Mapping[str, tuple[Condition, ...]] = field(default_factory=dict)
    label: str = ""  # how to name a git-hosted or layered registry (else: its root)

    @property
    def location(self) -> str:
        """The registry as the user configured it: ``git+URL@REF``, the layers, or its root."""
        return self.label or str(self.root)

    def source(self, option: str) -> Source:
        """The option's source; an option with none comes from the index by name."""
        return self.sources.get(option, Source())

    def packages(self, option: str) -> tuple[Package, ...]:
        """What choosing ``option`` installs: its bundle, else one package named like it."""
        bundle = self.bundles.get(option)
        if bundle is not None:
            return bundle
        return (Package(option, self.source(option)),)

    def unused_indexes(self) -> tuple[Index, ...]:
        """The indexes of indexes.yaml that no package of any option is routed to."""
        used = {p.source.index for o in self.model.options for p in self.packages(o)}
        return tuple(i for name, i in self.indexes.items() if name not in used)


@dataclass(frozen=True, slots=True)
class OpenedRegistry:
    """A registry loaded from its layers, with the commits its git layers were read at.

    Here rather than in :mod:`hpm.registry.layers`, so that a plain directory registry is opened
    without importing the layer and git machinery (start-up of ``hpm check``).
    """

    registry: Registry
    pins: tuple[Pin, ...]  # one per git layer, in layer order
    fresh: tuple[Pin, ...]  # the pins resolved now because hpm.lock had none for them
