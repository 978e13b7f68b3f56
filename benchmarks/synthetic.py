"""Seeded synthetic registries of any size, for scaling measurements.

Groups of 2..8 options (half 1-of-N with a default, half M-of-N with min 0 or 1), and
option-level rules between options of different groups, always from an earlier group to a
later one: about one ``requires`` (sometimes ``{any: [...]}``) per 4 options and one
``conflicts`` per 10. No rule applies unconditionally, so the empty selection is always
valid and the registry never void.
"""

from __future__ import annotations

import random
from dataclasses import replace

from benchmarks.uvl_registry import GroupSpec, OptionSpec, RegistryPlan
from solver.model import Strategy


def synthetic_plan(options: int, seed: int = 0) -> RegistryPlan:
    """A registry of exactly ``options`` options, the same for the same seed."""
    rng = random.Random(seed)
    groups: list[GroupSpec] = []
    made = 0
    while made < options:
        size = min(rng.randint(2, 8), options - made) or 1
        names = tuple(f"pkg-{made + i:06d}" for i in range(size))
        opts = tuple(OptionSpec(n, f"synthetic option {n}") for n in names)
        gname = f"group-{len(groups):05d}"
        if rng.random() < 0.5:
            spec = GroupSpec(gname, Strategy.ONE, opts, "synthetic 1-of-N", default=(names[0],))
        else:
            low = rng.choice((0, 1))
            spec = GroupSpec(gname, Strategy.MANY, opts, "synthetic M-of-N", min=low)
        groups.append(spec)
        made += size
    requires: dict[str, list[tuple[str, ...]]] = {}
    conflicts: dict[str, list[str]] = {}
    span = max(1, len(groups) // 20)  # rules stay local, as in real registries
    for _ in range(options // 4 + options // 10):
        i = rng.randrange(len(groups))
        j = min(len(groups) - 1, i + rng.randint(1, span))
        if i == j:
            continue
        source = rng.choice(groups[i].options).name
        later = [o.name for o in groups[j].options]
        if rng.random() < 5 / 7:
            count = 1 if rng.random() < 0.8 else min(2, len(later))
            requires.setdefault(source, []).append(tuple(rng.sample(later, count)))
        else:
            conflicts.setdefault(source, []).append(rng.choice(later))
    return RegistryPlan(tuple(_with_rules(g, requires, conflicts) for g in groups), (), {})


def _with_rules(
    group: GroupSpec, requires: dict[str, list[tuple[str, ...]]], conflicts: dict[str, list[str]]
) -> GroupSpec:
    """The group with its options' rules written on the options (as a registry author would)."""
    options = tuple(
        o._replace(
            requires=tuple(t[0] for t in requires.get(o.name, []) if len(t) == 1),
            requires_any=tuple(t for t in requires.get(o.name, []) if len(t) > 1),
            conflicts=tuple(dict.fromkeys(conflicts.get(o.name, []))),
        )
        for o in group.options
    )
    return replace(group, options=options)
