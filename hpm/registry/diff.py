"""What changed between two versions of a registry (``hpm registry update`` prints it).

Pure: two :class:`~hpm.registry.catalog.Registry` values in, a :class:`RegistryChanges` out.
Rules are compared by what they say (kind, condition, targets, message), not by where they are
written, so moving a rule between files is no change. Whether an option's code changed is asked
of ``same_code`` (the command compares git trees), because a package pinned at a commit gets a new
commit with every update even when its folder did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hpm.registry.catalog import Registry, Source
from solver.model import Group, Rule

# True: one folder of a git layer at two commits, same tree; False: its tree changed;
# None: not two pins of one git layer (then the sources are compared as written).
SameCode = Callable[[Source, Source], bool | None]


@dataclass(frozen=True, slots=True)
class OptionChange:
    """An option present in both versions whose definition changed."""

    group: str
    option: str
    what: tuple[str, ...]  # "source", "packages", "code"


@dataclass(frozen=True, slots=True)
class RegistryChanges:
    """The difference between an old and a new registry."""

    groups_added: tuple[str, ...] = ()
    groups_removed: tuple[str, ...] = ()
    groups_changed: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (group, changed fields)
    options_added: tuple[tuple[str, str], ...] = ()  # (group, option)
    options_removed: tuple[tuple[str, str], ...] = ()
    options_changed: tuple[OptionChange, ...] = ()
    rules_added: tuple[Rule, ...] = ()
    rules_removed: tuple[Rule, ...] = ()

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__slots__)


def registry_changes(old: Registry, new: Registry, same_code: SameCode) -> RegistryChanges:
    """Groups and options added, removed or changed, and rules added or removed."""
    old_groups = {g.name: g for g in old.model.groups}
    new_groups = {g.name: g for g in new.model.groups}
    changed_groups = tuple(
        (name, fields)
        for name in old_groups
        if name in new_groups and (fields := _group_fields(old_groups[name], new_groups[name]))
    )
    added, removed, changed = [], [], []
    for name, group in new_groups.items():
        before = old_groups.get(name)
        previous = set(before.options) if before else set()
        added += [(name, o) for o in group.options if o not in previous and before is not None]
        for option in group.options:
            if option in previous:
                what = _option_fields(old, new, option, same_code)
                if what:
                    changed.append(OptionChange(name, option, what))
    for name, group in old_groups.items():
        after = new_groups.get(name)
        if after is not None:
            removed += [(name, o) for o in group.options if o not in after.options]
    old_rules, new_rules = _rule_keys(old), _rule_keys(new)
    return RegistryChanges(
        groups_added=tuple(n for n in new_groups if n not in old_groups),
        groups_removed=tuple(n for n in old_groups if n not in new_groups),
        groups_changed=changed_groups,
        options_added=tuple(added),
        options_removed=tuple(removed),
        options_changed=tuple(changed),
        rules_added=tuple(r for k, r in new_rules.items() if k not in old_rules),
        rules_removed=tuple(r for k, r in old_rules.items() if k not in new_rules),
    )


def _group_fields(old: Group, new: Group) -> tuple[str, ...]:
    fields = ("strategy", "default", "min", "max", "description")
    changed = [f for f in fields if getattr(old, f) != getattr(new, f)]
    if old.options != new.options and set(old.options) == set(new.options):
        changed.append("order")
    return tuple(changed)


def _option_fields(old: Registry, new: Registry, option: str, same_code: SameCode) -> tuple:
    before, after = old.packages(option), new.packages(option)
    if [p.name for p in before] != [p.name for p in after]:
        return ("packages",)
    what: list[str] = []
    for a, b in zip(before, after, strict=True):
        if a.source.same_as(b.source):
            continue
        same = same_code(a.source, b.source)
        if same is None:
            what.append("source")
        elif not same:
            what.append("code")
    return tuple(dict.fromkeys(what))


def _rule_keys(registry: Registry) -> dict[tuple, Rule]:
    keys: dict[tuple, Rule] = {}
    for rule in registry.model.rules:
        key = (rule.kind, rule.when, rule.targets, rule.message)
        keys.setdefault(key, rule)
    return keys
