"""The project manifest: the ``[tool.hpm]`` table of ``pyproject.toml``.

```toml
[tool.hpm]
registry = "registry"                             # optional, relative to the project; or
# registry = "git+https://host/acme/registry@v3"  # a registry in a git repository; or a list,
# registry = ["git+https://…@v3", "registry-local"]  # layered in order

[tool.hpm.groups]
inference = "vlm-adapter-qwen"                    # 1-of-N: one option ("" = let hpm choose)
metrics = ["metric-accuracy", "metric-latency"]   # M-of-N: a list ([] = let hpm choose)
```

Reading checks the shape of the table (types and known keys); whether the names exist in the
registry is :mod:`hpm.project.selection`'s job. Every edit changes only the keys it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hpm.errors import InputError, Problem
from hpm.names import did_you_mean, normalize
from hpm.project import tomlfile

FILE = "pyproject.toml"  # how the manifest is named in messages
HPM_TABLE = ("tool", "hpm")
GROUPS_TABLE = ("tool", "hpm", "groups")
KNOWN_KEYS = ("registry", "groups")
_VALUE_TYPE = "a string (1-of-N: one option) or a list of strings (M-of-N: a feature set)"

GroupValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``[tool.hpm]`` says, as written (names are not yet checked against the registry).

    ``groups`` keeps the file's order; a 1-of-N choice is a string, an M-of-N choice a tuple;
    ``""`` and ``()`` leave the choice open. ``lines`` maps dotted keys (``tool.hpm.groups.x``)
    to their 1-based line in the file, best effort, so that messages can point at them.
    """

    path: Path
    registry: str | tuple[str, ...] | None = None  # a list of layers is a tuple
    groups: Mapping[str, GroupValue] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", MappingProxyType(dict(self.groups)))
        object.__setattr__(self, "lines", MappingProxyType(dict(self.lines)))

    def line(self, key: str) -> int | None:
        """The line of the dotted ``key`` (or of its nearest ancestor), when known."""
        return _line(self.lines, key)


def group_key(group: str) -> str:
    """The dotted key of ``group`` in messages: ``tool.hpm.groups.<group>``."""
    return ".".join((*GROUPS_TABLE, tomlfile.format_key(group)))


def read_manifest(pyproject: Path) -> Manifest:
    """Read and shape-check ``[tool.hpm]``; every problem found is reported at once."""
    pyproject = Path(pyproject)
    try:
        text = tomlfile.read_text(pyproject, FILE)
    except FileNotFoundError as e:
        problem = Problem(
            FILE,
            "",
            f"no pyproject.toml in {pyproject.parent}",
            "run `uv init` to create a project, then `hpm init`",
        )
        raise InputError(problem) from e
    data = tomlfile.loads(text, FILE)
    lines = {
        ".".join(tomlfile.format_key(p) for p in path): line
        for path, line in tomlfile.key_lines(text).items()
        if path[:2] == HPM_TABLE or path == ("tool",)
    }
    problems: list[Problem] = []

    def report(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(FILE, key, message, hint, _line(lines, key)))

    hpm = _table_at(data, HPM_TABLE, report)
    registry: str | tuple[str, ...] | None = None
    groups: dict[str, GroupValue] = {}
    if hpm is not None:
        for key in hpm:
            if key not in KNOWN_KEYS:
                hint = did_you_mean(key, KNOWN_KEYS) or "known keys: registry, groups"
                report(f"tool.hpm.{tomlfile.format_key(key)}", "unknown key", hint)
        if "registry" in hpm:
            registry = _registry(hpm["registry"], report)
        raw_groups = _table_at(data, GROUPS_TABLE, report)
        for name, value in (raw_groups or {}).items():
            parsed = _group_value(name, value, report)
            if parsed is not None:
                groups[name] = parsed
    if problems:
        raise InputError(problems)
    return Manifest(pyproject, registry, groups, lines)


def set_group(pyproject: Path, group: str, value: str | list[str] | tuple[str, ...]) -> None:
    """Record one group's choice (creating ``[tool.hpm.groups]`` at the end when missing)."""
    set_groups(pyproject, {group: value})


def set_groups(pyproject: Path, choices: Mapping[str, str | list[str] | tuple[str, ...]]) -> None:
    """Record several choices in one atomic write; other keys and formatting are kept."""
    updates: dict[str, tomlfile.Value | None] = {}
    listed = _listed_groups(pyproject)
    for group, value in choices.items():
        if not isinstance(group, str) or not group:
            raise ValueError(f"a group name must be a non-empty string, not {group!r}")
        updates[_spelling(listed, group)] = _checked_value(group, value)
    if updates:
        _edit(pyproject, GROUPS_TABLE, updates)


