"""`hpm sync [--auto] [--dry-run] [--locked]`: resolve, plan, then apply in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from hpm import views
from hpm.cli.options import json_option, machine_options
from hpm.cli.project import Load, project_command
from hpm.cli.ui import Ui
from hpm.context import Context
from hpm.errors import DriftError, HpmError, SelectionError, SyncStepError, UsageError
from hpm.views import INCOMPLETE_HINT, incomplete_message, invalid_message
from solver.model import Model, Selection

if TYPE_CHECKING:
    from hpm.apply.ownership import ProjectDependencies
    from hpm.apply.plan import SyncPlan
    from hpm.project.autofill import FillReason
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
    locked: bool = False  # --locked: hpm.lock is never rewritten
    reasons: Mapping[str, FillReason] = field(default_factory=dict)  # --auto: why, per group
    dropped: tuple[str, ...] = ()  # groups an earlier --auto activated that nothing needs now
    # made without packaging: confirms the plan with it (see hpm.apply.sync.apply_plan)
    confirm: Callable[[], None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What ``hpm sync`` plans (``dry_run``: and stops there) or has done."""

    outcome: SyncOutcome
    dry_run: bool


def run(ctx: Context, *, auto: bool, dry_run: bool, locked: bool, ui: Ui) -> SyncReport | None:
    """Turn the choices into packages and run uv add / uv remove so the project matches."""
    if ui.json and not dry_run:
        raise UsageError("--json is only available with --dry-run", hint="see `hpm sync --help`")
    outcome = prepare_sync(ctx, auto=auto, locked=locked, dry_run=dry_run)
    ui.show(SyncReport(outcome, dry_run), views.PLAN)
    if dry_run:
        return None
    apply_sync(ctx, outcome, echo=ui.echo, terminal=ui.terminal())
    return SyncReport(outcome, dry_run)


def _resolve_for_sync(
    model: Model, selection: Selection, *, auto: bool
) -> tuple[Selection, Completion | None]:
    """The selection to materialise (``selection`` completed with ``auto``), or a
    SelectionError saying why there is none."""
    import solver

    if auto:
        completion = solver.complete(model, selection)
        if completion.conflict is not None:
            raise SelectionError(
                "the selection cannot be completed: no choice of the open groups fits the rules",
                explanation=completion.conflict,
                hint="change one of the choices above (see `hpm explain GROUP`)",
            )
        return completion.selection, completion
    verdict = solver.check(model, selection)
    if verdict.status == "incomplete":
        raise SelectionError(incomplete_message(verdict), hint=INCOMPLETE_HINT)
    if verdict.status == "invalid":
        message, hint = invalid_message(verdict.conflict)
        raise SelectionError(message, explanation=verdict.conflict, hint=hint)
    return selection, None


