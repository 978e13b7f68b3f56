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

from solver.model import Model
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
