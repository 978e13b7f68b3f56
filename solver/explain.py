"""Minimal conflicts, their readable chain, and the fixes a person can apply.

Every consistency question below is one incremental call to the CDCL SAT oracle
(:mod:`solver.satquery`, one selector per element); python-constraint is not involved.

1. The problem is compiled in the *explanation* encoding (every group strategy constraint is an
   element of its own).
2. Elements are ordered breadth-first from the user's choices (through shared variables, then
   the elements no choice reaches); the shortest inconsistent prefix of doubling length is
   found and cut down to the solver's unsat core, then QuickXplain (Junker 2004) shrinks that
   to a minimal conflict: dropping any one element makes it consistent. Only the prefix is
   compiled to clauses, so a conflict near the choices costs little even in a huge registry.
3. Fixes, over the conflict's part (the elements connected to it through shared variables):
   for each choice in the conflict, a maximal consistent subset of the part's choices that
   tries that choice last; its complement is a minimal correction set.
4. The chain: networkx walks the conflict's term graph depth-first from the first choice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from solver.answers import Choice, Conflict, GroupLimit, Step
from solver.encode import Encoding, Item, choice_items, chosen_item, encode
from solver.model import Model, Rule, Selection
from solver.satquery import SatOracle


class _Oracle:
    """Consistency of subsets of items: one SAT selector per item's element.

    Selectors (and the clauses behind them) are made on first use, so that questions about a
    few items near the user's choices never compile the rest of a large registry.
    """

    def __init__(self, sat: SatOracle) -> None:
        self.sat = sat
        self.known: dict[int, int] = {}

    def _selector(self, item: Item) -> int:
        found = self.known.get(id(item))
        if found is None:
            found = self.known[id(item)] = self.sat.selector(item.element)
        return found

    def consistent(
        self, items: Sequence[Item], *, keep: bool = False, also: Sequence[int] = ()
    ) -> bool:
        """Are ``items`` (and the elements of selectors ``also``) consistent?

        ``keep``: remember the assignment for :meth:`holds`.
        """
        return self.sat.consistent([*also, *(self._selector(i) for i in items)], keep=keep)

    def selectors(self, items: Sequence[Item]) -> list[int]:
        return [self._selector(i) for i in items]

    def core(self, items: Sequence[Item]) -> list[Item]:
        """After an inconsistent answer about ``items``: the ones in the solver's core."""
        blamed = set(self.sat.core())
        return [item for item in items if self._selector(item) in blamed]

    def holds(self, item: Item) -> bool:
        """Whether ``item`` holds in the last assignment kept."""
        return self.sat.holds(item.element)


class _Graph:
    """The items and the variables they share."""

    by_var: dict[str, list[Item]]

    def __init__(self, items: Sequence[Item], base: _Graph | None = None) -> None:
        """``base``: a graph over a part of ``items`` whose index is reused (not changed)."""
        self.items = items
        by_var: dict[str, list[Item]]
        if base is None:
            by_var, more = {}, items
        else:
            known = {id(i) for i in base.items}
            by_var, more = dict(base.by_var), [i for i in items if id(i) not in known]
        for item in more:
            for v in item.vars:
                if base is None:
                    by_var.setdefault(v, []).append(item)
                else:  # the base's lists stay as they are
                    by_var[v] = [*by_var.get(v, ()), item]
        self.by_var = by_var

    def _reach(self, starts: Sequence[Item]) -> Iterator[Item]:
        """Items reachable from ``starts`` (those first), nearest first."""
        by_var = self.by_var
        taken = {id(i) for i in starts}
        queue: list[str] = []
        for item in starts:
            yield item
            queue.extend(item.vars)
        seen_vars = set(queue)
        for var in queue:  # the list grows while we walk it: breadth-first
            for item in by_var.get(var, ()):
                if id(item) not in taken:
                    taken.add(id(item))
                    yield item
                    for v in item.vars:
                        if v not in seen_vars:
                            seen_vars.add(v)
                            queue.append(v)

    def breadth_first(self) -> Iterator[Item]:
        """Choices first, then the items reached from their variables, nearest first; then
        the items no choice reaches, in their order (lazily: a prefix costs only itself)."""
        starts = [item for item in self.items if isinstance(item.element, Choice)]
        taken: set[int] = set()
        for item in self._reach(starts):
            taken.add(id(item))
            yield item
        yield from (item for item in self.items if id(item) not in taken)

    def part(self, seeds: Sequence[Item]) -> list[Item]:
        """The items connected to ``seeds`` through shared variables, in item order."""
        reached = {id(item) for item in self._reach(seeds)}
        return [item for item in self.items if id(item) in reached]


