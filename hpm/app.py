"""The application's use cases, one function per command; no click, no printing.

Each function takes already-parsed arguments, reads what it needs (project, manifest, registry,
hpm.lock), asks the solver, and returns data for the CLI to render. Errors are hpm's own
exceptions (``hpm.errors``), raised with the fields a message needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpm.catalog import Registry
from hpm.errors import DriftError, SelectionError, UsageError
from hpm.manifest import Manifest, read_manifest
from hpm.project import Project, find_project, registry_root
from solver.model import Group, Model, Selection, Strategy


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a command needs about one project."""

    project: Project
    manifest: Manifest
    registry: Registry
    selection: Selection
    registry_label: str  # how hpm.lock records the registry location


def load_registry_only(project_dir: str | None, registry_opt: str | None) -> Registry:
    """The registry for commands that may run outside a project (``registry check``, ``graph``)."""
    from hpm.registry import load_registry_cached as load_registry

    if registry_opt is not None and project_dir is None:
        return load_registry(Path(registry_opt).resolve())
    try:
        project = find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        if registry_opt is None:
            return load_registry(Path("registry").resolve())
        raise
    manifest = read_manifest(project.pyproject)
    root, _label = registry_root(project, manifest, registry_opt)
    return load_registry(root)


def load_context(project_dir: str | None, registry_opt: str | None) -> Context:
    """Find the project, read its manifest and registry; turn the choices into a Selection."""
    from hpm.registry import load_registry_cached
    from hpm.selection import selection_from_manifest

    project = find_project(Path(project_dir) if project_dir else None)
    manifest = read_manifest(project.pyproject)
    root, label = registry_root(project, manifest, registry_opt)
    registry = load_registry_cached(root)
    selection = selection_from_manifest(manifest, registry.model)
    return Context(project, manifest, registry, selection, label)


@contextmanager
def locked_project(project_dir: str | None, *, write: bool = True) -> Iterator[list[str]]:
    """Hold the project's lock; first finish (restore) any sync that was interrupted.

    Yields the list of files restored from an interrupted run, for the CLI to report. With
    ``write`` False (``sync --dry-run``) nothing is locked, restored or written.
    """
    from hpm.filelock import project_lock
    from hpm.transaction import recover

    project = find_project(Path(project_dir) if project_dir else None)
    if not write:
        yield recover_interrupted(project.root)
        return
    with project_lock(project.root):
        yield recover(project.root)


def recover_interrupted(project_root: Path) -> list[str]:
    """Restore the files of a sync that was killed, if there is one; return what was restored.

    Read-only commands call this first, so they never judge a half-applied sync. It writes
    nothing (and takes no lock) unless a journal is there; then it waits for the project's lock,
    so that a sync still running is not mistaken for a dead one.
    """
    from hpm.filelock import STATE_DIR, project_lock
    from hpm.transaction import JOURNAL, recover

    if not (project_root / STATE_DIR / JOURNAL).exists():
        return []
    with project_lock(project_root):
        return recover(project_root)


