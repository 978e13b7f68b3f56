"""Timings of check / complete / explain on the engine's own synthetic registries (run directly).

    .venv/bin/python benchmarks/engine_probe.py [groups ...] [--random]

Each registry has ``groups`` ten-option groups (alternating 1-of-N and M-of-N) and as many
pairwise rules (requires / conflicts between options of nearby groups, so the rule graph falls
into many parts, as in real registries) plus, with ``--random``, rules between random groups
(one giant tangled part, a shape ``synthetic.py``'s local rules never make). docs/engine.md
("## Figures") quotes its timings; ``run.py`` does not run it.

Measured (2 shared cores; python-constraint only, before the SAT oracle, in brackets):

| rules link | options | complete | check (valid) | check + explain | feasible |
| nearby  | 10,000  | 0.2 s (0.16)  | 0.001 s | 0.13 s (0.15) | 0.11 s (0.52) |
| nearby  | 100,000 | 2.3 s (2.0)   | 0.007 s | 0.8 s (1.1)   | 1.8 s (7.8)   |
| random  | 10,000  | 0.2 s (5.0)   | 0.001 s | 0.10 s (60)   | 0.34 s (302)  |
| random  | 100,000 | 2.4-4.0 s (-) | 0.01 s  | 1.4-2.2 s (-) | 4.4 s (-)     |
"""

from __future__ import annotations

import random
import sys
import time

from solver import (
    Group,
    Model,
    Origin,
    Rule,
    RuleKind,
    Selection,
    Strategy,
    analyse,
    check,
    complete,
    feasible,
    rule_findings,
)


def registry(n: int, spread: int, seed: int = 1) -> Model:
    rng = random.Random(seed)
    groups = []
    for g in range(n):
        options = tuple(f"p{g}-{i}" for i in range(10))
        if g % 2:
            groups.append(
                Group(f"g{g}", Strategy.MANY, options, options[:2], 1, 4, Origin("x", ""))
            )
        else:
            groups.append(
                Group(f"g{g}", Strategy.ONE, options, options[:1], origin=Origin("x", ""))
            )
    rules = []
    for r in range(n):
        a = rng.randrange(n)
        b = rng.randrange(n) if spread == 0 else min(n - 1, a + 1 + rng.randrange(spread))
        if a == b:
            continue
        kind = RuleKind.REQUIRES if r % 2 else RuleKind.CONFLICTS
        when = (f"p{a}-{rng.randrange(10)}",)
        rules.append(
            Rule(kind, when, (f"p{b}-{rng.randrange(10)}",), Origin("rules.yaml", f"rules[{r}]"))
        )
    return Model(tuple(groups), tuple(rules))


def timed(label: str, fn, *args) -> object:
    """Run ``fn``; print its wall seconds and its CPU seconds (what docs/engine.md quotes)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<28} {took:8.3f} s  ({cpu:.3f} s CPU)")
    return result


def pick(group: Group, option: str) -> tuple[str, ...]:
    """A chosen value for ``group`` that contains ``option``."""
    if group.strategy is Strategy.ONE:
        return (option,)
    return tuple(dict.fromkeys((option, *group.default)))


def probe(n: int, spread: int) -> None:
    model = registry(n, spread)
    print(f"{n} groups, {10 * n} options, {len(model.rules)} rules, spread={spread or 'random'}")
    # every tenth group chosen (its first valid-looking option), a few open, the rest absent
    half = Selection({g.name: None for g in model.groups[:: max(1, n // 20)]})
    timed("complete (open groups)", complete, model, half)
    filled = complete(model, half)
    if filled.ok:
        timed("check (valid selection)", check, model, filled.selection)
    bad = None
    for rule in model.rules:
        if rule.kind is RuleKind.CONFLICTS:
            a, b = rule.when[0], rule.targets[0]
            ga, gb = model.group_of(a), model.group_of(b)
            bad = Selection({ga.name: pick(ga, a), gb.name: pick(gb, b)})
            break
    if bad is not None:
        verdict = timed("check + explain (conflict)", check, model, bad)
        assert verdict.status == "invalid", verdict.status
        timed("feasible (one group)", feasible, model, bad, model.groups[0].name)
    analysis = timed("analyse (core/dead)", analyse, model)
    timed("rule findings", lambda: rule_findings(model, analysis, redundant=False))


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [1_000, 10_000]
    for size in sizes:
        probe(size, spread=5)
        if "--random" in sys.argv:
            probe(size, spread=0)
