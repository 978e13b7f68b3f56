"""Registry analysis: core and dead options, void registries, dead groups and defaults; rules
that never apply or that the others imply. All on the SAT oracle (:mod:`solver.cnf`).

A *valid configuration* here is any set of options that satisfies the registry's group limits
and rules, every group being free to be active or inactive (there is no project selection);
only what rules force (e.g. a rule with an empty ``when`` requiring an option) is forced.

The search uses what each solution proves: every option it selects is not dead, every option
it leaves out is not core. The remaining candidates are settled in bulk: "is one of these
candidates selectable?" is one SAT call (a clause over all of them, switched on by an
assumption). The solver's phases point every remaining candidate at the answer sought and
every other option away from it, so that options already cleared do not take their group's
slot and one solution clears many candidates; after each solution only the options whose
status changed get a new phase. An unsatisfiable answer proves every remaining candidate.
"""

from __future__ import annotations

from solver import problem
from solver.answers import Analysis, RuleFindings
from solver.cnf import Oracle
from solver.model import Model


def _settle(
    oracle: Oracle, candidates: set[int], *, polarity: bool
) -> tuple[set[int], list[set[int]]]:
    """Shrink ``candidates`` until each is proven: never ``polarity`` in any solution.

    With ``polarity`` True the candidates are maybe-dead options (looking for solutions that
    select them); with False, maybe-core options (looking for solutions that drop them). The
    answer: what survives (dead, or core) and the solutions found on the way.
    """
    sign = 1 if polarity else -1
    seen: list[set[int]] = []
    n = len(oracle.options)
    oracle.prefer([sign * v if v in candidates else -sign * v for v in range(1, n + 1)])
    while candidates:
        switch = oracle.fresh()
        oracle.add([-switch, *(sign * v for v in candidates)])
        found = oracle.solve([switch])
        oracle.add([-switch])  # retire the clause for good
        if not found:
            break
        selected = oracle.selected_vars()
        seen.append(selected)
        cleared = candidates & selected if polarity else candidates - selected
        candidates = candidates - cleared
        oracle.prefer([-sign * v for v in cleared])
    return candidates, seen


def analyse(model: Model) -> Analysis:
    """Core, dead and void for ``model``, plus dead groups and dead defaults."""
    options = model.options
    with Oracle(model) as oracle:
        oracle.require(problem.limits(model))
        oracle.require(model.rules)
        if not oracle.solve():
            return Analysis(
                core=(),
                dead=tuple(sorted(options)),
                void=True,
                dead_groups=tuple(sorted(g.name for g in model.groups)),
                dead_defaults=tuple(sorted((g.name, d) for g in model.groups for d in g.default)),
            )
        first = oracle.selected_vars()
        every = set(range(1, len(options) + 1))
        dead_vars, seen = _settle(oracle, every - first, polarity=True)
        maybe_core = first.intersection(*seen)
        core_vars, _ = _settle(oracle, maybe_core, polarity=False)
    dead = {options[v - 1] for v in dead_vars}
    core = {options[v - 1] for v in core_vars}
    dead_groups = tuple(sorted(g.name for g in model.groups if all(o in dead for o in g.options)))
    dead_defaults = tuple(sorted((g.name, d) for g in model.groups for d in g.default if d in dead))
    return Analysis(tuple(sorted(core)), tuple(sorted(dead)), False, dead_groups, dead_defaults)


def _applicable(
    oracle: Oracle, selectors: list[int], whens: list[list[int]], candidates: list[int]
) -> list[int]:
    """The candidate rules whose ``when`` holds in no valid configuration (every rule on).

    In bulk, as :func:`_settle` does for options: "does some candidate's condition hold?" is
    one call (a clause over one literal per candidate that implies its condition); each
    solution clears every candidate whose condition it satisfies.
    """
    implies: dict[int, int] = {}
    for index in candidates:
        when = whens[index]
        if len(when) == 1:
            implies[index] = when[0]
            continue
        lit = implies[index] = oracle.fresh()
        for w in when:
            oracle.add([-lit, w])
    left = set(candidates)
    oracle.prefer([implies[i] for i in candidates])
    while left:
        switch = oracle.fresh()
        oracle.add([-switch, *(implies[i] for i in sorted(left))])
        found = oracle.solve([*selectors, switch])
        oracle.add([-switch])
        if not found:
            break
        cleared = {i for i in left if all(oracle.true(w) for w in whens[i])}
        left -= cleared
    return sorted(left)


def rule_findings(
    model: Model, analysis: Analysis | None = None, *, redundant: bool = True
) -> RuleFindings:
    """Find rules that never apply and (with ``redundant``) rules implied by the rest.

    Every rule's clauses are guarded by a selector variable of its own, so that one incremental
    solver answers "does the registry without rule r still forbid what r forbids?" under
    assumptions. A void registry has no findings (every rule is vacuous there; ``analyse``
    reports it). The rules that can apply are found in bulk (a few calls); each rule left over
    costs one call, and with ``redundant`` each rule one call per clause.
    """
    analysis = analysis or analyse(model)
    if analysis.void:
        return RuleFindings()
    dead_options, dead_groups = set(analysis.dead), set(analysis.dead_groups)
    with Oracle(model) as oracle:
        oracle.require(problem.limits(model))
        selectors: list[int] = []
        clauses: list[list[list[int]]] = []  # per rule: its clauses (without selector)
        whens: list[list[int]] = []
        for rule in model.rules:
            own = oracle.clauses(rule)
            s = oracle.fresh()
            for clause in own:
                oracle.add([*clause, -s])
            selectors.append(s)
            clauses.append(own)
            whens.append([oracle.term(t) for t in rule.when])
        if not oracle.solve(selectors, keep=False):
            return RuleFindings()
        applies = [False] * len(selectors)
        for index, rule in enumerate(model.rules):
            live = not any(t in dead_options or t in dead_groups for t in rule.when)
            if live and len(rule.when) <= 1:
                applies[index] = True  # one live term: it holds in some valid configuration
        left = _applicable(oracle, selectors, whens, [i for i, a in enumerate(applies) if not a])
        never: list[int] = []
        for index in left:  # not with every rule; maybe without this one (it may be the cause)
            without = [s if i != index else -s for i, s in enumerate(selectors)]
            if not oracle.solve([*without, *whens[index]], keep=False):
                never.append(index)
        implied: list[int] = []
        skip = set(never)
        for index, own in enumerate(clauses if redundant else ()):
            if index in skip:
                continue
            others = [s if i != index else -s for i, s in enumerate(selectors)]
            if all(not oracle.solve([*others, *(-x for x in c)], keep=False) for c in own):
                implied.append(index)
        return RuleFindings(tuple(sorted(never)), tuple(implied))
