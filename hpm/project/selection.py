"""Turn the manifest's ``[tool.hpm.groups]`` into the engine's :class:`~solver.model.Selection`.

Every entry is checked against the registry's model and all problems are reported together.
Whether the choices hold together (requires, conflicts, ``max``) is left to the solver.
"""

from __future__ import annotations

from hpm.errors import InputError, Problem
from hpm.project.manifest import FILE, GroupValue, Manifest, group_key
from hpm.registry.references import ReferenceResolver, UnresolvedReference
from solver.model import Group, Model, Selection, Strategy


def selection_from_manifest(manifest: Manifest, model: Model) -> Selection:
    """The selection the manifest asks for, with full option names.

    ``""`` and ``[]`` leave a group open (None). An M-of-N group may be given one option as a
    plain string. Names are resolved as everywhere else (:mod:`hpm.registry.references`): any
    case or separator style, short names, ``group:option``.
    """
    refs = ReferenceResolver(model)
    problems: list[Problem] = []
    choices: dict[str, tuple[str, ...] | None] = {}
    seen: dict[str, str] = {}  # registry group name -> manifest key that named it

    for name, value in manifest.groups.items():
        key = group_key(name)

        def report(message: str, hint: str = "", key: str = key) -> None:
            problems.append(Problem(FILE, key, message, hint, manifest.line(key)))

        try:
            group = refs.group(name)
        except UnresolvedReference as e:
            report(e.message, e.hint)
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
        options = _resolve_all(refs, group, texts, report)
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
    refs: ReferenceResolver, group: Group, texts: tuple[str, ...], report
) -> tuple[str, ...] | None:
    resolved: list[str] = []
    ok = True
    for text in texts:
        try:
            option = refs.resolve(text, group=group.name)
        except UnresolvedReference as e:
            report(e.message, e.hint)
            ok = False
            continue
        if option in resolved:
            same = "" if option == text else f" (`{text}` means `{option}`)"
            report(f"option `{option}` is listed twice{same}", "list each option once")
            ok = False
        else:
            resolved.append(option)
    return tuple(resolved) if ok else None
