"""Registry analysis: core and dead options, void registries, dead groups and defaults; rules
that never apply or that the others imply. All on the SAT oracle (:mod:`solver.cnf`).

A *valid configuration* here is any set of options that satisfies the registry's group limits
and rules, every group being free to be active or inactive (there is no project selection);
only what rules force (e.g. a rule with an empty ``when`` requiring an option) is forced.

The search uses what each solution proves: every option it selects is not dead, every option
it leaves out is not core. The remaining candidates are settled in bulk: "is one of these
candidates selectable?" is one SAT call (a clause over all of them, switched on by an
assumption, with the solver's phases pointing at them so that one solution clears many at
once). An unsatisfiable answer proves every remaining candidate at once. In a group with fewer
slots than options (1-of-N, or an M-of-N ``max``) that still holds candidates, the options
already cleared are pointed off, so that they stop taking the candidates' slots (230 -> 42
calls, 18 -> 4.3 s on the 100,000-option synthetic registry). Pointing *every* cleared option
off took 10x more calls on automotive01, whose options require their parents.

The phases are only hints: Glucose saves the values of each backtrack over them, and a solution
may then clear one candidate while thousands could have been selected beside it (100,000-option
synthetic registry: 285 calls, one candidate each for most). After two such solutions in a row,
each solution is extended by hand (:mod:`solver.repair`: switch a candidate, repair what that
breaks, keep the result only if it is a valid configuration again): 285 -> ~15 calls.

Two options of one group that the rules name alike are interchangeable: when swapping their
names maps the rules onto themselves (each rule naming one becomes a rule naming the other; a
group term reads all of a group's options alike), swapping the two options in a valid
configuration gives another one. So they are both dead or neither is, both core or neither is,
and a solution that clears one clears both. Feature models are full of them (the leaves of an
alternative, each requiring its parent): a 1-of-231 group of automotive2_4 took 231 calls, one
per option, without this.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver import problem
from solver.cnf import Oracle
from solver.model import Model
from solver.repair import Repair


@dataclass(frozen=True, slots=True)
class Analysis:
    """What holds in every (or no) valid configuration of a registry. Tuples are sorted.

    *core*: options selected in every valid configuration; *dead*: in none; *void*: there is
    no valid configuration at all (then every option is dead and none is core).
    """

    core: tuple[str, ...]
    dead: tuple[str, ...]
    void: bool
    dead_groups: tuple[str, ...] = ()  # groups that can never be active (every option dead)
    dead_defaults: tuple[tuple[str, str], ...] = ()  # (group, option): defaults that are dead


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """Rules that do nothing: indexes into ``model.rules``, in registry order.

    ``never_applies``: the rule's ``when`` cannot hold in any valid configuration, even of the
    registry without that rule (so the rule can never take effect: usually a mistake; a rule
    that itself makes its condition impossible, like ``a requires b`` with ``a conflicts b``,
    does apply: it is what makes ``a`` dead). ``redundant``: the rule can apply, but the other
    rules and groups already imply it (removing it changes no valid configuration).
    """

    never_applies: tuple[int, ...] = ()
    redundant: tuple[int, ...] = ()


def _slots(oracle: Oracle) -> dict[int, list[int]]:
    """Per option variable of a group that selects fewer than all its options (a 1-of-N group,
    or an M-of-N ``max``), the variables of that group: the options competing for its slots."""
    found: dict[int, list[int]] = {}
    for group in oracle.model.groups:
        limit = problem.group_limit(group)
        if limit is not None and limit.upper < len(group.options):
            lits = [oracle.var(o) for o in group.options]
            found.update(dict.fromkeys(lits, lits))
    return found


def _alike(oracle: Oracle, slots: dict[int, list[int]]) -> dict[int, list[int]]:
    """Per option variable of a group with ``slots``, the variables of the options
    interchangeable with it (see the module docstring; itself included), in classes of two or
    more. (In the other groups one solution can select, or drop, every candidate at once.)

    An option's signature is the multiset of the rules that name it, each with the option's
    name replaced by None; equal signatures within one group mean the swap maps the rules onto
    themselves (a rule naming both options gives each a signature naming the other: no match).
    """
    if not slots:
        return {}  # no group with fewer slots than options (freebsd: one unlimited group)
    model, options = oracle.model, oracle.options
    wanted = {options[v - 1] for v in slots}
    named: dict[str, list[tuple[object, ...]]] = {}
    alone = (None,)
    for rule in model.rules:
        # the kind's value (a str) hashes in C; an Enum member's hash is Python code
        kind, when, targets = rule.kind.value, rule.when, rule.targets
        if len(when) == 1 and len(targets) == 1:  # "a requires b": most rules, the short way
            w, x = when[0], targets[0]
            if w in wanted:
                named.setdefault(w, []).append((kind, alone, alone if x == w else targets))
            if x in wanted and x != w:
                named.setdefault(x, []).append((kind, when, alone))
            continue
        hit = [t for t in when + targets if t in wanted]
        for t in dict.fromkeys(hit) if len(hit) > 1 else hit:
            named.setdefault(t, []).append(
                (
                    kind,
                    tuple(None if w == t else w for w in when),
                    tuple(None if w == t else w for w in targets),
                )
            )
    found: dict[int, list[int]] = {}
    for lits in {id(v): v for v in slots.values()}.values():
        classes: dict[tuple[tuple[object, ...], ...], list[int]] = {}
        for v in lits:
            # a multiset, in a canonical order: equal multisets give equal tuples (were two
            # different entries' hashes equal, equal multisets might differ: only a lost merge)
            signature = tuple(sorted(named.get(options[v - 1], ()), key=hash))
            classes.setdefault(signature, []).append(v)
        for alike in classes.values():
            if len(alike) > 1:
                found.update(dict.fromkeys(alike, alike))
    return found


def _with_alike(found: set[int], alike: dict[int, list[int]]) -> set[int]:
    """``found`` with the options interchangeable with any of them."""
    return found.union(*(alike[v] for v in found if v in alike))


#: A solution is *stuck* when it clears under 1/STUCK of the candidates left. After STREAK stuck
#: solutions in a row with at least MANY candidates left, each solution is extended by hand
#: (:func:`_repaired`) until a pass clears nothing more than the solution did: each candidate
#: at most TRIES times, each pass reading at most PASS elements per option of the model. With
#: fewer candidates the calls saved cost less than the repair's index (automotive2_4: 1,166 and
#: 2,617 candidates left when stuck, 0.07 s of index for 4 calls of ~4 ms saved).
STUCK, STREAK, TRIES, PASS, MANY = 8, 2, 3, 1, 4096


class _Lazy:
    """The :class:`Repair` of an oracle's model, made on first use."""

    def __init__(self, model: Model, oracle: Oracle) -> None:
        self._model, self._oracle = model, oracle
        self.made: Repair | None = None

    def get(self) -> Repair:
        if self.made is None:
            self.made = Repair(self._model, self._oracle.var_of)
        return self.made