def _quickxplain(oracle: _Oracle, items: list[Item]) -> list[Item]:
    def qx(background: list[Item], delta: bool, candidates: list[Item]) -> list[Item]:
        if delta and not oracle.consistent(background):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        d2 = qx(background + first, bool(first), second)
        d1 = qx(background + d2, bool(d2), first)
        return d1 + d2

    return qx([], False, items)


def _minimal(oracle: _Oracle, graph: _Graph) -> list[Item]:
    """The shortest inconsistent breadth-first prefix of doubling length, cut down to the
    solver's core (shrunk while it shrinks), then made minimal by QuickXplain."""
    ordered = graph.breadth_first()
    candidates: list[Item] = []
    size = 1
    while True:
        candidates.extend(islice(ordered, size - len(candidates)))
        if not oracle.consistent(candidates):
            break
        if len(candidates) < size:
            raise ValueError("the selection is consistent: there is no conflict to explain")
        size *= 2
    while True:
        core = oracle.core(candidates)
        if len(core) == len(candidates) or oracle.consistent(core):
            break  # a core is always inconsistent; the check above only refreshes it
        candidates = core
    return _quickxplain(oracle, candidates)


def _fixes(
    oracle: _Oracle, part: list[Item], conflict: list[Item], pinned: Item | None
) -> tuple[tuple[Choice, ...], ...]:
    choices = [i for i in part if isinstance(i.element, Choice) and i is not pinned]
    background = [i for i in part if not isinstance(i.element, Choice) or i is pinned]
    base = oracle.selectors(background)
    if not oracle.consistent((), also=base):
        return ()
    found: list[tuple[Choice, ...]] = []
    for last in (i for i in conflict if i in choices):
        kept: list[Item] = []
        oracle.consistent((), also=base, keep=True)  # its assignment lets most checks be skipped
        for item in [*(i for i in choices if i is not last), last]:
            # the last assignment found satisfies background + kept
            if oracle.holds(item) or oracle.consistent([*kept, item], also=base, keep=True):
                kept.append(item)
        fix = tuple(i.element for i in choices if i not in kept)
        if fix and fix not in found:
            found.append(fix)  # type: ignore[arg-type]
    found.sort(key=len)
    return tuple(found)


def _terms(model: Model, element: object) -> list[str]:
    if isinstance(element, Choice):
        return [element.group] + ([element.option] if element.option else [])
    if isinstance(element, Rule):
        return [*element.when, *element.targets]
    assert isinstance(element, GroupLimit)
    return [element.group]


def _relation(element: object) -> str:
    if isinstance(element, Choice):
        return element.kind
    if isinstance(element, Rule):
        return element.kind.value
    return "limit"


def chain(model: Model, conflict: Conflict) -> tuple[Step, ...]:
    """Order the conflict's elements into a walk a person can follow (networkx DFS)."""
    import networkx as nx  # only explanations need the graph library

    elements = [
        *conflict.constraints,
        *conflict.choices,
    ]  # constraints first: DFS visits them first
    graph = nx.Graph()
    terms: set[str] = set()
    for index, element in enumerate(elements):
        graph.add_node(("e", index))
        for term in _terms(model, element):
            graph.add_edge(("e", index), ("t", term))
            terms.add(term)
    for term in terms:  # an option links to its group, so group terms and limits connect
        if model.is_option(term) and model.group_of(term).name in terms:
            graph.add_edge(("t", term), ("t", model.group_of(term).name))
    start = ("e", len(conflict.constraints)) if conflict.choices else ("e", 0)
    order: list[tuple[str, int]] = [start]
    via: dict[tuple[str, int], str] = {}
    for parent, child in nx.dfs_edges(graph, start):
        if child[0] == "e":
            order.append(child)
            via[child] = parent[1]
    order.extend(("e", i) for i in range(len(elements)) if ("e", i) not in order)
    steps = []
    for node in order:
        element = elements[node[1]]
        terms_of = _terms(model, element)
        source = via.get(node, terms_of[0])
        target = next((t for t in terms_of if t != source), source)
        if isinstance(element, Rule) and source in element.targets and element.when:
            target = element.when[0]
        origin = None if isinstance(element, Choice) else element.origin
        steps.append(Step(source, target, _relation(element), element, origin))
    return tuple(steps)


