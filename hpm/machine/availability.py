"""Which options this machine can run, as fixed facts the solver reasons with.

An option whose ``machine:`` condition fails is unavailable exactly like an option a rule
excludes: it becomes a rule with no ``when`` that conflicts with the option, whose origin is the
machine fact (and where that fact came from) and whose message names both the fact and the
condition, so every explanation of the solver carries them.

Detection runs only when the registry has conditions (it may start ``nvidia-smi``); overrides
are checked on every command that takes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from hpm.errors import UsageError, location
from hpm.machine.conditions import Condition
from hpm.machine.facts import MACHINE_FILE, Fact, Machine, MachineSpecError
from hpm.registry.catalog import Registry
from solver.model import Model, Origin, Rule, RuleKind


@dataclass(frozen=True, slots=True)
class MachineRequest:
    """What the command line asked: ``--machine KEY=VALUE`` items, or ``--any-machine``."""

    overrides: tuple[str, ...] = ()
    any_machine: bool = False


@dataclass(frozen=True, slots=True)
class Unmet:
    """One condition of one option that the machine does not meet."""

    option: str
    condition: Condition
    fact: Fact


def resolve_machine(
    request: MachineRequest,
    conditions: Mapping[str, tuple[Condition, ...]],
    project: Path | None,
    environ: Mapping[str, str],
) -> Machine | None:
    """The facts to choose with: None with ``--any-machine`` or when no option has conditions.

    Bad overrides (``--machine``, ``HPM_MACHINE``) are a UsageError (exit 2) either way.
    """
    if request.any_machine and request.overrides:
        raise UsageError(
            "--machine and --any-machine contradict each other",
            hint="--machine describes one machine; --any-machine ignores machine conditions",
        )
    overrides = _overrides(request, environ)
    if request.any_machine or not conditions:
        return None
    return _detect(project, overrides)


def machine_facts(
    request: MachineRequest, project: Path | None, environ: Mapping[str, str]
) -> Machine:
    """This machine's facts (``hpm machine``), with the overrides applied."""
    return _detect(project, _overrides(request, environ))


def _overrides(request: MachineRequest, environ: Mapping[str, str]) -> dict[str, Fact]:
    from hpm.machine.facts import overrides_from

    try:
        return overrides_from(request.overrides, environ)
    except MachineSpecError as error:
        raise UsageError(str(error), hint=error.hint) from error


def _detect(project: Path | None, overrides: Mapping[str, Fact]) -> Machine:
    from hpm.machine.detect import detect, probe_from_env

    return detect(probe_from_env(project), overrides)


def unmet_conditions(
    conditions: Mapping[str, tuple[Condition, ...]], machine: Machine
) -> tuple[Unmet, ...]:
    """Every condition the machine fails, option by option in registry order."""
    return tuple(
        Unmet(option, condition, machine.fact(condition.fact))
        for option, listed in conditions.items()
        for condition in listed
        if not condition.holds(machine.value(condition.fact))
    )


def unmet_text(unmet: Unmet) -> str:
    """``this machine: cuda 12.2 (nvidia driver 535.104.05, from /sys/module/nvidia/version);
    cu130 needs cuda >=13.0 (groups/accelerator.yaml:5)``."""
    fact, condition = unmet.fact, unmet.condition
    have = f"{fact.name} {fact.value}" if fact.value is not None else f"no {fact.name}"
    at = location(condition.origin.file, condition.origin.line)
    return f"this machine: {have} ({fact.origin()}); {unmet.option} needs {condition.text} ({at})"


def machine_rules(unmet: tuple[Unmet, ...]) -> tuple[Rule, ...]:
    """One rule per unmet condition: always, the option is not selected."""
    return tuple(
        Rule(
            RuleKind.CONFLICTS,
            (),
            (item.option,),
            Origin(MACHINE_FILE, item.fact.name, detail=item.fact.origin()),
            message=unmet_text(item),
        )
        for item in unmet
    )


def for_machine(registry: Registry, machine: Machine | None) -> Registry:
    """The registry whose model also holds this machine's facts (unchanged for None)."""
    if machine is None:
        return registry
    rules = machine_rules(unmet_conditions(registry.conditions, machine))
    if not rules:
        return registry
    model = registry.model
    return replace(registry, model=Model(model.groups, (*model.rules, *rules)))


# --------------------------------------------------------------------------- hpm.lock, hpm status
NONE = "none"  # how hpm.lock records a fact the machine does not have (TOML has no null)


def decided_by(
    registry: Registry, machine: Machine, groups: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """For each of ``groups`` (filled by ``--auto``) whose options have machine conditions, the
    facts those conditions read, with this machine's values: what decided the choice."""
    decided: dict[str, dict[str, str]] = {}
    for name in groups:
        facts = sorted(
            {
                condition.fact
                for option in registry.model.group(name).options
                for condition in registry.conditions.get(option, ())
            }
        )
        if facts:
            decided[name] = {fact: machine.value(fact) or NONE for fact in facts}
    return decided