# --------------------------------------------------------------------------- group add / remove


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What ``group add`` / ``group remove`` did to ``[tool.hpm.groups]``."""

    group: str
    before: tuple[str, ...] | None  # None: the group was open; missing: see ``was_listed``
    after: tuple[str, ...] | None
    was_listed: bool
    is_listed: bool
    warning: str = ""


def _resolve_options(ctx: Context, group: Group, texts: tuple[str, ...]) -> tuple[str, ...]:
    from hpm.registry import resolve_reference

    resolved: list[str] = []
    for text in texts:
        name = resolve_reference(ctx.registry.model, text, group=group.name, allow_group=False)
        if name not in group.options:
            raise UsageError(
                f"`{text}` is not an option of group `{group.name}`",
                hint=f"options of {group.name}: {', '.join(group.options)}",
            )
        if name not in resolved:
            resolved.append(name)
    return tuple(resolved)


def _group(ctx: Context, name: str) -> Group:
    return find_group(ctx.registry.model, name)


def find_group(model: Model, name: str) -> Group:
    """The group ``name`` refers to; a UsageError naming the groups when there is none."""
    import difflib

    from hpm.registry import UnresolvedReference, resolve_reference

    try:
        resolved = resolve_reference(model, name, allow_group=True)
    except UnresolvedReference as error:
        groups = [g.name for g in model.groups]
        close = difflib.get_close_matches(name, groups, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown group `{name}`",
            hint=hint or f"groups in the registry: {', '.join(groups)}",
        ) from error
    if not model.is_group(resolved):
        owner = model.group_of(resolved).name
        raise UsageError(
            f"`{name}` is an option, not a group",
            hint=f"it belongs to group `{owner}`: hpm group add {owner} --option {resolved}",
        )
    return model.group(resolved)


def _with_choice(selection: Selection, group: str, value: tuple[str, ...] | None) -> Selection:
    choices = dict(selection.choices)
    choices[group] = value
    return Selection(choices)


def _without(selection: Selection, group: str) -> Selection:
    return Selection({g: v for g, v in selection.choices.items() if g != group})


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
    raise SelectionError(
        f"{what} conflicts with the rest of the selection",
        explanation=after.conflict,
        hint="see `hpm explain` for the options that fit, or change the other choice first",
    )


def add_group(ctx: Context, group_name: str, option_texts: tuple[str, ...]) -> GroupChange:
    """Record a group (and options) in ``[tool.hpm.groups]`` after checking it against the rules."""
    from hpm.manifest import set_group
    from hpm.selection import manifest_value

    group = _group(ctx, group_name)
    options = _resolve_options(ctx, group, option_texts)
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
    return GroupChange(group.name, before, after, state != "absent", True, warning)


def remove_group(ctx: Context, group_name: str, option_texts: tuple[str, ...]) -> GroupChange:
    """Drop a group from ``[tool.hpm.groups]``, or only some options of an M-of-N group."""
    from hpm.manifest import remove_group as drop_group
    from hpm.manifest import set_group
    from hpm.selection import manifest_value

    group = _group(ctx, group_name)
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
    options = _resolve_options(ctx, group, option_texts)
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


# --------------------------------------------------------------------------- group list / show


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One group as ``group list`` / ``group show`` present it."""

    group: Group
    state: str  # "chosen" | "open" | "absent" (absent: not in [tool.hpm.groups], or no project)
    chosen: tuple[str, ...]
    registry: Registry


def _optional_context(project_dir: str | None, registry_opt: str | None) -> Context | Registry:
    """A full context inside a project; just the registry outside one."""
    try:
        find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        if project_dir is not None:
            raise
        return load_registry_only(None, registry_opt)
    return load_context(project_dir, registry_opt)


def group_rows(project_dir: str | None, registry_opt: str | None) -> list[GroupRow]:
    """Every group of the registry, with the project's choice when run inside a project."""
    loaded = _optional_context(project_dir, registry_opt)
    registry = loaded.registry if isinstance(loaded, Context) else loaded
    selection = loaded.selection if isinstance(loaded, Context) else Selection()
    return [
        GroupRow(g, selection.state(g.name), selection.choices.get(g.name) or (), registry)
        for g in registry.model.groups
    ]


def group_detail(project_dir: str | None, registry_opt: str | None, name: str) -> GroupRow:
    """One group, resolved by full name (or a unique short reference)."""
    rows = group_rows(project_dir, registry_opt)
    if not rows:
        raise UsageError("the registry has no groups")
    wanted = find_group(rows[0].registry.model, name).name
    return next(row for row in rows if row.group.name == wanted)


# --------------------------------------------------------------------------- check / explain


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The answer of ``hpm check``."""

    verdict: Any  # solver.Verdict
    drift: tuple[str, ...] = ()  # with --locked: how hpm.lock differs

    @property
    def ok(self) -> bool:
        return self.verdict.status == "valid" and not self.drift


def check(project_dir: str | None, registry_opt: str | None, *, locked: bool) -> CheckReport:
    """Validate the manifest's selection (and, with ``locked``, that hpm.lock is current)."""
    import solver

    ctx = load_context(project_dir, registry_opt)
    verdict = solver.check(ctx.registry.model, ctx.selection)
    drift = tuple(_drift(ctx)) if locked else ()
    return CheckReport(verdict, drift)


