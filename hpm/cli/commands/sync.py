"""`hpm sync [--auto] [--dry-run] [--locked]`: resolve, plan, then apply in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from hpm import views
from hpm.cli.commands.check import lock_differences
from hpm.cli.options import json_option, machine_options
from hpm.cli.project import Load, Ui, project_command
from hpm.context import Context
from hpm.errors import DriftError, SelectionError, UsageError
from hpm.views import INCOMPLETE_HINT, incomplete_message, invalid_message
from solver.model import Selection

if TYPE_CHECKING:
    from hpm.apply.plan import SyncPlan
    from hpm.project.lockfile import LockState
    from solver import Completion


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What ``hpm sync`` will do (``--dry-run`` stops here) and what it records afterwards."""

    plan: SyncPlan
    resolution: Selection  # every active group with its options
    lock: LockState  # to write afterwards
    write_back: dict[str, str | list[str]]  # --auto: choices to record in [tool.hpm.groups]
    completion: Completion | None = None  # with --auto


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What ``hpm sync`` plans (``dry_run``: and stops there) or has done."""

    outcome: SyncOutcome
    dry_run: bool


def run(ctx: Context, *, auto: bool, dry_run: bool, locked: bool, ui: Ui) -> SyncReport | None:
    """Turn the choices into packages and run uv add / uv remove so the project matches."""
    if ui.json and not dry_run:
        raise UsageError("--json is only available with --dry-run", hint="see `hpm sync --help`")
    outcome = prepare_sync(ctx, auto=auto, locked=locked)
    ui.show(SyncReport(outcome, dry_run), views.PLAN)
    if dry_run:
        return None
    apply_sync(ctx, outcome, echo=ui.echo, terminal=ui.terminal())
    return SyncReport(outcome, dry_run)


def _resolve_for_sync(ctx: Context, *, auto: bool) -> tuple[Selection, Completion | None]:
    """The selection to materialise, or a SelectionError saying why there is none."""
    import solver

    model = ctx.registry.model
    if auto:
        completion = solver.complete(model, ctx.selection)
        if completion.conflict is not None:
            raise SelectionError(
                "the selection cannot be completed: no choice of the open groups fits the rules",
                explanation=completion.conflict,
                hint="change one of the choices above (see `hpm explain GROUP`)",
            )
        return completion.selection, completion
    verdict = solver.check(model, ctx.selection)
    if verdict.status == "incomplete":
        raise SelectionError(incomplete_message(verdict), hint=INCOMPLETE_HINT)
    if verdict.status == "invalid":
        message, hint = invalid_message(verdict.conflict)
        raise SelectionError(message, explanation=verdict.conflict, hint=hint)
    return ctx.selection, None


def prepare_sync(ctx: Context, *, auto: bool, locked: bool) -> SyncOutcome:
    """Resolve the selection and plan the uv commands; change nothing."""
    from hpm.apply.plan import SyncPlan, make_plan
    from hpm.apply.sync import declared_dependencies, pyproject_data
    from hpm.apply.uv import find_uv, sync_argv
    from hpm.project.lockfile import LockState, read_lock
    from hpm.project.selection import manifest_value

    resolution, completion = _resolve_for_sync(ctx, auto=auto)
    model = ctx.registry.model
    values = {
        g: manifest_value(model.group(g), opts or ()) for g, opts in resolution.choices.items()
    }
    write_back: dict[str, str | list[str]] = {}
    if completion is not None:
        write_back = {g: values[g] for g in (*completion.filled, *completion.added)}
    previous = read_lock(ctx.project.root)
    uv = find_uv()
    plan = make_plan(
        ctx.registry,
        resolution,
        previous,
        ctx.project.root,
        uv,
        declared=declared_dependencies(ctx.project.root),
        project=pyproject_data(ctx.project.root),
    )
    recorded = {g: v if isinstance(v, str) else tuple(v) for g, v in values.items()}
    owned = plan.routes.owned
    lock = LockState(
        ctx.registry_label,
        ctx.registry.digest,
        recorded,
        plan.packages,
        sources=owned.sources,
        indexes={name: entry.lock_fields() for name, entry in owned.indexes.items()},
        pins=ctx.pins,
        machine=_machine_facts(ctx, completion, previous, recorded),
    )
    if locked:
        drift = lock_differences(ctx, previous)
        if write_back:
            drift.append("open groups would be filled: " + ", ".join(write_back))
        if not drift and not plan.is_empty:
            drift.append("the packages in pyproject.toml differ from hpm.lock")
        if drift:
            raise DriftError(drift)
        # Nothing to change: install exactly what uv.lock says (as `uv sync --locked` would).
        plan = SyncPlan(
            unchanged=tuple(plan.packages),
            commands=((*sync_argv(uv), "--locked"),),
            packages=plan.packages,
        )
    return SyncOutcome(plan, resolution, lock, write_back, completion)


def _machine_facts(
    ctx: Context,
    completion: Completion | None,
    previous: LockState | None,
    recorded: Mapping[str, str | tuple[str, ...]],
) -> dict[str, dict[str, str]]:
    """hpm.lock's ``[machine]``: the facts that decided this run's ``--auto`` choices, plus the
    earlier ones whose group still has the choice they decided."""
    from hpm.machine.availability import decided_by

    facts = {
        group: dict(values)
        for group, values in (previous.machine if previous else {}).items()
        if previous is not None and recorded.get(group) == previous.groups.get(group)
    }
    if completion is not None and ctx.machine is not None:
        filled = (*completion.filled, *completion.added)
        facts.update(decided_by(ctx.registry, ctx.machine, filled))
    return facts


def apply_sync(
    ctx: Context,
    outcome: SyncOutcome,
    echo: Callable[[str], None] | None = None,
    terminal: int | None = None,
) -> None:
    """Write back ``--auto`` choices and run the plan, all in one transaction."""
    from hpm.apply.sync import apply_plan
    from hpm.project.manifest import set_groups

    def write_back() -> None:
        if outcome.write_back:
            set_groups(ctx.project.pyproject, outcome.write_back)

    if not outcome.plan.commands and not outcome.write_back:
        from hpm.fsutil import read_bytes_or_none
        from hpm.project.lockfile import lock_path, render_lock

        if read_bytes_or_none(lock_path(ctx.project.root)) == render_lock(outcome.lock):
            return  # nothing to run and hpm.lock already says it: no journal, no fsync
    apply_plan(
        ctx.project.root,
        outcome.plan,
        outcome.lock,
        echo=echo,
        prepare=write_back,
        terminal=terminal,
    )


command = project_command(
    run,
    Load.CONTEXT,
    views.SYNCED,
    click.option(
        "--auto", is_flag=True, help="Fill open choices (defaults first) and write them back."
    ),
    click.option("--dry-run", is_flag=True, help="Print the uv commands and change nothing."),
    click.option(
        "--locked", is_flag=True, help="Fail if pyproject.toml, the registry and hpm.lock disagree."
    ),
    json_option,
    machine_options,
    name="sync",
    pin=lambda o: not (o["dry_run"] or o["locked"]),
    write=lambda options: not options["dry_run"],
    ui=True,
)
