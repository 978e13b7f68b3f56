"""`hpm group list | show | add | remove`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from hpm import views
from hpm.cli.app import HpmGroup
from hpm.cli.complete import complete_groups, complete_options
from hpm.cli.options import Globals, global_options, json_option, machine_options
from hpm.cli.project import Load, project_command
from hpm.context import Context, find_group, resolve_options, upstream_hint
from hpm.errors import SelectionError, UsageError
from hpm.registry.catalog import Registry
from solver.model import Group, Selection, Strategy


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What ``group add`` / ``group remove`` did to ``[tool.hpm.groups]``."""

    group: str
    before: tuple[str, ...] | None  # None: the group was open; missing: see ``was_listed``
    after: tuple[str, ...] | None
    was_listed: bool
    is_listed: bool
    warning: str = ""
    next_step: str = "hpm sync"  # "hpm sync --auto" when a group is left open or now needed
    open_groups: tuple[str, ...] = ()  # listed with no choice, after the change
    needed_groups: tuple[str, ...] = ()  # not listed, but rules now require them
    stale: bool = False  # the registry no longer has the group or option that was removed


def _with_choice(selection: Selection, group: str, value: tuple[str, ...] | None) -> Selection:
    choices = dict(selection.choices)
    choices[group] = value
    return Selection(choices)


def _refuse_if_new_conflict(ctx: Context, new: Selection, what: str) -> str:
    """Raise SelectionError when ``new`` cannot be completed but the current selection could.

    Returns a warning when the selection was already inconsistent before the change.
    """
    import solver

    after = solver.complete(ctx.registry.model, new)
    if after.conflict is None:
        return ""
    before = solver.complete(ctx.registry.model, ctx.selection)
    if before.conflict is not None:
        return "the selection was already inconsistent before this change: run `hpm check`"
    from hpm.explain_text import is_machine_conflict
    from hpm.views import MACHINE_HINT

    if is_machine_conflict(after.conflict):
        raise SelectionError(
            f"{what}: this machine cannot run it", explanation=after.conflict, hint=MACHINE_HINT
        )
    raise SelectionError(
        f"{what} conflicts with the rest of the selection",
        explanation=after.conflict,
        hint="see `hpm explain` for the options that fit, or change the other choice first",
    )


def add_group(ctx: Context, *, group_name: str, option_texts: tuple[str, ...]) -> GroupChange:
    """Record a group (and options) in ``[tool.hpm.groups]`` after checking it against the rules."""
    from hpm.project.manifest import set_group
    from hpm.project.selection import manifest_value

    with upstream_hint(ctx.pins):
        group = find_group(ctx.registry.model, group_name)
    options = resolve_options(ctx, group, option_texts)
    state = ctx.selection.state(group.name)
    before = ctx.selection.choices.get(group.name)
    if group.strategy is Strategy.ONE and len(options) > 1:
        raise UsageError(
            f"group `{group.name}` is 1-of-N: it takes one option, got {len(options)}",
            hint=f"choose one of: {', '.join(options)}",
        )
    if not options:
        after = before if state != "absent" else None
    elif group.strategy is Strategy.ONE:
        after = options
    else:
        after = tuple(dict.fromkeys((before or ()) + options))
    new = _with_choice(ctx.selection, group.name, after)
    what = f"{group.name} = {', '.join(after)}" if after else f"activating group `{group.name}`"
    warning = _refuse_if_new_conflict(ctx, new, what)
    set_group(ctx.project.pyproject, group.name, manifest_value(group, after or ()))
    return GroupChange(
        group.name, before, after, state != "absent", True, warning, *_advice(ctx, new)
    )


