"""Brute-force semantics of a Model: enumerate every set of options (small models only)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

from solver.model import Model, RuleKind, Strategy


def holds(model: Model, term: str, selected: frozenset[str]) -> bool:
    """A term: an option is selected, or some option of a group is."""
    if model.is_group(term):
        return any(o in selected for o in model.group(term).options)
    return term in selected


def is_valid(model: Model, selected: frozenset[str]) -> bool:
    """Whether ``selected`` satisfies every group and rule, each group active or not."""
    for g in model.groups:
        count = sum(o in selected for o in g.options)
        if count == 0:
            continue  # inactive (or an active M-of-N that may select none: min 0)
        if g.strategy is Strategy.ONE and count != 1:
            return False
        if g.strategy is Strategy.MANY and not (g.lower <= count <= g.upper):
            return False
    for r in model.rules:
        if not all(holds(model, t, selected) for t in r.when):
            continue
        hits = [holds(model, t, selected) for t in r.targets]
        if r.kind is RuleKind.REQUIRES and not any(hits):
            return False
        if r.kind is RuleKind.CONFLICTS and any(hits):
            return False
    return True


def configurations(model: Model) -> Iterator[frozenset[str]]:
    """Every valid configuration."""
    options = model.options
    for bits in product((False, True), repeat=len(options)):
        selected = frozenset(o for o, b in zip(options, bits, strict=True) if b)
        if is_valid(model, selected):
            yield selected


def core_and_dead(model: Model) -> tuple[set[str], set[str], bool]:
    """(core, dead, void) by enumeration."""
    configs = list(configurations(model))
    if not configs:
        return set(), set(model.options), True
    core = set.intersection(*(set(c) for c in configs))
    dead = set(model.options) - set.union(*(set(c) for c in configs))
    return core, dead, False
