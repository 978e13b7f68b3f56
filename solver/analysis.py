"""Registry analysis: core and dead options, void registries, dead groups and defaults.

A *valid configuration* here is any set of options that satisfies the registry's groups and
rules, every group being free to be active or inactive (there is no project selection); only
what rules force (e.g. a rule with an empty ``when`` requiring an option) is forced.

- *core*: options selected in every valid configuration;
- *dead*: options selected in none;
- *void*: there is no valid configuration at all (then every option is dead and none is core).

The search uses what each solution proves: every option it selects is not dead, every option
it leaves out is not core. The remaining candidates are settled in bulk: "is one of these
candidates selectable?" is one SAT call (a clause over all of them, activated by an assumption,
with the solver's phases pointing at them so that one solution clears many at once). An
unsatisfiable answer proves every remaining candidate at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.model import Model, RuleKind
from solver.sat import SatSession


@dataclass(frozen=True, slots=True)
class Analysis:
    """What holds in every (or no) valid configuration of a registry. Tuples are sorted."""

    core: tuple[str, ...]
    dead: tuple[str, ...]
    void: bool
    dead_groups: tuple[str, ...] = ()  # groups that can never be active (every option dead)
    dead_defaults: tuple[tuple[str, str], ...] = ()  # (group, option): defaults that are dead
    solver_calls: int = 0  # how many SAT calls the analysis took (for benchmarks)


def _settle(
    session: SatSession, candidates: set[int], *, polarity: bool, seen: list[frozenset[int]]
) -> set[int]:
    """Shrink ``candidates`` until each is proven: never ``polarity`` in any solution.

    With ``polarity`` True the candidates are maybe-dead options (looking for solutions that
    select them); with False, maybe-core options (looking for solutions that drop them). The
    returned set is what survives: dead (True) or core (False). Every solution found along the
    way is appended to ``seen``.
    """
    sign = 1 if polarity else -1
    while candidates:
        act = session.new_var()
        session.add_clause([-act, *(sign * v for v in candidates)])
        session.set_phases([sign * v for v in candidates])
        found = session.solve([act])
        session.add_clause([-act])  # retire the activation clause for good
        if found is None:
            break
        seen.append(found)
        candidates = candidates - found if polarity else candidates & found
    return candidates


def analyse(model: Model) -> Analysis:
    """Core, dead and void for ``model``, plus dead groups and dead defaults."""
    options = model.options
    with SatSession(model) as session:
        first = session.solve()
        if first is None:
            return Analysis(
                core=(),
                dead=tuple(sorted(options)),
                void=True,
                dead_groups=tuple(sorted(g.name for g in model.groups)),
                dead_defaults=tuple(sorted((g.name, d) for g in model.groups for d in g.default)),
                solver_calls=session.calls,
            )
        every = set(range(1, len(options) + 1))
        seen: list[frozenset[int]] = [first]
        dead_vars = _settle(session, every - first, polarity=True, seen=seen)
        maybe_core = set(first).intersection(*seen)
        core_vars = _settle(session, maybe_core, polarity=False, seen=seen)
        dead = {session.name(v) for v in dead_vars}
        core = {session.name(v) for v in core_vars}
        calls = session.calls
    dead_groups = tuple(sorted(g.name for g in model.groups if all(o in dead for o in g.options)))
    dead_defaults = tuple(sorted((g.name, d) for g in model.groups for d in g.default if d in dead))
    return Analysis(
        core=tuple(sorted(core)),
        dead=tuple(sorted(dead)),
        void=False,
        dead_groups=dead_groups,
        dead_defaults=dead_defaults,
        solver_calls=calls,
    )


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """Rules that do nothing: indexes into ``model.rules``, in registry order.

    ``never_applies``: the rule's ``when`` cannot hold in any valid configuration, even of the
    registry without that rule (so the rule can never take effect: usually a mistake; a rule
    that itself makes its condition impossible, like ``a requires b`` with ``a conflicts b``,
    does apply: it is what makes ``a`` dead). ``redundant``: the rule can apply, but
    the other rules and groups already imply it (removing it changes no valid configuration).
    """

    never_applies: tuple[int, ...] = ()
    redundant: tuple[int, ...] = ()
    solver_calls: int = 0


def rule_findings(
    model: Model, analysis: Analysis | None = None, *, redundant: bool = True
) -> RuleFindings:
    """Find rules that never apply and (with ``redundant``) rules implied by the rest.

    At most one SAT call per rule for each of the two questions.

    Every rule's clauses are guarded by a selector variable, so that one incremental solver
    answers "does the registry without rule r still forbid what r forbids?" under assumptions.
    A void registry has no findings (every rule is vacuous there; ``analyse`` reports it).
    """
    analysis = analysis or analyse(model)
    if analysis.void:
        return RuleFindings()
    dead_options, dead_groups = analysis.dead, set(analysis.dead_groups)
    groups_only = Model(model.groups, ())
    with SatSession(groups_only) as session:
        var = {o: i for i, o in enumerate(model.options, start=1)}
        some: dict[str, int] = {}

        def some_option(group: str) -> int:
            if group not in some:
                g = session.new_var()
                lits = [var[o] for o in model.group(group).options]
                session.add_clause([-g, *lits])
                for x in lits:
                    session.add_clause([g, -x])
                some[group] = g
            return some[group]

        def lits(term: str) -> list[int]:
            if model.is_group(term):
                return [var[o] for o in model.group(term).options]
            return [var[term]]

        selectors: list[int] = []
        clauses: list[list[list[int]]] = []  # per rule: its clauses (without selector)
        whens: list[list[int]] = []
        for rule in model.rules:
            when = [some_option(t) if model.is_group(t) else var[t] for t in rule.when]
            guard = [-w for w in when]
            if rule.kind is RuleKind.REQUIRES:
                own = [guard + [x for t in rule.targets for x in lits(t)]]
            else:
                own = [[*guard, -x] for t in rule.targets for x in lits(t)]
            s = session.new_var()
            for clause in own:
                session.add_clause([*clause, -s])
            selectors.append(s)
            clauses.append(own)
            whens.append(when)

        if session.solve(selectors) is None:
            return RuleFindings(solver_calls=session.calls)
        never: list[int] = []
        implied: list[int] = []
        applies = [False] * len(selectors)
        dead = set(dead_options)
        for index, rule in enumerate(model.rules):
            live = not any(t in dead or t in dead_groups for t in rule.when)
            if live and len(rule.when) <= 1:
                applies[index] = True  # one live term: it holds in some valid configuration
        for index, when in enumerate(whens):
            if applies[index]:
                continue
            found = session.solve([*selectors, *when])
            if found is None:  # not with every rule; maybe without this one (it may be the cause)
                without = [s if i != index else -s for i, s in enumerate(selectors)]
                if session.solve([*without, *when]) is None:
                    never.append(index)
                else:
                    applies[index] = True
                continue
            applies[index] = True
            # The same solution shows every other rule whose condition it satisfies can apply.
            true = set(found) | {
                g
                for name, g in some.items()
                if any(var[o] in found for o in model.group(name).options)
            }
            for other, other_when in enumerate(whens):
                if not applies[other] and all(w in true for w in other_when):
                    applies[other] = True
        for index, own in enumerate(clauses if redundant else ()):
            if index in never:
                continue
            others = [s if i != index else -s for i, s in enumerate(selectors)]
            if all(session.solve([*others, *(-x for x in clause)]) is None for clause in own):
                implied.append(index)
        return RuleFindings(tuple(sorted(never)), tuple(implied), session.calls)