def _advice(ctx: Context, selection: Selection) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The command to run next: ``hpm sync --auto`` when a group is open or a rule now needs
    another group (plain ``hpm sync`` would stop there), else ``hpm sync``."""
    import solver

    verdict = solver.check(ctx.registry.model, selection)
    if verdict.status == "incomplete":
        return "hpm sync --auto", verdict.open_groups, verdict.needed_groups
    return "hpm sync", (), ()


def remove_choice(state: Globals, *, group_name: str, option_texts: tuple[str, ...]) -> GroupChange:
    """Drop a group (or some options) from ``[tool.hpm.groups]``, also one the registry no
    longer has (a stale choice makes the manifest invalid, so it is removed by its name as
    written, without the rest of the selection)."""
    from hpm import context
    from hpm.errors import InputError

    try:
        ctx = context.load_context(state.project, state.registry)
    except InputError as error:
        return _remove_stale(state, group_name, option_texts, error)
    return remove_group(ctx, group_name=group_name, option_texts=option_texts)


def _remove_stale(
    state: Globals, group_name: str, option_texts: tuple[str, ...], error: Exception
) -> GroupChange:
    """Remove a choice from the manifest as written, when the manifest no longer fits the
    registry (``error``: why it does not; raised again when this choice is not the way out)."""
    from pathlib import Path

    from hpm.context import open_project_registry
    from hpm.names import normalize
    from hpm.project.discovery import find_project, locate_registry
    from hpm.project.manifest import read_manifest, set_group
    from hpm.project.manifest import remove_group as drop_group

    project = find_project(Path(state.project) if state.project else None)
    manifest = read_manifest(project.pyproject)
    location = locate_registry(project, manifest, state.registry)
    model = open_project_registry(project, location, record=False).registry.model
    key = next((k for k in manifest.groups if normalize(k) == normalize(group_name)), None)
    if key is None:
        raise error
    value = manifest.groups[key]
    listed = (value,) if isinstance(value, str) and value else tuple(value or ())
    stale = not model.is_group(key)
    if not option_texts:
        drop_group(project.pyproject, key)
        return GroupChange(key, listed or None, None, True, False, stale=stale)
    asked = {normalize(t) for t in option_texts}
    if not asked <= {normalize(t) for t in listed}:
        raise error
    after = tuple(t for t in listed if normalize(t) not in asked)
    if not after:
        drop_group(project.pyproject, key)
        return GroupChange(key, listed, None, True, False, stale=True)
    set_group(project.pyproject, key, after[0] if isinstance(value, str) else list(after))
    return GroupChange(key, listed, after, True, True, stale=True)


def remove_group(ctx: Context, *, group_name: str, option_texts: tuple[str, ...]) -> GroupChange:
    """Drop a group from ``[tool.hpm.groups]``, or only some options of an M-of-N group."""
    from hpm.project.manifest import remove_group as drop_group
    from hpm.project.manifest import set_group
    from hpm.project.selection import manifest_value

    group = find_group(ctx.registry.model, group_name)
    state = ctx.selection.state(group.name)
    if state == "absent":
        raise UsageError(
            f"group `{group.name}` is not in [tool.hpm.groups]",
            hint="`hpm group list` shows what the project selected",
        )
    before = ctx.selection.choices.get(group.name)
    if not option_texts:
        drop_group(ctx.project.pyproject, group.name)
        return GroupChange(group.name, before, None, True, False)
    options = resolve_options(ctx, group, option_texts)
    missing = [o for o in options if o not in (before or ())]
    if missing:
        raise UsageError(
            f"group `{group.name}` does not list {', '.join(missing)}",
            hint=f"it lists: {', '.join(before or ()) or 'nothing (its choice is open)'}",
        )
    after = tuple(o for o in (before or ()) if o not in options)
    if not after:  # an empty list would mean "open": removing the last option drops the group
        drop_group(ctx.project.pyproject, group.name)
        return GroupChange(group.name, before, None, True, False)
    set_group(ctx.project.pyproject, group.name, manifest_value(group, after))
    return GroupChange(group.name, before, after, True, True)


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One group as ``group list`` / ``group show`` present it."""

    group: Group
    state: str  # "chosen" | "open" | "absent" (absent: not in [tool.hpm.groups], or no project)
    chosen: tuple[str, ...]
    registry: Registry


def group_rows(loaded: Context | Registry) -> list[GroupRow]:
    """Every group of the registry, with the project's choice when run inside a project."""
    registry = loaded.registry if isinstance(loaded, Context) else loaded
    selection = loaded.selection if isinstance(loaded, Context) else Selection()
    return [
        GroupRow(g, selection.state(g.name), selection.choices.get(g.name) or (), registry)
        for g in registry.model.groups
    ]


def group_detail(loaded: Context | Registry, *, group_name: str) -> GroupRow:
    """One group, resolved by full name (or a unique short reference)."""
    rows = group_rows(loaded)
    if not rows:
        raise UsageError("the registry has no groups")
    wanted = find_group(rows[0].registry.model, group_name).name
    return next(row for row in rows if row.group.name == wanted)


# --------------------------------------------------------------------------- the click commands
def _group_argument() -> Callable[..., Any]:
    return click.argument("group_name", metavar="GROUP", shell_complete=complete_groups)


def _options_option(help_text: str) -> Callable[..., Any]:
    return click.option(
        "--option",
        "-o",
        "option_texts",
        multiple=True,
        shell_complete=complete_options,
        help=help_text,
    )


@click.group("group", cls=HpmGroup)
@global_options
def command() -> None:
    """List, show, add and remove groups in [tool.hpm.groups]."""


command.add_command(
    project_command(
        group_rows,
        Load.OPTIONAL,
        views.GROUP_LIST,
        json_option,
        name="list",
        help="Every group of the registry: strategy, options, default, and what the project chose.",
    )
)
command.add_command(
    project_command(
        group_detail,
        Load.OPTIONAL,
        views.GROUP_SHOW,
        _group_argument(),
        json_option,
        name="show",
        help="One group in detail: options with their sources and rules.",
    )
)
command.add_command(
    project_command(
        add_group,
        Load.CONTEXT,
        views.GROUP_CHANGE,
        _group_argument(),
        _options_option(
            "An option to select (repeat for M-of-N groups). Omit it to leave the choice open."
        ),
        machine_options,
        name="add",
        write=True,
        help="Select GROUP (and options) in [tool.hpm.groups], checked against the registry's "
        "rules.",
    )
)
command.add_command(
    project_command(
        remove_choice,
        Load.GLOBALS,
        views.GROUP_CHANGE,
        _group_argument(),
        _options_option("Remove only this option of an M-of-N group (repeatable)."),
        name="remove",
        write=True,
        help="Remove GROUP (or some of its options) from [tool.hpm.groups]. Run `hpm sync` after.",
    )
)
