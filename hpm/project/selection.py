"""Turn the manifest's ``[tool.hpm.groups]`` into the engine's :class:`~solver.model.Selection`.

Every entry is checked against the registry's model and all problems are reported together.
Whether the choices hold together (requires, conflicts, ``max``) is left to the solver.
"""

from __future__ import annotations

import difflib

from hpm.errors import InputError, Problem
from hpm.names import normalize
from hpm.project.manifest import FILE, GroupValue, Manifest, group_key
from solver.model import Group, Model, Selection, Strategy


def selection_from_manifest(manifest: Manifest, model: Model) -> Selection:
    """The selection the manifest asks for, with full option names.

    ``""`` and ``[]`` leave a group open (None). An M-of-N group may be given one option as a
    plain string. Option names may be written in any case or separator style, or by short name
    (the unique option of the group ending in ``-<short>``).
    """
    problems: list[Problem] = []
    choices: dict[str, tuple[str, ...] | None] = {}
    seen: dict[str, str] = {}  # registry group name -> manifest key that named it

    for name, value in manifest.groups.items():
        key = group_key(name)

        def report(message: str, hint: str = "", key: str = key) -> None:
            problems.append(Problem(FILE, key, message, hint, manifest.line(key)))

        group = _group_named(model, name)
        if group is None:
            hint = _did_you_mean(name, [g.name for g in model.groups])
            report(f"unknown group `{name}`", hint or "run `hpm group list` to see the groups")
            continue
        if group.name in seen:
            report(f"`{name}` names group `{group.name}` again (as `{seen[group.name]}`)")
            continue
        seen[group.name] = name
        texts = _texts(group, name, value, report)
        if texts is None:
            continue
        if not texts:
            choices[group.name] = None
            continue
        options = _resolve_all(model, group, texts, report)
        if options is not None:
            choices[group.name] = options
    if problems:
        raise InputError(problems)
    return Selection(choices)


def manifest_value(group: Group, options: tuple[str, ...]) -> str | list[str]:
    """How ``[tool.hpm.groups]`` writes ``options`` of ``group`` (the inverse of reading).

    1-of-N: the option as a string (``""`` when none); M-of-N: a list in the order given.
    """
    if group.strategy is Strategy.ONE:
        if len(options) > 1:
            raise ValueError(f"1-of-N group {group.name!r} cannot hold {len(options)} options")
        return options[0] if options else ""
    return list(options)


def _group_named(model: Model, text: str) -> Group | None:
    """The group named ``text`` (compared in PEP 503 normal form), or None.

    Stricter than :func:`hpm.context.find_group`: a manifest key must be a group's name.
    """
    if model.is_group(text):
        return model.group(text)
    wanted = normalize(text)
    for group in model.groups:
        if normalize(group.name) == wanted:
            return group
    return None


def match_options(group: Group, text: str) -> tuple[str, ...]:
    """The options of ``group`` that ``text`` may mean: the exact option (in normal form), else
    every option ending in ``-<text>``. One result is a match; several are ambiguous.

    Minimal on purpose: it should be unified with ``hpm.registry.resolve_reference``.
    """
    wanted = normalize(text)
    exact = tuple(o for o in group.options if normalize(o) == wanted)
    if exact:
        return exact[:1]
    return tuple(o for o in group.options if normalize(o).endswith("-" + wanted))


# -- helpers -----------------------------------------------------------------------------------


def _texts(group: Group, name: str, value: GroupValue, report) -> tuple[str, ...] | None:
    """The option names written for ``group`` ((): open), or None after reporting a problem."""
    if isinstance(value, str):
        return (value,) if value else ()
    if group.strategy is Strategy.ONE:
        example = value[0] if len(value) == 1 else (group.default or group.options or ("",))[0]
        report(
            f"group `{group.name}` is 1-of-N: it takes one option as a string, not a list",
            f'write {name} = "{example}"' + ("" if example else " to let hpm choose"),
        )
        return None
    return value


def _resolve_all(
    model: Model, group: Group, texts: tuple[str, ...], report
) -> tuple[str, ...] | None:
    resolved: list[str] = []
    ok = True
    for text in texts:
        option = _resolve(model, group, text, report)
        if option is None:
            ok = False
        elif option in resolved:
            same = "" if option == text else f" (`{text}` means `{option}`)"
            report(f"option `{option}` is listed twice{same}", "list each option once")
            ok = False
        else:
            resolved.append(option)
    return tuple(resolved) if ok else None


def _resolve(model: Model, group: Group, text: str, report) -> str | None:
    found = match_options(group, text)
    if len(found) == 1:
        return found[0]
    if found:
        report(
            f"`{text}` is ambiguous in group `{group.name}`: it may mean {_names(found)}",
            "write the option's full name",
        )
        return None
    elsewhere = [g.name for g in model.groups if g is not group and match_options(g, text)]
    if elsewhere:
        hint = f"`{text}` is an option of group `{elsewhere[0]}`"
    else:
        hint = _did_you_mean(text, list(group.options)) or (
            f"run `hpm group show {group.name}` to see its options"
        )
    report(f"`{text}` is not an option of group `{group.name}`", hint)
    return None


def _did_you_mean(text: str, candidates: list[str]) -> str:
    by_normal = {normalize(c): c for c in candidates}
    close = difflib.get_close_matches(normalize(text), list(by_normal), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"`{by_normal[c]}`" for c in close) + "?"


def _names(options: tuple[str, ...]) -> str:
    return ", ".join(f"`{o}`" for o in options)