def prepare_sync(ctx: Context, *, auto: bool, locked: bool, dry_run: bool) -> SyncOutcome:
    """Resolve the selection and plan the uv commands; change nothing.

    When pyproject.toml needs no change, uv is asked (read-only) whether the environment
    matches uv.lock; if not, the plan still runs ``uv sync --inexact`` (see hpm.apply.sync).
    ``dry_run``: also predict what the final uninstall step would remove (only --dry-run
    shows it).

    A sync that will run (not ``dry_run``, not ``locked``) is planned without ``packaging``
    (its import, mostly compiling regular expressions, was a sixth of hpm's work before the
    first uv step): the declared names are read as ``packaging`` reads them and the
    requirement strings hpm builds are not parsed back yet. The outcome's ``confirm`` does
    both with ``packaging`` and makes the plan again; the plan must come out the same, or
    the sync stops and every file is restored (an entry that ``packaging`` cannot parse is
    named). :func:`hpm.apply.sync.apply_plan` runs it while a first ``uv remove`` runs (names
    only), else before uv starts.
    """
    from hpm.apply.ownership import check_dependencies, fingerprints_of, project_dependencies
    from hpm.apply.plan import SyncPlan, make_plan
    from hpm.apply.sync import pyproject_data
    from hpm.apply.uv import find_uv, sync_argv
    from hpm.project.lockfile import LockState, read_lock
    from hpm.project.selection import manifest_value

    model = ctx.registry.model
    previous = read_lock(ctx.project.root)
    dropped: tuple[str, ...] = ()
    if previous is not None and previous.auto_groups and not locked:
        from hpm.project.autofill import unneeded_auto_groups

        dropped = unneeded_auto_groups(model, ctx.selection, previous.auto_groups, previous.groups)
    selection = Selection({g: v for g, v in ctx.selection.choices.items() if g not in dropped})
    resolution, completion = _resolve_for_sync(model, selection, auto=auto)
    values = {
        g: manifest_value(model.group(g), opts or ()) for g, opts in resolution.choices.items()
    }
    write_back: dict[str, str | list[str]] = {}
    reasons: dict[str, FillReason] = {}
    auto_groups = {g for g in (previous.auto_groups if previous else ()) if g in resolution.choices}
    if completion is not None:
        from hpm.project.autofill import fill_reasons

        write_back = {g: values[g] for g in (*completion.filled, *completion.added)}
        reasons = fill_reasons(model, resolution, completion.filled, completion.added)
        auto_groups.update(completion.added)
    project = pyproject_data(ctx.project.root)
    quick = not (dry_run or locked)
    declared = project_dependencies(project, parse=not quick)
    uv = find_uv()
    if locked:
        from hpm.cli.commands.check import lock_differences

        drift = [str(d) for d in lock_differences(ctx, previous, declared)]
        if write_back:
            drift.append("open groups would be filled: " + ", ".join(write_back))

    def plan_for(
        reading: ProjectDependencies,
        outdated: bool = False,
        changes: tuple[str, ...] = (),
        *,
        verify: bool = not quick,
    ) -> SyncPlan:
        return make_plan(
            ctx.registry,
            resolution,
            previous,
            ctx.project.root,
            uv,
            declared=reading,
            project=project,
            environment_outdated=outdated,
            environment=changes,
            verify=verify,
        )

    plan = plan_for(declared)
    outdated = False
    changes: tuple[str, ...] = ()
    if not plan.edits_project:
        from hpm.apply.environment import environment_check

        env = environment_check(ctx.project.root, uv, locked=locked)
        if env.outdated:
            created = ("create the environment",) if env.missing else ()
            outdated, changes = True, env.changes or created
            plan = plan_for(declared, outdated, changes)

    def confirm() -> None:
        if plan_for(project_dependencies(project), outdated, changes, verify=True) != plan:
            check_dependencies(project)  # an entry packaging skips: named, exit 2
            raise HpmError(
                "hpm's plan did not hold when pyproject.toml was read again with packaging",
                hint="this is a bug in hpm; the project files are as before",
            )

    if dry_run and plan.remove:
        plan = dataclasses.replace(plan, uninstall=_predicted_uninstall(ctx, project, plan.remove))
    recorded = {g: v if isinstance(v, str) else tuple(v) for g, v in values.items()}
    owned = plan.routes.owned
    lock = LockState(
        ctx.registry_label,
        ctx.registry.digest,
        recorded,
        plan.packages,
        sources=owned.sources,
        indexes={name: entry.lock_fields() for name, entry in owned.indexes.items()},
        auto_groups=tuple(auto_groups),
        pins=ctx.pins,
        machine=_machine_facts(ctx, completion, previous, recorded),
        declared=fingerprints_of(plan.packages, declared),  # apply_plan records them anew
    )
    if locked:
        if not drift and plan.edits_project:
            drift.append("the packages in pyproject.toml differ from hpm.lock")
        if drift:
            raise DriftError(drift)
        # Nothing to change: install exactly what uv.lock says (as `uv sync --locked` would).
        plan = SyncPlan(
            unchanged=tuple(plan.packages),
            commands=((*sync_argv(uv), "--locked"),),
            packages=plan.packages,
            kept=plan.kept,
            environment=plan.environment,
        )
    return SyncOutcome(
        plan,
        resolution,
        lock,
        write_back,
        completion,
        locked,
        reasons,
        tuple(dropped),
        confirm if quick else None,
    )


