"""`hpm explain GROUP [OPTION]`: which options fit the selection, and why the others do not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from hpm import views
from hpm.cli.complete import complete_groups, complete_options
from hpm.cli.options import json_option, machine_options
from hpm.cli.project import Load, project_command
from hpm.context import Context, find_group, resolve_options, upstream_hint
from solver.model import Group

if TYPE_CHECKING:
    from solver import Conflict


@dataclass(frozen=True, slots=True)
class ExplainReport:
    """The answer of ``hpm explain``: per option of the group, None (possible) or a conflict."""

    group: Group
    state: str
    chosen: tuple[str, ...]
    results: dict[str, Conflict | None]  # per option: None when possible
    focus: str | None  # the option asked about, if any


def run(ctx: Context, *, group: str, option: str | None) -> ExplainReport:
    """Which options of a group the current selection admits, and why the others are rejected."""
    import solver

    with upstream_hint(ctx.pins):
        found = find_group(ctx.registry.model, group)
    results = solver.feasible(ctx.registry.model, ctx.selection, found.name)
    focus = resolve_options(ctx, found, (option,))[0] if option else None
    if focus is not None:
        results = {focus: results[focus]}
    return ExplainReport(
        found,
        ctx.selection.state(found.name),
        ctx.selection.choices.get(found.name) or (),
        dict(results),
        focus,
    )


command = project_command(
    run,
    Load.CONTEXT,
    views.EXPLAIN,
    click.argument("group", shell_complete=complete_groups),
    click.argument("option", required=False, shell_complete=complete_options),
    json_option,
    machine_options,
    name="explain",
    help="Which options of GROUP are possible now and, for each rejected one, why.",
)