def _repaired(
    repair: Repair, selected: set[int], candidates: set[int], polarity: bool, tried: dict[int, int]
) -> set[int]:
    """The candidates that the solution ``selected`` (option variables), and the valid
    configurations :meth:`Repair.switch` reaches from it, select (``polarity`` True) or drop.

    ``tried`` counts the switches of each candidate so far: a truly dead (or core) option fails
    every time, each time after its budget of checks, so it is tried at most TRIES times, the
    least tried first; a pass stops after reading PASS elements per option of the model (about
    the cost of reading one solution back from the solver).
    """
    repair.reset(selected)
    value, want = repair.value, 1 if polarity else 0
    found = {v for v in candidates if value[v] == want}
    stop = repair.checks + len(value) * PASS
    for v in sorted(candidates - found, key=lambda v: (tried.get(v, 0), v)):
        if repair.checks > stop:
            break
        if value[v] == want or tried.get(v, 0) >= TRIES:
            continue  # switched by an earlier repair
        tried[v] = tried.get(v, 0) + 1
        switched = repair.switch(v)
        if switched is not None:
            found.update(x for x in switched if value[x] == want)
    return found & candidates


def _settle(
    oracle: Oracle,
    candidates: set[int],
    slots: dict[int, list[int]],
    alike: dict[int, list[int]],
    *,
    polarity: bool,
    always: set[int] | None = None,
    repair: _Lazy,
) -> set[int]:
    """Shrink ``candidates`` until each is proven: never ``polarity`` in any solution.

    With ``polarity`` True the candidates are maybe-dead options (looking for solutions that
    select them); with False, maybe-core options (looking for solutions that drop them). The
    answer: what survives (dead, or core); ``always`` loses the options that a solution found on
    the way leaves out (kept as one set: a list of the solutions took 1 GB at 100,000 options).
    """
    sign = 1 if polarity else -1
    tried: dict[int, int] = {}
    stuck, useful = 0, True
    while candidates:
        oracle.prefer([sign * v for v in candidates])
        if not oracle.solve_with(sign * v for v in candidates):
            break
        selected = oracle.selected_vars()
        if always is not None:
            always &= selected
        cleared = candidates & selected if polarity else candidates - selected
        stuck = stuck + 1 if len(cleared) * STUCK < len(candidates) else 0
        if stuck >= STREAK and (repair.made is not None or len(candidates) >= MANY) and useful:
            # the hints were not followed: extend the solution by hand
            by_sat = len(cleared)
            cleared = _repaired(repair.get(), selected, candidates, polarity, tried)
            useful = len(cleared) > by_sat  # else the candidates left are proven, or too deep
        cleared = candidates & _with_alike(cleared, alike)
        candidates = candidates - cleared
        # a cleared option that keeps its "on" phase keeps taking a slot of its group from the
        # candidates left there: point the group's other options off (only groups that changed)
        off = {
            w
            for v in cleared
            if any(w in candidates for w in slots.get(v, ()))
            for w in slots[v]
            if w not in candidates
        }
        if off:
            oracle.prefer([-w for w in off])
    return candidates