def explain(
    model: Model,
    selection: Selection,
    pinned: Choice | None = None,
    *,
    extra_pin: bool = False,
    sat: SatOracle | None = None,
) -> Conflict:
    """The minimal conflict of an infeasible selection (completion mode).

    ``pinned``: a hypothetical choice (from :func:`solver.feasible`) that fixes never drop;
    with ``extra_pin`` it is added as an item of its own, else it is one of the selection's.
    ``sat``: an oracle to reuse (its elements behind selectors), e.g. across the options of
    one ``feasible`` call; by default a fresh one.
    """
    probe = Encoding(model, relaxed=True)  # chosen_item needs no variables of its own
    extra: tuple[Item, ...] = ()
    if extra_pin:
        assert pinned is not None and pinned.option is not None, "extra_pin needs a pinned choice"
        extra = (chosen_item(probe, model.group(pinned.group), pinned.option),)
    enc = encode(model, selection, relaxed=True, extra=extra)
    pin_item = next((i for i in enc.items if pinned is not None and i.element == pinned), None)
    if sat is None:
        with SatOracle(model) as own:
            return _explain(model, _Graph(enc.items), pin_item, own)
    return _explain(model, _Graph(enc.items), pin_item, sat)


class Explainer:
    """Conflicts of the trials of one ``feasible`` call: selections that differ from one base
    only in one group's choice. The rest is compiled and indexed once, and one SAT oracle
    serves every trial, each explained from its own core."""

    def __init__(self, model: Model, selection: Selection, group: str) -> None:
        self.model, self.group = model, model.group(group)
        rest = Selection({g: c for g, c in selection.choices.items() if g != group})
        self.enc = encode(model, rest, relaxed=True)
        self.graph = _Graph(self.enc.items)
        position = {g.name: i for i, g in enumerate(model.groups)}
        here = position[group]
        choices = [i for i in self.enc.items if isinstance(i.element, Choice)]
        self.before = [i for i in choices if position[i.element.group] < here]  # type: ignore[union-attr]
        self.after = [i for i in choices if position[i.element.group] > here]  # type: ignore[union-attr]
        self.others = self.enc.items[len(choices) :]
        self.sat = SatOracle(model)

    def __enter__(self) -> Explainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sat.close()

    def explain(self, trial: Selection, pinned: Choice, *, extra_pin: bool) -> Conflict:
        """What :func:`explain` answers for ``trial`` (this group's choice changed)."""
        mine = choice_items(self.enc, self.group, trial.choices[self.group.name])
        extra = [chosen_item(self.enc, self.group, str(pinned.option))] if extra_pin else []
        items = [*self.before, *mine, *self.after, *extra, *self.others]
        pin_item = next((i for i in [*mine, *extra] if i.element == pinned), None)
        return _explain(self.model, _Graph(items, self.graph), pin_item, self.sat)


def _explain(model: Model, graph: _Graph, pin_item: Item | None, sat: SatOracle) -> Conflict:
    oracle = _Oracle(sat)
    core = _minimal(oracle, graph)
    choices = tuple(i.element for i in core if isinstance(i.element, Choice))
    constraints = tuple(i.element for i in core if not isinstance(i.element, Choice))
    conflict = Conflict(choices, constraints)
    fixes = _fixes(oracle, graph.part(core), core, pin_item)
    return Conflict(choices, constraints, chain(model, conflict), fixes)
