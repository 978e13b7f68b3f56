"""`hpm registry check`, `hpm registry update` and `hpm registry schema`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from hpm import views
from hpm.cli.app import HpmGroup
from hpm.cli.options import Globals, global_options, json_option, machine_option
from hpm.cli.project import Load, project_command
from hpm.registry.catalog import Registry
from solver.model import Selection

if TYPE_CHECKING:
    from collections.abc import Callable

    from hpm.cli.commands.registry_update import UpdateReport
    from hpm.forked import Forked
    from solver import Analysis, Conflict, RuleFindings


@dataclass(frozen=True, slots=True)
class RegistryReport:
    """``hpm registry check``: the registry validated (or InputError raised) and analysed."""

    registry: Registry
    analysis: Analysis
    reasons: dict[str, Conflict]  # dead option -> why (the first few)
    void_reason: Conflict | None = None  # when the registry admits no selection at all
    rules: RuleFindings | None = None  # rules that never apply / are redundant

    @property
    def ok(self) -> bool:
        """False when the registry is void or a default can never be chosen (exit 1)."""
        return not self.analysis.void and not self.analysis.dead_defaults


def registry_check(
    registry: Registry, *, reasons: int = 3, redundant: bool = False
) -> RegistryReport:
    """Validate the registry, then find core and dead options; explain up to ``reasons`` dead ones.

    Also rules that can never apply and, with ``redundant``, rules the others already imply (one
    SAT call per rule clause: seconds on registries with thousands of rules, hence opt-in). The
    analysis, and the explanations (the same as ``hpm explain`` gives), run on the SAT oracle.
    """
    import solver
    from solver import analyse, rule_findings

    model = registry.model
    analysis = analyse(model)
    if analysis.void:
        conflict = solver.complete(model, Selection()).conflict
        return RegistryReport(registry, analysis, {}, conflict)
    dead = set(analysis.dead)
    wanted = [o for o in model.options if o in dead][:reasons]

    def find() -> RuleFindings:
        return rule_findings(model, analysis, redundant=redundant)

    # on a large registry the rule findings are found by a child process beside the explanations
    child = _findings_child(find) if len(model.rules) >= FORK_FROM_RULES else None
    try:
        explained = solver.why_not(model, Selection(), wanted)  # one oracle explains them all
        findings = _findings_of(child.result()) if child is not None else None
    finally:
        if child is not None:
            child.stop()
    if findings is None:  # no child, or it failed
        findings = find()
    return RegistryReport(registry, analysis, explained, rules=findings)


#: From this many rules, ``registry check`` finds the rules that never apply in a forked child
#: while it explains the dead options (:mod:`hpm.forked`; the fork costs a few milliseconds, the
#: rule findings take ~0.2 s on automotive2_4's 23,716 rules, ~1 s at 100,000 options). The
#: analysis has loaded every module the rule findings run.
FORK_FROM_RULES = 2_000


def _findings_child(find: Callable[[], RuleFindings]) -> Forked | None:
    import marshal

    from hpm.forked import Forked

    def work() -> bytes:
        found = find()
        return marshal.dumps((found.never_applies, found.redundant))

    return Forked.start(work)


def _findings_of(blob: bytes | None) -> RuleFindings | None:
    """The child's answer, checked for its shape (None: the child failed, find them here)."""
    import marshal

    from solver import RuleFindings

    try:
        parts = marshal.loads(blob) if blob is not None else None
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(parts, tuple) or len(parts) != 2:
        return None
    if not all(isinstance(p, tuple) and all(type(i) is int for i in p) for p in parts):
        return None
    return RuleFindings(*parts)


SCHEMAS = ("group", "package", "rules", "indexes")


def schema_text(_globals: object, *, kind: str) -> str:
    """The JSON Schema shipped for one kind of registry file."""
    from importlib.resources import files

    return files("hpm").joinpath("schemas", f"{kind}.schema.json").read_text(encoding="utf-8")


@click.group("registry", cls=HpmGroup)
@global_options
def command() -> None:
    """Validate and analyse a registry; update a git-hosted one; print its JSON Schemas."""


command.add_command(
    project_command(
        registry_check,
        Load.REGISTRY,
        views.REGISTRY_CHECK,
        json_option,
        machine_option,
        click.option(
            "--reasons",
            default=3,
            show_default=True,
            metavar="N",
            type=click.IntRange(min=0),
            help="Explain at most N dead options.",
        ),
        click.option(
            "--redundant",
            is_flag=True,
            help="Also find rules that the others already imply (one SAT call per rule).",
        ),
        name="check",
        help="""Validate every registry file, then find dead and core options.

    Exit 0 when the registry has no errors (dead options are warnings), 1 when it is void or a
    default can never be chosen, 2 when a file is invalid.
    """,
    )
)
command.add_command(
    project_command(
        schema_text,
        Load.GLOBALS,
        views.RAW,
        click.argument("kind", type=click.Choice(SCHEMAS), default="group"),
        name="schema",
        help="""Print the JSON Schema of a registry file: groups/*.yaml (group), packages/*.yaml
    (package), rules.yaml (rules) or indexes.yaml (indexes). Point yaml-language-server at it for
    completion in editors.""",
    )
)


def update(state: Globals, *, ref: str | None) -> UpdateReport:
    """Fetch the git-hosted registry, pin its ref's new commit in hpm.lock, say what changed.

    Run `hpm sync` afterwards to apply the new registry to the project.
    """
    from hpm.cli.commands.registry_update import registry_update

    return registry_update(state.project, state.registry, ref=ref)


command.add_command(
    project_command(
        update,
        Load.GLOBALS,
        views.REGISTRY_UPDATE,
        click.option("--ref", metavar="REF", help="Follow this branch, tag or commit from now on."),
        json_option,
        name="update",
        write=True,
    )
)