def _drift(ctx: Context) -> list[str]:
    from hpm.lockfile import lock_drift, read_lock

    state = read_lock(ctx.project.root)
    if state is None:
        return ["hpm.lock does not exist: run `hpm sync`"]
    return lock_drift(state, ctx.manifest.groups, ctx.registry.digest)


@dataclass(frozen=True, slots=True)
class ExplainReport:
    """The answer of ``hpm explain``: per option of the group, None (possible) or a conflict."""

    group: Group
    state: str
    chosen: tuple[str, ...]
    results: dict[str, Any]  # option -> solver.Conflict | None
    focus: str | None  # the option asked about, if any


def explain(
    project_dir: str | None, registry_opt: str | None, group_name: str, option: str | None
) -> ExplainReport:
    """Which options of a group the current selection admits, and why the others are rejected."""
    import solver

    ctx = load_context(project_dir, registry_opt)
    group = _group(ctx, group_name)
    results = solver.feasible(ctx.registry.model, ctx.selection, group.name)
    focus = _resolve_options(ctx, group, (option,))[0] if option else None
    if focus is not None:
        results = {focus: results[focus]}
    return ExplainReport(
        group,
        ctx.selection.state(group.name),
        ctx.selection.choices.get(group.name) or (),
        dict(results),
        focus,
    )


# --------------------------------------------------------------------------- sync


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What ``hpm sync`` will do (``--dry-run`` stops here) and what it records afterwards."""

    plan: Any  # hpm.plan.SyncPlan
    resolution: Selection  # every active group with its options
    lock: Any  # hpm.lockfile.LockState to write afterwards
    write_back: dict[str, str | list[str]]  # --auto: choices to record in [tool.hpm.groups]
    completion: Any = None  # solver.Completion with --auto


def _resolve_for_sync(ctx: Context, *, auto: bool) -> tuple[Selection, Any]:
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
        raise SelectionError(
            "the selection is invalid: these choices and rules cannot hold together",
            explanation=verdict.conflict,
            hint="change one of the choices above; `hpm explain GROUP` lists what fits",
        )
    return ctx.selection, None


INCOMPLETE_HINT = (
    "run `hpm sync --auto` to fill them (defaults first), or choose with `hpm group add`"
)


def incomplete_message(verdict: Any) -> str:
    """One sentence naming the open groups and the groups that rules pull in."""
    parts = []
    if verdict.open_groups:
        parts.append(f"open groups with no choice yet: {', '.join(verdict.open_groups)}")
    if verdict.needed_groups:
        parts.append(f"groups that rules require: {', '.join(verdict.needed_groups)}")
    return "the selection is incomplete: " + "; ".join(parts or ["choices are missing"])


def prepare_sync(ctx: Context, *, auto: bool, locked: bool) -> SyncOutcome:
    """Resolve the selection and plan the uv commands; change nothing."""
    from hpm.lockfile import LockState, read_lock
    from hpm.plan import SyncPlan, make_plan
    from hpm.selection import manifest_value
    from hpm.sync import declared_dependencies
    from hpm.uv import find_uv, sync_argv

    resolution, completion = _resolve_for_sync(ctx, auto=auto)
    model = ctx.registry.model
    values = {
        g: manifest_value(model.group(g), opts or ()) for g, opts in resolution.choices.items()
    }
    write_back = {}
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
    )
    lock = LockState(ctx.registry_label, ctx.registry.digest, values, plan.packages)
    if locked:
        drift = list(_drift(ctx))
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


def apply_sync(ctx: Context, outcome: SyncOutcome, echo: Any = None) -> None:
    """Write back ``--auto`` choices and run the plan, all in one transaction."""
    from hpm.manifest import set_groups
    from hpm.sync import apply_plan

    def write_back() -> None:
        if outcome.write_back:
            set_groups(ctx.project.pyproject, outcome.write_back)

    apply_plan(ctx.project.root, outcome.plan, outcome.lock, echo=echo, before=write_back)


# --------------------------------------------------------------------------- registry check


@dataclass(frozen=True, slots=True)
class RegistryReport:
    """``hpm registry check``: the registry validated (or InputError raised) and analysed."""

    registry: Registry
    analysis: Any  # solver.analysis.Analysis
    reasons: dict[str, Any]  # dead option -> solver.Conflict (the first few)
    void_reason: Any = None  # solver.Conflict when the registry admits no selection at all

    @property
    def ok(self) -> bool:
        """False when the registry is void or a default can never be chosen (exit 1)."""
        return not self.analysis.void and not self.analysis.dead_defaults


def registry_check(
    project_dir: str | None, registry_opt: str | None, *, reasons: int = 3
) -> RegistryReport:
    """Validate the registry, then find core and dead options; explain up to ``reasons`` dead ones.

    The analysis runs on the CDCL SAT backend (``solver.analysis``); the explanations come from
    the constraint engine, the same as ``hpm check`` gives.
    """
    import solver
    from solver.analysis import analyse

    registry = load_registry_only(project_dir, registry_opt)
    model = registry.model
    analysis = analyse(model)
    if analysis.void:
        conflict = solver.complete(model, Selection()).conflict
        return RegistryReport(registry, analysis, {}, conflict)
    explained: dict[str, Any] = {}
    wanted = [o for o in model.options if o in set(analysis.dead)][:reasons]
    for option in wanted:
        group = model.group_of(option).name
        explained[option] = solver.feasible(model, Selection(), group)[option]
    return RegistryReport(registry, analysis, explained)


# --------------------------------------------------------------------------- init / graph / schema


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``hpm init`` did."""

    project: Path
    created: bool  # True when `uv init` made the project
    registry: str  # as recorded in [tool.hpm] registry
    registry_exists: bool
    already: bool  # [tool.hpm] registry was already set to this value


