"""Whether this machine would make a choice that hpm.lock says machine facts decided differently
(``hpm status``'s note; hpm.lock's ``[machine]`` table comes from
:func:`hpm.machine.availability.decided_by`).

Apart from :mod:`hpm.machine.availability`, so that the commands that only check or explain
do not create this class at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hpm.machine.availability import NONE
from hpm.machine.facts import FACTS, Machine
from hpm.registry.catalog import Registry


@dataclass(frozen=True, slots=True)
class MachineChange:
    """A group whose ``--auto`` choice would differ on this machine."""

    group: str
    recorded: tuple[str, ...]  # the option(s) hpm.lock has
    now: tuple[str, ...] | None  # what --auto would choose here (None: nothing fits)
    facts: tuple[tuple[str, str, str], ...]  # (fact, value in hpm.lock, value here) that differ


def machine_changes(
    registry: Registry,
    machine: Machine,
    selection_choices: Mapping[str, tuple[str, ...] | None],
    recorded_facts: Mapping[str, Mapping[str, str]],
    recorded_groups: Mapping[str, tuple[str, ...]],
) -> tuple[MachineChange, ...]:
    """The groups hpm.lock says the machine decided, where this machine's facts differ in a way
    that changes what ``hpm sync --auto`` would choose (``registry`` already for ``machine``)."""
    import solver
    from solver.model import Selection

    changes = []
    for group, facts in recorded_facts.items():
        differ = tuple(
            (fact, value, machine.value(fact) or NONE)
            for fact, value in facts.items()
            if fact in FACTS and (machine.value(fact) or NONE) != value
        )
        if not differ or group not in recorded_groups:
            continue
        opened = {**selection_choices, group: None}
        completion = solver.complete(registry.model, Selection(opened))
        now = None if completion.conflict else completion.selection.choices.get(group) or ()
        if now is None or set(now) != set(recorded_groups[group]):
            changes.append(MachineChange(group, recorded_groups[group], now, differ))
    return tuple(changes)
