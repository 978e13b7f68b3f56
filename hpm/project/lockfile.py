"""``hpm.lock``: what ``hpm sync`` materialised last time, beside ``pyproject.toml``.

```toml
# This file is written by hpm sync. Do not edit it by hand.
version = 1
registry = "registry"
registry-digest = "sha256:..."

[[registry-pin]]                   # one per registry layer in a git repository
url = "https://github.com/acme/hpm-registry"
ref = "v3"
commit = "4b8e1f..."               # what every command reads until `hpm registry update`
subdirectory = "registries/ml"     # only when the registry is a folder of the repository

[groups]
inference = "vlm-adapter-qwen"
metrics = ["metric-accuracy", "metric-latency"]

[packages]
vlm-adapter-qwen = "vlm-adapter-qwen @ ./registry/packages/vlm-adapter-qwen"
torch = "torch>=2.5"

[sources]
torch = "pytorch-cpu"

[indexes]
pytorch-cpu = { url = "https://download.pytorch.org/whl/cpu", explicit = true }

[machine]
accelerator = { compute_capability = "9.0", cuda = "13.0", gpu = "nvidia" }

[declared]
vlm-adapter-qwen = { dependencies = ["vlm-adapter-qwen"], source = { path = "registry/..." } }
```

``packages`` maps each package hpm added to the requirement string it handed to uv, so the next
sync knows what to remove and what changed. ``sources`` and ``indexes`` (optional) are the
``[tool.uv.sources]`` routes and ``[[tool.uv.index]]`` entries hpm wrote (see
:mod:`hpm.apply.routing`). ``declared`` records how pyproject.toml declared each of hpm's packages
right after the sync, so that a later hand edit makes the package the user's (see
:mod:`hpm.apply.ownership`). ``auto-groups`` (optional) lists the groups that ``sync --auto``
activated only because a rule needed them. ``machine`` (optional) keeps, per group that
``sync --auto`` filled among options with ``machine:`` conditions, the facts those conditions read
and their values then (``"none"`` for a fact the machine did not have), so ``hpm status`` can
tell when another machine would choose differently. All of these are optional, so older locks
still read. Rendering is pure and deterministic (sorted keys).
``registry-pin`` entries are written by the first command that fetches a git-hosted registry and
by ``hpm registry update``; every other command reads the registry at the pinned commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hpm.errors import InputError, Problem
from hpm.fsutil import atomic_write
from hpm.project import tomlfile

LOCK_NAME = "hpm.lock"
VERSION = 1
HEADER = "# This file is written by hpm sync. Do not edit it by hand.\n"
_HINT = "delete hpm.lock and run `hpm sync` again"

GroupValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pin:
    """A git-hosted registry layer and the commit it is pinned at."""

    url: str  # without "git+"
    ref: str
    subdirectory: str
    commit: str

    def same_layer(self, url: str, ref: str, subdirectory: str) -> bool:
        return (self.url, self.ref, self.subdirectory) == (url, ref, subdirectory)


@dataclass(frozen=True, slots=True)
class LockState:
    """The content of ``hpm.lock``. Group values are as in the manifest (str or tuple)."""

    registry: str  # as configured, relative to the project when possible (posix)
    digest: str  # the registry's content digest, e.g. "sha256:..."
    groups: Mapping[str, GroupValue] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)  # name -> requirement for uv
    sources: Mapping[str, str] = field(default_factory=dict)  # package -> index hpm routed it to
    # index name -> the fields hpm wrote to [[tool.uv.index]] (url, explicit, format)
    indexes: Mapping[str, Mapping[str, str | bool]] = field(default_factory=dict)
    pins: tuple[Pin, ...] = ()  # git-hosted registry layers, in layer order
    # group -> the machine facts that decided its `sync --auto` choice (fact -> value)
    machine: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # name -> {"dependencies": [...], "source": {...}}: pyproject.toml's entries after the sync
    declared: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    auto_groups: tuple[str, ...] = ()  # activated by `sync --auto` only because a rule needed them

    def __post_init__(self) -> None:
        groups = {k: tuple(v) if isinstance(v, list) else v for k, v in self.groups.items()}
        object.__setattr__(self, "groups", MappingProxyType(groups))
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "indexes", MappingProxyType(dict(self.indexes)))
        object.__setattr__(self, "machine", MappingProxyType(dict(self.machine)))
        object.__setattr__(self, "declared", MappingProxyType(dict(self.declared)))
        object.__setattr__(self, "auto_groups", tuple(sorted(set(self.auto_groups))))


def lock_path(project_dir: Path) -> Path:
    """Where the lock of the project in ``project_dir`` lives."""
    return Path(project_dir) / LOCK_NAME


def render_lock(state: LockState) -> bytes:
    """The bytes of ``hpm.lock`` for ``state``: deterministic, keys sorted, LF line endings."""
    lines = [
        HEADER.rstrip("\n"),
        f"version = {VERSION}",
        f"registry = {tomlfile.format_value(state.registry)}",
        f"registry-digest = {tomlfile.format_value(state.digest)}",
        *(
            [f"auto-groups = {tomlfile.format_value(list(state.auto_groups))}"]
            if state.auto_groups
            else []
        ),
        *(line for pin in state.pins for line in _pin_lines(pin)),
        *_table("groups", state.groups, tomlfile.format_value),
        *_table("packages", state.packages, tomlfile.format_value),
        *_optional_table("sources", state.sources, tomlfile.format_value),
        *_optional_table("indexes", state.indexes, _inline),
        *_optional_table("machine", state.machine, _inline),
        *_optional_table("declared", state.declared, tomlfile.format_inline),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_lock(project_dir: Path, state: LockState) -> None:
    """Write ``hpm.lock`` atomically (readers see the old lock or the new one)."""
    atomic_write(lock_path(project_dir), render_lock(state))


def record_pins(
    project_dir: Path, state: LockState | None, registry: str, pins: tuple[Pin, ...]
) -> LockState:
    """Write ``pins`` into hpm.lock (``state``, as read; None: there is none yet), keeping the rest.

    A new hpm.lock holds only the pins: what is installed is recorded by ``hpm sync``.
    """
    from dataclasses import replace

    new = LockState(registry, "", pins=pins) if state is None else replace(state, pins=pins)
    write_lock(project_dir, new)
    return new


def read_lock(project_dir: Path) -> LockState | None:
    """The lock beside the project's ``pyproject.toml``, or None when there is none yet.

    A lock that cannot be read is an InputError naming ``hpm.lock`` with a hint to delete it.
    """
    path = lock_path(project_dir)
    try:
        text = tomlfile.read_text(path, LOCK_NAME)
        data = tomlfile.loads(text, LOCK_NAME)
    except FileNotFoundError:
        return None
    except InputError as e:
        raise InputError([_problem(p.key, p.message, p.line) for p in e.problems]) from e
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(_problem(key, message))

    if data.get("version") != VERSION:
        report("version", f"unsupported lock version {data.get('version')!r} (expected {VERSION})")
    registry = _string(data, "registry", report)
    digest = _string(data, "registry-digest", report)
    groups = _groups(data.get("groups", {}), report)
    packages = _packages(data.get("packages", {}), report)
    sources = _packages(data.get("sources", {}), report, "sources", "must be an index name")
    indexes = _indexes(data.get("indexes", {}), report)
    declared = _declared(data.get("declared", {}), report)
    auto_groups = _names(data.get("auto-groups", []), "auto-groups", report)
    pins = _pins(data.get("registry-pin", []), report)
    machine = _machine(data.get("machine", {}), report)
    for key in sorted(set(data) - _KEYS):
        report(key, "unknown key")
    if problems:
        raise InputError(problems)
    return LockState(
        registry or "",
        digest or "",
        groups,
        packages,
        sources,
        indexes,
        pins,
        declared=declared,
        auto_groups=auto_groups,
        machine=machine,
    )


_KEYS = {
    "version", "registry", "registry-digest", "groups", "packages", "sources", "indexes",
    "registry-pin", "declared", "auto-groups", "machine",
}  # fmt: skip


def group_changes(
    state: LockState, manifest_groups: Mapping[str, str | tuple[str, ...] | list[str]]
) -> list[tuple[str, str]]:
    """How the manifest's groups differ from the lock's: ``(group, what)`` pairs, in order.

    The order of options in an M-of-N list does not matter; ``""``/``[]`` (open) differs from
    any explicit choice.
    """
    drift: list[tuple[str, str]] = []
    for name in manifest_groups:
        if name not in state.groups:
            drift.append((name, "in pyproject.toml but not in hpm.lock"))
    for name in state.groups:
        if name not in manifest_groups:
            drift.append((name, "in hpm.lock but no longer in pyproject.toml"))
    for name, value in manifest_groups.items():
        if name in state.groups and _key(value) != _key(state.groups[name]):
            drift.append(
                (
                    name,
                    f"hpm.lock has {_show(state.groups[name])}, pyproject.toml has {_show(value)}",
                )
            )
    return drift


# -- helpers -----------------------------------------------------------------------------------


def _problem(key: str, message: str, line: int | None = None) -> Problem:
    return Problem(LOCK_NAME, key, message, _HINT, line)


def _string(data: Mapping[str, Any], key: str, report: Any) -> str | None:
    value = data.get(key)
    if not isinstance(value, str):
        report(key, "missing" if value is None else "must be a string")
        return None
    return value


def _groups(raw: object, report: Any) -> dict[str, GroupValue]:
    if not isinstance(raw, dict):
        report("groups", "must be a table")
        return {}
    groups: dict[str, GroupValue] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            groups[name] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            groups[name] = tuple(value)
        else:
            report(f"groups.{tomlfile.format_key(name)}", "must be a string or a list of strings")
    return groups


def _packages(
    raw: object, report: Any, table: str = "packages", what: str = "must be a requirement string"
) -> dict[str, str]:
    return _table_of(raw, table, lambda value: isinstance(value, str), what, report)


def _table_of(
    raw: object, key: str, fits: Callable[[Any], bool], message: str, report: Any
) -> dict[str, Any]:
    """``raw`` as a table whose values all ``fit``; each value that does not is reported."""
    if not isinstance(raw, dict):
        report(key, "must be a table")
        return {}
    table: dict[str, Any] = {}
    for name, value in raw.items():
        if fits(value):
            table[name] = value
        else:
            report(f"{key}.{tomlfile.format_key(name)}", message)
    return table


def _indexes(raw: object, report: Any) -> dict[str, dict[str, str | bool]]:
    def fits(value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("url"), str)

    return _table_of(raw, "indexes", fits, "must be a table with a `url`", report)


def _machine(raw: object, report: Any) -> dict[str, dict[str, str]]:
    def fits(value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())

    table = _table_of(raw, "machine", fits, "must be a table of fact = value", report)
    return {group: dict(facts) for group, facts in table.items()}


def _declared(raw: object, report: Any) -> dict[str, Mapping[str, Any]]:
    def fits(value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("dependencies"), list)

    return _table_of(raw, "declared", fits, "must be a table with `dependencies`", report)


def _table(name: str, values: Mapping[str, Any], render: Any) -> list[str]:
    """A blank line, ``[name]`` and its keys, sorted, each value rendered by ``render``."""
    rows = [f"{tomlfile.format_key(k)} = {render(values[k])}" for k in sorted(values)]
    return ["", f"[{name}]", *rows]


def _optional_table(name: str, values: Mapping[str, Any], render: Any) -> list[str]:
    """:func:`_table`, or nothing when ``values`` is empty (older locks)."""
    return _table(name, values, render) if values else []


def _inline(fields: Mapping[str, str | bool]) -> str:
    inner = ", ".join(
        f"{tomlfile.format_key(k)} = {tomlfile.format_value(v)}" for k, v in fields.items()
    )
    return "{ " + inner + " }"


def _names(raw: object, key: str, report: Any) -> tuple[str, ...]:
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        return tuple(raw)
    report(key, "must be a list of strings")
    return ()


def _pin_lines(pin: Pin) -> list[str]:
    lines = ["", "[[registry-pin]]", f"url = {tomlfile.format_value(pin.url)}"]
    lines.append(f"ref = {tomlfile.format_value(pin.ref)}")
    lines.append(f"commit = {tomlfile.format_value(pin.commit)}")
    if pin.subdirectory:
        lines.append(f"subdirectory = {tomlfile.format_value(pin.subdirectory)}")
    return lines


def _pins(raw: object, report: Any) -> tuple[Pin, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        report("registry-pin", "must be an array of tables ([[registry-pin]])")
        return ()
    pins = []
    for i, table in enumerate(raw):
        values = {k: table.get(k, "") for k in ("url", "ref", "commit", "subdirectory")}
        bad = [k for k, v in values.items() if not isinstance(v, str)]
        bad += [k for k in ("url", "ref", "commit") if not values[k]]
        unknown = sorted(set(table) - set(values))
        if bad or unknown:
            report(f"registry-pin[{i}]", f"needs string url, ref and commit; bad: {bad + unknown}")
            continue
        pins.append(Pin(values["url"], values["ref"], values["subdirectory"], values["commit"]))
    return tuple(pins)


def _key(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(sorted(value))


def _show(value: str | tuple[str, ...] | list[str]) -> str:
    return tomlfile.format_value(value if isinstance(value, str) else list(value))