def analyse(model: Model) -> Analysis:
    """Core, dead and void for ``model``, plus dead groups and dead defaults."""
    options = model.options
    with Oracle(model) as oracle:
        oracle.require(problem.limits(model))
        oracle.require(model.rules)
        void = not oracle.solve()
        if void:  # no valid configuration: every option is dead, none is core
            dead, core = set(options), set()
        else:
            first = oracle.selected_vars()
            every = set(range(1, len(options) + 1))
            slots = _slots(oracle)
            alike = _alike(oracle, slots)
            repair = _Lazy(model, oracle)
            maybe_dead = every - _with_alike(first, alike)
            maybe_core = set(first)
            dead_vars = _settle(
                oracle, maybe_dead, slots, alike, polarity=True, always=maybe_core, repair=repair
            )
            oracle.prefer([-v for v in every])  # a solution selecting little drops the most
            core_vars = _settle(oracle, maybe_core, {}, alike, polarity=False, repair=repair)
            dead = {options[v - 1] for v in dead_vars}
            core = {options[v - 1] for v in core_vars}
    dead_groups = tuple(sorted(g.name for g in model.groups if all(o in dead for o in g.options)))
    dead_defaults = tuple(sorted((g.name, d) for g in model.groups for d in g.default if d in dead))
    return Analysis(tuple(sorted(core)), tuple(sorted(dead)), void, dead_groups, dead_defaults)


def _conditions(oracle: Oracle, whens: dict[int, list[int]], rules: list[int]) -> dict[int, int]:
    """Per rule, one literal equivalent to its ``when`` (a fresh one for a compound ``when``)."""
    implies: dict[int, int] = {}
    for index in rules:
        when = whens[index]
        if len(when) == 1:
            implies[index] = when[0]
            continue
        lit = implies[index] = oracle.fresh()
        for w in when:
            oracle.add([-lit, w])
        oracle.add([lit, *(-w for w in when)])
    return implies


def _holding(oracle: Oracle, on: list[int], implies: dict[int, int]) -> set[int]:
    """The rules of ``implies`` whose ``when`` holds in some solution with the selectors ``on``.

    In bulk, as :func:`_settle` does for options: "does some candidate's condition hold?" is
    one call; each solution clears every candidate whose condition it satisfies.
    """
    left = dict(implies)
    while left:
        oracle.prefer(list(left.values()))  # a solution's values become the saved phases
        if not oracle.solve_with((left[i] for i in sorted(left)), on):
            break
        for i in oracle.true_keys(left):
            del left[i]
    return set(implies) - set(left)


def _alone(
    oracle: Oracle, on: list[int], selectors: dict[int, int], implies: dict[int, int]
) -> set[int]:
    """The rules of ``implies`` whose ``when`` holds in some solution with the selectors ``on``
    and every rule of ``implies`` but that one on (its own selector free).

    One call per rule that can apply, plus one: each rule gets a fresh *pick* variable that
    implies its ``when`` and frees its selector, at most one pick holds, and "some pick holds"
    is asked while one can (a solution picks one rule, which therefore applies; an
    unsatisfiable answer proves every rule left).
    """
    picks = {i: oracle.fresh() for i in implies}
    switch = oracle.fresh()  # frees the selectors for this question only
    for i, pick in picks.items():
        oracle.add([-pick, implies[i]])
        oracle.add([selectors[i], pick, -switch])
    lits = list(picks.values())
    at_most_one = [-oracle.counter(lits, 2)[1]] if len(lits) > 1 else []
    left = dict(picks)
    done: list[int] = []
    while left and oracle.solve_with(left.values(), [*on, *at_most_one, switch, *done]):
        picked = next(i for i, pick in left.items() if oracle.true(pick))
        done.append(-left.pop(picked))
    oracle.add([-switch])
    return set(implies) - set(left)