def init(project_dir: str | None, registry: str) -> InitResult:
    """Point an existing uv project at a registry, or make a new project with ``uv init``."""
    import os

    from hpm.manifest import set_registry
    from hpm.uv import find_uv, init_argv, run_checked

    root = Path(project_dir or ".").absolute()
    created = False
    if not (root / "pyproject.toml").is_file():
        if root.exists() and not root.is_dir():
            raise UsageError(f"{root} is not a directory")
        run_checked(init_argv(find_uv(), str(root)), root.parent if not root.exists() else root)
        created = True
    project = find_project(root)
    manifest = read_manifest(project.pyproject)
    target = Path(registry)
    # An absolute path is recorded as given; a relative one (to the current directory) is
    # recorded relative to the project, so that the project stays relocatable with its registry.
    absolute = target if target.is_absolute() else (Path.cwd() / target)
    recorded = (
        target.as_posix()
        if target.is_absolute()
        else Path(os.path.relpath(absolute, project.root)).as_posix()
    )
    already = manifest.registry == recorded
    if not already:
        set_registry(project.pyproject, recorded)
    return InitResult(project.root, created, recorded, (absolute / "groups").is_dir(), already)


def graph_text(
    project_dir: str | None, registry_opt: str | None, fmt: str, group: str | None
) -> str:
    """The rule graph as Mermaid or DOT text; selected options highlighted inside a project."""
    from hpm.graph import focus, rule_graph, to_dot, to_mermaid

    loaded = _optional_context(project_dir, registry_opt)
    registry = loaded.registry if isinstance(loaded, Context) else loaded
    selected = loaded.selection.chosen_options if isinstance(loaded, Context) else ()
    graph = rule_graph(registry.model, selected)
    if group is not None:
        graph = focus(graph, find_group(registry.model, group).name)
    return to_mermaid(graph) if fmt == "mermaid" else to_dot(graph)


SCHEMAS = ("group", "package", "rules")


def schema_text(kind: str) -> str:
    """The JSON Schema shipped for one kind of registry file."""
    from importlib.resources import files

    return files("hpm").joinpath("schemas", f"{kind}.schema.json").read_text(encoding="utf-8")
