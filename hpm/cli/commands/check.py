"""`hpm check`: the verdict on the manifest's selection (and, with --locked, on hpm.lock)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from hpm import views
from hpm.cli.options import json_option, machine_options
from hpm.cli.project import Load, project_command
from hpm.context import Context

if TYPE_CHECKING:
    from hpm.apply.drift import Difference
    from hpm.apply.ownership import ProjectDependencies
    from hpm.project.lockfile import LockState
    from solver import Verdict


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The answer of ``hpm check``."""

    verdict: Verdict
    drift: tuple[str, ...] = ()  # with --locked: how hpm.lock differs

    @property
    def ok(self) -> bool:
        return self.verdict.status == "valid" and not self.drift


def run(ctx: Context, *, locked: bool) -> CheckReport:
    """Validate the manifest's selection (and, with ``locked``, that hpm.lock is current)."""
    import solver

    verdict = solver.check(ctx.registry.model, ctx.selection)
    if locked:
        from hpm.apply.sync import read_declared
        from hpm.project.lockfile import read_lock

        root = ctx.project.root
        differences = lock_differences(ctx, read_lock(root), read_declared(root))
        drift = tuple(str(d) for d in differences)
    else:
        drift = ()
    return CheckReport(verdict, drift)


def lock_differences(
    ctx: Context, state: LockState | None, declared: ProjectDependencies
) -> list[Difference]:
    """How hpm.lock (``state``, as read) differs from the manifest, the registry and
    pyproject.toml's packages (``declared``, as the command parsed them; empty: up to date).
    ``check --locked``, ``sync --locked`` and ``status`` all use this."""
    from hpm.apply.drift import Difference as Diff
    from hpm.apply.drift import differences

    pins = [
        Diff(
            "registry",
            f"{pin.url}@{pin.ref} is not pinned in hpm.lock "
            f"(its ref points at {pin.commit[:12]} now)",
        )
        for pin in ctx.fresh_pins
    ]
    return pins + differences(state, ctx.manifest.groups, ctx.registry, declared, ctx.project.root)


command = project_command(
    run,
    Load.CONTEXT,
    views.CHECK,
    json_option,
    machine_options,
    click.option("--locked", is_flag=True, help="Also fail when hpm.lock is not up to date."),
    name="check",
    pin=lambda o: not o["locked"],
    help="""Validate the project's choices against the registry's rules.

    Exit 0 when valid, 1 when invalid or incomplete (with the reason), 2 on bad input.
    """,
)
