"""`hpm explain GROUP [OPTION]`: which options fit the selection, and why the others do not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpm.context import find_group, load_context, resolve_options
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


def explain(
    project_dir: str | None, registry_opt: str | None, group_name: str, option: str | None
) -> ExplainReport:
    """Which options of a group the current selection admits, and why the others are rejected."""
    import solver

    ctx = load_context(project_dir, registry_opt)
    group = find_group(ctx.registry.model, group_name)
    results = solver.feasible(ctx.registry.model, ctx.selection, group.name)
    focus = resolve_options(ctx, group, (option,))[0] if option else None
    if focus is not None:
        results = {focus: results[focus]}
    return ExplainReport(
        group,
        ctx.selection.state(group.name),
        ctx.selection.choices.get(group.name) or (),
        dict(results),
        focus,
    )