def _predicted_uninstall(
    ctx: Context, project: Mapping[str, Any], removed: tuple[str, ...]
) -> tuple[str, ...]:
    """The packages the final uninstall step will take out of the environment (see
    :func:`hpm.apply.sync.predicted_uninstall`)."""
    from hpm.apply.sync import predicted_uninstall
    from hpm.fsutil import read_bytes_or_none
    from hpm.project.workspace import find_workspace

    name = str(project.get("project", {}).get("name", ""))
    lock = read_bytes_or_none(find_workspace(ctx.project.root).lock)
    return predicted_uninstall(lock, name, removed)


def _machine_facts(
    ctx: Context,
    completion: Completion | None,
    previous: LockState | None,
    recorded: Mapping[str, str | tuple[str, ...]],
) -> dict[str, dict[str, str]]:
    """hpm.lock's ``[machine]``: the facts that decided this run's ``--auto`` choices, plus the
    earlier ones whose group still has the choice they decided."""
    facts = {
        group: dict(values)
        for group, values in (previous.machine if previous else {}).items()
        if previous is not None and recorded.get(group) == previous.groups.get(group)
    }
    if completion is not None and ctx.machine is not None:
        from hpm.machine.availability import decided_by

        filled = (*completion.filled, *completion.added)
        facts.update(decided_by(ctx.registry, ctx.machine, filled))
    return facts


def apply_sync(
    ctx: Context,
    outcome: SyncOutcome,
    echo: Callable[[str], None] | None = None,
    terminal: int | None = None,
) -> None:
    """Write back ``--auto`` choices and run the plan, all in one transaction.

    A failed uv step gets a hint that names what the user can do next.
    """
    from hpm.apply.sync import apply_plan
    from hpm.project.manifest import remove_group, set_groups

    def write_back() -> None:
        if outcome.write_back:
            set_groups(ctx.project.pyproject, outcome.write_back)
        for group in outcome.dropped:
            remove_group(ctx.project.pyproject, group)

    idle = not outcome.plan.commands and not outcome.write_back and not outcome.dropped
    if idle and (outcome.locked or _lock_is_current(ctx, outcome.lock)):
        if outcome.confirm is not None:
            outcome.confirm()
        return  # nothing to run and hpm.lock already says it: no journal, no fsync
    try:
        apply_plan(
            ctx.project.root,
            outcome.plan,
            outcome.lock,
            echo=echo,
            prepare=write_back if outcome.write_back or outcome.dropped else None,
            write_lock=not outcome.locked,
            terminal=terminal,
            confirm=outcome.confirm,
        )
    except SyncStepError as error:
        raise error.with_hint(next_step_hint(ctx, outcome, error)) from error


def _lock_is_current(ctx: Context, lock: LockState) -> bool:
    """Whether hpm.lock already holds ``lock`` (whose declarations of hpm's packages are
    pyproject.toml's as :func:`prepare_sync` read it: an idle sync changes nothing there)."""
    from hpm.fsutil import read_bytes_or_none
    from hpm.project.lockfile import lock_path, render_lock

    return read_bytes_or_none(lock_path(ctx.project.root)) == render_lock(lock)


def next_step_hint(ctx: Context, outcome: SyncOutcome, error: SyncStepError) -> str:
    """What to do after a failed uv step: the options that could not be installed and how to
    change or drop them, or where the registry entry is."""
    from hpm.names import normalize

    named = {normalize(_name_of(p)) for p in error.packages}
    output = error.output.lower()
    suspects = [n for n in named if n in output] or sorted(named)
    options = [
        (group, option)
        for group, chosen in outcome.resolution.choices.items()
        for option in chosen or ()
        if normalize(option) in suspects
    ]
    if error.argv[1:2] == ["add"] and options:
        parts = []
        for group, option in options:
            where = ctx.registry.source(option).origin.file
            where = where or ctx.registry.model.group(group).origin.file
            parts.append(
                f"{option} (group {group}) could not be installed: choose another option with "
                f"`hpm group add {group} --option ...`, drop it with `hpm group remove {group}`, "
                f"or fix its entry in the registry ({where})"
            )
        return "; ".join(parts)
    if error.argv[1:2] == ["sync"]:
        return (
            "uv could not install uv.lock into the environment; fix the cause above, then run "
            "`hpm sync` again (the project files are as before)"
        )
    return "fix the cause above, then run `hpm sync` again (the project files are as before)"


def _name_of(text: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text).name
    except InvalidRequirement:
        return text


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
