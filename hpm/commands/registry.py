"""`hpm registry check` and `hpm registry schema`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpm.context import load_registry_only
from hpm.registry.catalog import Registry
from solver.model import Selection

if TYPE_CHECKING:
    from solver import Conflict
    from solver.analysis import Analysis, RuleFindings


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
    project_dir: str | None,
    registry_opt: str | None,
    *,
    reasons: int = 3,
    redundant: bool = False,
) -> RegistryReport:
    """Validate the registry, then find core and dead options; explain up to ``reasons`` dead ones.

    Also rules that can never apply and, with ``redundant``, rules the others already imply (one
    SAT call per rule: seconds on registries with thousands of rules, hence opt-in). The analysis
    runs on the CDCL SAT backend (``solver.analysis``); the explanations come from the constraint
    engine, the same as ``hpm check`` gives.
    """
    import solver
    from solver.analysis import analyse, rule_findings

    registry = load_registry_only(project_dir, registry_opt)
    model = registry.model
    analysis = analyse(model)
    if analysis.void:
        conflict = solver.complete(model, Selection()).conflict
        return RegistryReport(registry, analysis, {}, conflict)
    explained: dict[str, Conflict] = {}
    dead = set(analysis.dead)
    wanted = [o for o in model.options if o in dead][:reasons]
    by_group: dict[str, dict[str, Conflict | None]] = {}  # one feasible() per group, not option
    for option in wanted:
        group = model.group_of(option).name
        if group not in by_group:
            by_group[group] = solver.feasible(model, Selection(), group)
        conflict = by_group[group][option]
        assert conflict is not None, f"{option} is dead, so choosing it must conflict"
        explained[option] = conflict
    findings = rule_findings(model, analysis, redundant=redundant)
    return RegistryReport(registry, analysis, explained, rules=findings)


SCHEMAS = ("group", "package", "rules", "indexes")


def schema_text(kind: str) -> str:
    """The JSON Schema shipped for one kind of registry file."""
    from importlib.resources import files

    return files("hpm").joinpath("schemas", f"{kind}.schema.json").read_text(encoding="utf-8")
