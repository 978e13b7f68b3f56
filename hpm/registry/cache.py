"""A content-keyed cache of loaded registries.

Loading a registry parses YAML and validates every file; for a registry that has not changed
since the last command, that work (and importing the loader) is skipped: the validated result
is kept as JSON in hpm's cache directory (``HPM_CACHE_DIR``, else ``$XDG_CACHE_HOME/hpm``, else
``~/.cache/hpm``), in a file named by the registry's content digest and holding the rest of its
key: the registry's location, the names of the entries in ``groups/`` and ``packages/``, and
hpm's version. Only valid registries are cached, so every error is always reported afresh.
``HPM_NO_CACHE=1`` turns the cache off.

The digest itself is computed from per-file hashes, reused while a file's metadata (size,
mtime, ctime, inode, device) is unchanged (:func:`~hpm.registry.digest.registry_digest_memo`):
an unchanged registry costs a ``stat`` per file, not a read and a hash.

The checks that depend on the file system rather than on the YAML text (a path source must stay
inside the registry, symlinks followed) run again on every cache hit: see
:func:`paths_still_inside`.

JSON rather than pickle: a cache file is data, never code. A file that is unreadable, corrupt or
of another format version is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from pathlib import Path
from typing import Any

from hpm.fsutil import atomic_write, require_utf8_path
from hpm.machine.conditions import Condition
from hpm.registry.catalog import Disagreement, Index, Package, Registry, Source
from hpm.registry.digest import registry_digest_memo
from solver.model import Group, Model, Origin, Rule, RuleKind, Strategy

FORMAT = 4


def cache_dir() -> Path:
    """Where cached registries live."""
    if os.environ.get("HPM_CACHE_DIR"):
        return Path(os.environ["HPM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hpm"


def load_registry_cached(root: Path, *, label: str = "") -> Registry:
    """``load_registry(root)``, answered from the cache when the registry has not changed.

    ``label`` names the registry in messages (a git registry's ``git+URL@REF``), see
    :class:`hpm.registry.loader.Layer`.
    """
    from hpm import __version__

    root = require_utf8_path(Path(root), "registry")
    if os.environ.get("HPM_NO_CACHE") or not (root / "groups").is_dir():
        return _load(root, label)
    real = root.resolve()
    digest = _digest(real)
    listing = sorted(
        f"{folder}/{entry.name}"
        for folder in ("groups", "packages")
        if (real / folder).is_dir()
        for entry in (real / folder).iterdir()
    )
    # the file is named by the content digest; the rest of the key is checked inside it
    key = [str(FORMAT), __version__, str(real), label, digest, *listing]
    path = cache_dir() / f"registry-{digest.removeprefix('sha256:')[:32]}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError):
        data = json.loads(path.read_bytes())
        if data.get("format") == FORMAT and data.get("key") == key:
            cached = decode(data)
            if paths_still_inside(cached, real):
                return cached
    registry = _load(root, label)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**encode(registry), "key": key}
        atomic_write(path, json.dumps(data, separators=(",", ":")).encode())
    return registry


def _digest(real: Path) -> str:
    """The registry's digest, hashing only the files changed since the last command.

    The per-file hashes are kept beside the cached registries, keyed by the registry's real
    path; a memo that cannot be read is ignored (every file is hashed) and rewritten.
    """
    # crc32 names the file (a clash only costs a re-hash: the root is checked inside); no
    # hashlib here, so that a command on an unchanged registry never imports OpenSSL
    memo_path = cache_dir() / f"digest-{zlib.crc32(os.fsencode(real)):08x}.json"
    memo: dict[str, Any] = {}
    known = None
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(memo_path.read_bytes())
        mine = isinstance(data, dict) and data.get("root") == str(real)
        if mine and data.get("format") == FORMAT:
            memo, known = data.get("files") or {}, data.get("digest")
    if not isinstance(memo, dict) or not isinstance(known, str):
        memo, known = {}, None
    digest, kept = registry_digest_memo(real, memo, known)
    if kept != memo or digest != known:
        with contextlib.suppress(OSError):
            memo_path.parent.mkdir(parents=True, exist_ok=True)
            memo_data = {"format": FORMAT, "root": str(real), "files": kept, "digest": digest}
            atomic_write(memo_path, json.dumps(memo_data).encode())
    return digest


def local_paths(registry: Registry) -> list[Path]:
    """Every local path a registry hands to uv: path sources (bundles too) and local indexes."""
    sources = [*registry.sources.values()]
    sources += [p.source for bundle in registry.bundles.values() for p in bundle]
    paths = [s.path for s in sources if s.path is not None]
    return paths + [i.path for i in registry.indexes.values() if i.path is not None]


def paths_still_inside(registry: Registry, real_root: Path) -> bool:
    """Whether every checked path is still what validation saw: itself resolved, under the root.

    The YAML digest cannot see the file system: a directory swapped for a symlink to somewhere
    outside the registry after the registry was cached changes no registry file. So this runs on
    every cache hit; any doubt is a miss, and the full load reports the problem.
    """
    for path in local_paths(registry):
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        if resolved != path or not resolved.is_relative_to(real_root):
            return False
    return True


def _load(root: Path, label: str) -> Registry:
    from hpm.registry.loader import Layer, load_layers

    return load_layers([Layer(root, label)])


def _origin(o: Origin) -> list[Any]:
    return [o.file, o.key, o.line]


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _source(s: Source) -> list[Any]:
    return [s.git, s.rev, s.tag, s.branch, s.subdirectory, _path(s.path), s.editable, s.version,
            list(s.extras), s.marker, _origin(s.origin), s.index]  # fmt: skip


def _unsource(data: list[Any]) -> Source:
    git, rev, tag, branch, sub, path, editable, version, extras, marker, o, index = data
    return Source(git, rev, tag, branch, sub, None if path is None else Path(path), editable,
                  version, tuple(extras), marker, index, Origin(*o))  # fmt: skip


def encode(registry: Registry) -> dict[str, Any]:
    """A registry as plain JSON data (the inverse of :func:`decode`)."""
    model = registry.model
    return {
        "format": FORMAT,
        "root": str(registry.root),
        "digest": registry.digest,
        "groups": [
            [g.name, g.strategy.value, list(g.options), list(g.default), g.min, g.max,
             _origin(g.origin), g.description]
            for g in model.groups
        ],
        "rules": [
            [r.kind.value, list(r.when), list(r.targets), _origin(r.origin), r.message]
            for r in model.rules
        ],
        "sources": {name: _source(s) for name, s in registry.sources.items()},
        "bundles": {
            name: [[p.name, _source(p.source)] for p in packages]
            for name, packages in registry.bundles.items()
        },
        "indexes": [
            [i.name, i.url, _path(i.path), i.explicit, i.format, _origin(i.origin)]
            for i in registry.indexes.values()
        ],
        "disagreements": [
            [d.package, list(d.options), [_origin(o) for o in d.origins]]
            for d in registry.disagreements
        ],
        "conditions": {
            name: [[c.fact, c.spec, list(c.values), _origin(c.origin)] for c in conditions]
            for name, conditions in registry.conditions.items()
        },
    }  # fmt: skip


def decode(data: dict[str, Any]) -> Registry:
    """The registry that :func:`encode` turned into ``data``."""
    groups = tuple(
        Group(name, Strategy(strategy), tuple(options), tuple(default), lo, hi, Origin(*o), desc)
        for name, strategy, options, default, lo, hi, o, desc in data["groups"]
    )
    rules = tuple(
        Rule(RuleKind(kind), tuple(when), tuple(targets), Origin(*o), message)
        for kind, when, targets, o, message in data["rules"]
    )
    sources = {name: _unsource(s) for name, s in data["sources"].items()}
    bundles = {
        name: tuple(Package(p, _unsource(s)) for p, s in packages)
        for name, packages in data["bundles"].items()
    }
    indexes = {
        name: Index(name, url, None if path is None else Path(path), explicit, form, Origin(*o))
        for name, url, path, explicit, form, o in data["indexes"]
    }
    found = tuple(
        Disagreement(package, (a, b), (Origin(*oa), Origin(*ob)))
        for package, (a, b), (oa, ob) in data["disagreements"]
    )
    conditions = {
        name: tuple(
            Condition(fact, spec, tuple(values), Origin(*o)) for fact, spec, values, o in items
        )
        for name, items in data["conditions"].items()
    }
    return Registry(
        Path(data["root"]),
        Model(groups, rules),
        sources,
        data["digest"],
        bundles,
        indexes,
        found,
        conditions=conditions,
    )
