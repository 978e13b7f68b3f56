"""`hpm registry update [--ref REF]`: move the pins of git-hosted registry layers, say what changed.

Fetches every git layer, resolves its ref (``--ref`` replaces the ref of the one git layer, in
``[tool.hpm] registry`` too), loads the registry at the old pins and at the new ones, and reports
the difference. Only ``hpm.lock``'s pins (and, with ``--ref``, the registry setting) change: the
packages stay as they are until ``hpm sync`` applies the new registry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hpm.errors import UsageError
from hpm.project.discovery import LayerLocation, RegistryLocation, find_project, locate_registry
from hpm.project.manifest import Manifest, read_manifest

if TYPE_CHECKING:
    from hpm.project.lockfile import Pin
    from hpm.registry.catalog import Source
    from hpm.registry.diff import RegistryChanges


@dataclass(frozen=True, slots=True)
class LayerMove:
    """One git layer: its location (with the new ref) and the commit before and after."""

    registry: str  # git+URL@REF[#subdirectory=...]
    old: str | None  # None: hpm.lock did not pin it yet
    new: str


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What ``hpm registry update`` did."""

    moves: tuple[LayerMove, ...]
    changes: RegistryChanges
    written: bool  # hpm.lock (and maybe pyproject.toml) changed

    @property
    def moved(self) -> bool:
        return any(m.old != m.new for m in self.moves)


def registry_update(
    project_dir: str | None, registry_opt: str | None, *, ref: str | None
) -> UpdateReport:
    """Fetch, re-resolve and re-pin every git layer; the caller holds the project's lock.

    The selection is not checked: it may name what only the new commit has.
    """
    from hpm.project.lockfile import read_lock, record_pins
    from hpm.registry import gitfetch
    from hpm.registry.diff import registry_changes
    from hpm.registry.layers import open_registry, pin_of

    project = find_project(Path(project_dir) if project_dir else None)
    manifest = read_manifest(project.pyproject)
    location = locate_registry(project, manifest, registry_opt)
    if not any(layer.git for layer in location.layers):
        raise UsageError(
            "the registry is not in a git repository: there is no pin to update",
            'a git-hosted registry is written registry = "git+URL@REF" in [tool.hpm]',
        )
    target = _with_ref(location, ref) if ref else location
    lock = read_lock(project.root)
    pinned = lock.pins if lock else ()
    old = open_registry(location.layers, pinned)
    fresh = tuple(
        pin_of(layer.git, gitfetch.fetch(layer.git)) for layer in target.layers if layer.git
    )
    new = open_registry(target.layers, fresh, resolve=False)
    moves = tuple(
        LayerMove(layer.recorded, _commit_of(pinned, layer), pin.commit)
        for layer, pin in zip([x for x in target.layers if x.git], fresh, strict=True)
    )

    def same_code(a: Source, b: Source) -> bool | None:
        for before, after in zip(old.pins, new.pins, strict=False):
            if (
                a.git == b.git == before.url == after.url
                and (a.rev, b.rev) == (before.commit, after.commit)
                and a.subdirectory == b.subdirectory
            ):
                return gitfetch.same_folder(
                    before.url, before.commit, after.commit, a.subdirectory or ""
                )
        return None

    changes = registry_changes(old.registry, new.registry, same_code)
    written = lock is None or lock.pins != new.pins or target != location
    if written:
        record_pins(project.root, lock, target.recorded, new.pins)
    if target != location:
        from hpm.project.manifest import set_registry

        texts = tuple(layer.git.text if layer.git else _configured(manifest, i)
                      for i, layer in enumerate(target.layers))  # fmt: skip
        set_registry(project.pyproject, texts[0] if isinstance(manifest.registry, str) else texts)
    return UpdateReport(moves, changes, written)


def _with_ref(location: RegistryLocation, ref: str) -> RegistryLocation:
    from hpm.registry.sources import check_git_ref

    why = check_git_ref(ref)
    if why:
        raise UsageError(f"bad --ref `{ref}`: {why}")
    gits = [layer for layer in location.layers if layer.git is not None]
    if location.source != "tool.hpm.registry":
        raise UsageError(
            f"--ref changes [tool.hpm] registry, but the registry comes from {location.source}",
            "give the ref in the location itself: git+URL@REF",
        )
    if len(gits) != 1:
        raise UsageError(
            f"--ref needs exactly one git registry layer; the registry has {len(gits)}",
            "change the refs in [tool.hpm] registry, then run `hpm registry update`",
        )
    layers = tuple(
        replace(layer, git=layer.git.with_ref(ref), recorded=layer.git.with_ref(ref).text)
        if layer.git is not None
        else layer
        for layer in location.layers
    )
    return replace(location, layers=layers)


def _commit_of(pins: tuple[Pin, ...], layer: LayerLocation) -> str | None:
    """The commit hpm.lock pinned for the layer's repository folder (whatever the ref was)."""
    git = layer.git
    for pin in pins:
        if git is not None and (pin.url, pin.subdirectory) == (git.url, git.subdirectory):
            return pin.commit
    return None


def _configured(manifest: Manifest, index: int) -> str:
    registry = manifest.registry
    if isinstance(registry, str):
        return registry
    assert isinstance(registry, tuple)
    return registry[index]
