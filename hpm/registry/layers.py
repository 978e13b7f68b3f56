"""Opening a registry made of layers, some of them in git repositories, at their pinned commits.

A git layer is read from the commit that ``hpm.lock`` pins for it (fetching only when that commit
is not in hpm's cache yet); a layer without a pin is fetched and its ref resolved now, and the
caller records the new pin. Path sources of a git layer become git sources at the pinned commit
(``pkg @ git+URL@COMMIT#subdirectory=pkgs/pkg``), so that every machine installs the same code;
path sources of a directory layer stay paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from hpm.errors import UsageError
from hpm.project.lockfile import Pin
from hpm.registry.catalog import OpenedRegistry, Registry, Source

if TYPE_CHECKING:
    from hpm.project.discovery import LayerLocation
    from hpm.registry.gitspec import GitRegistry


@dataclass(frozen=True, slots=True)
class _Opened:
    root: Path
    label: str
    pin: Pin | None = None
    spec: GitRegistry | None = None


@dataclass(frozen=True, slots=True)
class RemoteState:
    """Where a pinned layer's ref points on the remote now (``hpm status --remote``)."""

    pin: Pin
    remote: str | None  # the ref's commit on the remote; None: a commit ref, or the ref is gone

    @property
    def moved(self) -> bool:
        return self.remote is not None and self.remote != self.pin.commit

    @property
    def fixed(self) -> bool:
        """The ref is a commit: there is nothing on the remote to move."""
        from hpm.registry.gitfetch import is_commit_ref

        return is_commit_ref(self.pin.ref)


def remote_states(pins: Sequence[Pin]) -> tuple[RemoteState, ...]:
    """Ask each pinned layer's remote where its ref points now (``git ls-remote``, no fetch)."""
    from hpm.registry import gitfetch
    from hpm.registry.gitspec import GitRegistry

    return tuple(
        RemoteState(pin, gitfetch.remote_commit(GitRegistry(pin.url, pin.ref, pin.subdirectory)))
        for pin in pins
    )


def pin_of(spec: GitRegistry, commit: str) -> Pin:
    return Pin(spec.url, spec.ref, spec.subdirectory, commit)


def open_registry(
    layers: Sequence[LayerLocation],
    pinned: Sequence[Pin] = (),
    *,
    resolve: bool = True,
) -> OpenedRegistry:
    """Load ``layers`` as one registry, reading git layers at the commits ``pinned`` gives.

    With ``resolve`` False a git layer that has no pin is a :class:`UsageError` (``--locked``
    never follows a moving ref).
    """
    opened = [_open(layer, pinned, resolve=resolve) for layer in layers]
    fresh = tuple(o.pin for o in opened if o.pin is not None and o.pin not in pinned)
    registry = _load(opened)
    for layer in opened:
        if layer.spec is not None and layer.pin is not None:
            registry = _pin_path_sources(registry, layer.root, layer.spec, layer.pin.commit)
    pins = tuple(o.pin for o in opened if o.pin is not None)
    label = " + ".join(o.label for o in opened)
    return OpenedRegistry(replace(registry, label=label), pins, fresh)


def _open(layer: LayerLocation, pinned: Sequence[Pin], *, resolve: bool) -> _Opened:
    if layer.git is None:
        assert layer.root is not None
        return _Opened(layer.root, layer.recorded)
    from hpm.registry import gitfetch

    spec = layer.git
    pin = next((p for p in pinned if p.same_layer(spec.url, spec.ref, spec.subdirectory)), None)
    if pin is not None:
        gitfetch.ensure_commit(spec, pin.commit)
    elif resolve:
        pin = pin_of(spec, gitfetch.fetch(spec))
    else:
        raise UsageError(
            f"the registry {spec.text} is not pinned in hpm.lock",
            "run `hpm sync` (without --locked) to pin it, then commit hpm.lock",
        )
    exported = gitfetch.export(spec, pin.commit)
    return _Opened(exported.root, spec.text, pin, spec)


def _load(opened: Sequence[_Opened]) -> Registry:
    if len(opened) == 1:
        from hpm.registry.cache import load_registry_cached

        only = opened[0]
        return load_registry_cached(only.root, label=only.label if only.spec else "")
    from hpm.registry.loader import Layer, load_layers

    return load_layers([Layer(o.root, o.label) for o in opened])


def _pin_path_sources(registry: Registry, root: Path, spec: GitRegistry, commit: str) -> Registry:
    """Path sources inside ``root`` (a git layer's export) as git sources at ``commit``.

    Options' own sources and the packages of ``packages:`` bundles alike.
    """
    real = root.resolve()

    def pinned(source: Source) -> Source:
        if source.kind != "path" or source.path is None or not source.path.is_relative_to(real):
            return source
        inside = PurePosixPath(source.path.relative_to(real).as_posix())
        folder = (PurePosixPath(spec.subdirectory or ".") / inside).as_posix()
        return Source(
            git=spec.url,
            rev=commit,
            subdirectory=None if folder in ("", ".") else folder.removeprefix("./"),
            extras=source.extras,
            marker=source.marker,
            origin=source.origin,
        )

    sources = {option: pinned(source) for option, source in registry.sources.items()}
    bundled = {
        option: tuple(replace(p, source=pinned(p.source)) for p in packages)
        for option, packages in registry.bundles.items()
    }
    return replace(registry, sources=sources, bundles=bundled)
