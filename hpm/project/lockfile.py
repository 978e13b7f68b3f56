"""``hpm.lock``: what ``hpm sync`` materialised last time, beside ``pyproject.toml``.

```toml
# This file is written by hpm sync. Do not edit it by hand.
version = 1
registry = "registry"
registry-digest = "sha256:..."

[groups]
inference = "vlm-adapter-qwen"
metrics = ["metric-accuracy", "metric-latency"]

[packages]
vlm-adapter-qwen = "vlm-adapter-qwen @ ./registry/packages/vlm-adapter-qwen"
```

``packages`` maps each package hpm added to the requirement string it handed to uv, so the next
sync knows what to remove and what changed. Rendering is pure and deterministic (sorted keys).
"""

from __future__ import annotations

from collections.abc import Mapping
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
class LockState:
    """The content of ``hpm.lock``. Group values are as in the manifest (str or tuple)."""

    registry: str  # as configured, relative to the project when possible (posix)
    digest: str  # the registry's content digest, e.g. "sha256:..."
    groups: Mapping[str, GroupValue] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)  # name -> requirement for uv

    def __post_init__(self) -> None:
        groups = {k: tuple(v) if isinstance(v, list) else v for k, v in self.groups.items()}
        object.__setattr__(self, "groups", MappingProxyType(groups))
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))


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
        "",
        "[groups]",
        *(
            f"{tomlfile.format_key(k)} = {tomlfile.format_value(state.groups[k])}"
            for k in sorted(state.groups)
        ),
        "",
        "[packages]",
        *(
            f"{tomlfile.format_key(k)} = {tomlfile.format_value(state.packages[k])}"
            for k in sorted(state.packages)
        ),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_lock(project_dir: Path, state: LockState) -> None:
    """Write ``hpm.lock`` atomically (readers see the old lock or the new one)."""
    atomic_write(lock_path(project_dir), render_lock(state))


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
    for key in sorted(set(data) - {"version", "registry", "registry-digest", "groups", "packages"}):
        report(key, "unknown key")
    if problems:
        raise InputError(problems)
    return LockState(registry or "", digest or "", groups, packages)


def lock_drift(
    state: LockState,
    manifest_groups: Mapping[str, str | tuple[str, ...] | list[str]],
    digest: str,
) -> list[str]:
    """What differs between the lock and the manifest/registry now, one sentence per change.

    Empty when ``hpm sync --locked`` may proceed. The order of options in an M-of-N list does
    not matter; ``""``/``[]`` (open) differs from any explicit choice.
    """
    drift: list[str] = []
    for name in manifest_groups:
        if name not in state.groups:
            drift.append(f"group `{name}` is in pyproject.toml but not in hpm.lock")
    for name in state.groups:
        if name not in manifest_groups:
            drift.append(f"group `{name}` is in hpm.lock but no longer in pyproject.toml")
    for name, value in manifest_groups.items():
        if name in state.groups and _key(value) != _key(state.groups[name]):
            drift.append(
                f"group `{name}` changed: hpm.lock has {_show(state.groups[name])}, "
                f"pyproject.toml has {_show(value)}"
            )
    if digest != state.digest:
        drift.append(
            "the registry changed since hpm.lock was written "
            f"({state.digest or 'none'} -> {digest})"
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


def _packages(raw: object, report: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        report("packages", "must be a table")
        return {}
    packages: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            packages[name] = value
        else:
            report(f"packages.{tomlfile.format_key(name)}", "must be a requirement string")
    return packages


def _key(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(sorted(value))


def _show(value: str | tuple[str, ...] | list[str]) -> str:
    return tomlfile.format_value(value if isinstance(value, str) else list(value))
