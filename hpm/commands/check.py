"""`hpm check`: the verdict on the manifest's selection (and, with --locked, on hpm.lock)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpm.context import Context, load_context

if TYPE_CHECKING:
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


def check(project_dir: str | None, registry_opt: str | None, *, locked: bool) -> CheckReport:
    """Validate the manifest's selection (and, with ``locked``, that hpm.lock is current)."""
    import solver

    ctx = load_context(project_dir, registry_opt)
    verdict = solver.check(ctx.registry.model, ctx.selection)
    if locked:
        from hpm.project.lockfile import read_lock

        drift = tuple(lock_differences(ctx, read_lock(ctx.project.root)))
    else:
        drift = ()
    return CheckReport(verdict, drift)


def lock_differences(ctx: Context, state: LockState | None) -> list[str]:
    """How hpm.lock (``state``, as read) differs from the manifest and the registry (empty: up to
    date)."""
    from hpm.project.lockfile import lock_drift

    if state is None:
        return ["hpm.lock does not exist: run `hpm sync`"]
    return lock_drift(state, ctx.manifest.groups, ctx.registry.digest)


INCOMPLETE_HINT = (
    "run `hpm sync --auto` to fill them (defaults first), or choose with `hpm group add`"
)


def incomplete_message(verdict: Verdict) -> str:
    """One sentence naming the open groups and the groups that rules pull in."""
    parts = []
    if verdict.open_groups:
        parts.append(f"open groups with no choice yet: {', '.join(verdict.open_groups)}")
    if verdict.needed_groups:
        parts.append(f"groups that rules require: {', '.join(verdict.needed_groups)}")
    return "the selection is incomplete: " + "; ".join(parts or ["choices are missing"])