def remove_group(pyproject: Path, group: str) -> None:
    """Remove ``group`` from ``[tool.hpm.groups]`` (nothing happens when it is not there).

    Like :func:`set_groups`, a key written in another case or separator style is the same group.
    """
    listed = _listed_groups(pyproject)
    _edit(pyproject, GROUPS_TABLE, {_spelling(listed, group): None})


def set_registry(pyproject: Path, registry: str | tuple[str, ...]) -> None:
    """Set ``[tool.hpm] registry`` (a location, or a list of layers), creating ``[tool.hpm]``
    when missing (``hpm init``, ``hpm registry update --ref``)."""
    values = (registry,) if isinstance(registry, str) else registry
    if not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"registry must be a non-empty string or list, not {registry!r}")
    _edit(
        pyproject, HPM_TABLE, {"registry": registry if isinstance(registry, str) else list(values)}
    )


# -- helpers -----------------------------------------------------------------------------------


def _edit(pyproject: Path, table: tuple[str, ...], updates: Mapping[str, Any]) -> None:
    try:
        tomlfile.edit_file(Path(pyproject), table, updates, FILE)
    except FileNotFoundError as e:
        problem = Problem(
            FILE,
            "",
            f"no pyproject.toml in {Path(pyproject).parent}",
            "run `uv init` to create a project, then `hpm init`",
        )
        raise InputError(problem) from e


def _listed_groups(pyproject: Path) -> tuple[str, ...]:
    """The keys of ``[tool.hpm.groups]`` as the file spells them (empty when there are none)."""
    try:
        data = tomlfile.loads(tomlfile.read_text(Path(pyproject), FILE), FILE)
    except FileNotFoundError:
        return ()
    current: Any = data
    for name in GROUPS_TABLE:
        current = current.get(name) if isinstance(current, dict) else None
    return tuple(current) if isinstance(current, dict) else ()


def _spelling(listed: tuple[str, ...], group: str) -> str:
    """The key to edit for ``group``: the exact key, else one written in another case or
    separator style (so ``Inference = ...`` is replaced, not joined by ``inference = ...``)."""
    if group in listed:
        return group
    wanted = normalize(group)
    return next((key for key in listed if normalize(key) == wanted), group)


def _checked_value(group: str, value: object) -> tomlfile.Value:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"group {group!r}: expected a string or a list of strings, not {value!r}")


def _line(lines: Mapping[str, int], key: str) -> int | None:
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def _table_at(data: Mapping[str, Any], path: tuple[str, ...], report: Any) -> dict | None:
    current: Any = data
    for depth, name in enumerate(path):
        if not isinstance(current, dict) or name not in current:
            return None
        current = current[name]
        if not isinstance(current, dict):
            key = ".".join(path[: depth + 1])
            report(key, f"must be a table, found {_type_name(current)}", f"write it as [{key}]")
            return None
    return current


def _registry(value: object, report: Any) -> str | tuple[str, ...] | None:
    key, example = "tool.hpm.registry", 'e.g. registry = "registry"'
    if isinstance(value, list):
        if not value:
            report(key, "must not be an empty list", example)
            return None
        layers = [_registry_entry(item, f"{key}[{i}]", report) for i, item in enumerate(value)]
        if any(layer is None for layer in layers):
            return None
        return tuple(layer for layer in layers if layer is not None)
    return _registry_entry(value, key, report)


def _registry_entry(value: object, key: str, report: Any) -> str | None:
    example = 'e.g. registry = "registry" or registry = "git+https://host/acme/registry@v3"'
    if not isinstance(value, str):
        what = "a directory relative to the project, a git+URL@REF, or a list of them"
        report(key, f"must be a string ({what}), found {_type_name(value)}", example)
        return None
    if not value.strip():
        report(key, "must not be empty", example)
        return None
    if "://" not in value and not value.startswith("git+"):
        return value  # a directory: the git parser is not imported (start-up)
    from hpm.registry.gitspec import BadRegistryUrl, looks_like_url, parse_git_registry

    if looks_like_url(value):
        report(key, f"`{value}` is a URL: a registry in a git repository starts with `git+`",
               f"write git+{value}")  # fmt: skip
        return None
    if value.startswith("git+"):
        try:
            parse_git_registry(value)
        except BadRegistryUrl as e:
            report(key, f"{e.reason} (in `{value}`)", e.hint)
            return None
    return value


def _group_value(name: str, value: object, report: Any) -> GroupValue | None:
    key = group_key(name)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        bad = [i for i, item in enumerate(value) if not isinstance(item, str)]
        if not bad:
            return tuple(value)
        found = ", ".join(f"item {i} is {_type_name(value[i])}" for i in bad)
        report(key, f"must be a list of strings (option names), but {found}", _hint(name))
        return None
    report(key, f"must be {_VALUE_TYPE}, found {_type_name(value)}", _hint(name))
    return None


def _hint(name: str) -> str:
    key = tomlfile.format_key(name)
    return f'write {key} = "option" or {key} = ["option-a", "option-b"] ("" or [] lets hpm choose)'


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