def _alone_by_hand(oracle: Oracle, every: list[int], rules: set[int]) -> set[int]:
    """Some of ``rules`` (indexes) whose ``when`` holds in a configuration valid without that
    rule alone (so the rule applies), found without a call per rule: from one solution with the
    selectors ``every`` on, :meth:`Repair.applies_alone` tries each.

    Only with more than twice as many variables as rules: each call reads every variable back,
    and the rules' index costs more than the calls it saves otherwise (100,000-option synthetic
    registry: 124 -> 8 calls, 2.6 -> 0.9 s; automotive2_4 and freebsd, with more rules than
    options, were slower with it).
    """
    if not rules or oracle.size <= 2 * len(oracle.model.rules):
        return set()
    repair = Repair(oracle.model, oracle.var_of)
    oracle.solve(every)
    repair.reset(oracle.selected_vars())
    return {i for i in rules if repair.applies_alone(i)}


def _never(
    oracle: Oracle, on: list[int], selectors: dict[int, int], implies: dict[int, int]
) -> list[int]:
    """The rules of ``implies`` whose ``when`` holds in no valid configuration of the registry
    without the rule itself (``on``: the selectors of the other rules, ``selectors``: those of
    the rules of ``implies``).

    First with every rule on (in bulk); then with all the rules left switched off at once
    (in bulk): a condition that holds in no solution even then never holds without its own
    rule. Only the conditions that do hold then are asked without their own rule alone (the
    rule may be what makes its own condition impossible, like ``a requires b`` with ``a
    conflicts b``; or another rule left may be), by hand first (:func:`_alone_by_hand`), then
    in one call per rule that applies.
    """
    every = [*on, *selectors.values()]
    left = set(implies) - _holding(oracle, every, implies)
    off = [*on, *(-s if i in left else s for i, s in selectors.items())]
    maybe = _holding(oracle, off, {i: implies[i] for i in sorted(left)})
    alone = _alone_by_hand(oracle, every, maybe)
    maybe -= alone
    rest = [*on, *(s for i, s in selectors.items() if i not in maybe)]
    applies = alone | _alone(oracle, rest, selectors, {i: implies[i] for i in sorted(maybe)})
    return sorted(left - applies)


def rule_findings(
    model: Model, analysis: Analysis | None = None, *, redundant: bool = True
) -> RuleFindings:
    """Find rules that never apply and (with ``redundant``) rules implied by the rest.

    A rule that may never apply, or (with ``redundant``) any rule, has its clauses guarded by a
    selector variable of its own, so that one incremental solver answers "does the registry
    without rule r still forbid what r forbids?" under assumptions; the other rules are hard.
    A void registry has no findings (every rule is vacuous there; ``analyse`` reports it). The
    rules that can apply are found in bulk (a few calls), and so are those that never do
    (group testing); with ``redundant``, each rule costs one call per clause.
    """
    analysis = analysis or analyse(model)
    if analysis.void:
        return RuleFindings()
    dead_options, dead_groups = set(analysis.dead), set(analysis.dead_groups)
    with Oracle(model) as oracle:
        oracle.require(problem.limits(model))
        selectors: dict[int, int] = {}
        clauses: list[list[list[int]]] = []  # per rule: its clauses (without selector)
        whens: dict[int, list[int]] = {}  # per rule that may never apply: its condition
        candidates: list[int] = []  # rules that may never apply
        for index, rule in enumerate(model.rules):
            own = oracle.clauses(rule)
            live = not any(t in dead_options or t in dead_groups for t in rule.when)
            may_never = not live or len(rule.when) > 1  # else it holds in some configuration
            if may_never:
                candidates.append(index)
                whens[index] = [oracle.term(t) for t in rule.when]
            guard: list[int] = []
            if redundant or may_never:
                selectors[index] = oracle.fresh()
                guard = [-selectors[index]]
            for clause in own:
                oracle.add([*clause, *guard])
            clauses.append(own)
        if not oracle.solve(list(selectors.values()), keep=False):
            return RuleFindings()
        implies = _conditions(oracle, whens, candidates)
        on = [s for i, s in selectors.items() if i not in implies]
        never = _never(oracle, on, {i: selectors[i] for i in candidates}, implies)
        implied: list[int] = []
        skip = set(never)
        for index, own in enumerate(clauses if redundant else ()):
            if index in skip:
                continue
            others = [s if i != index else -s for i, s in selectors.items()]
            if all(not oracle.solve([*others, *(-x for x in c)], keep=False) for c in own):
                implied.append(index)
        return RuleFindings(tuple(sorted(never)), tuple(implied))
