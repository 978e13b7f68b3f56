"""Minimal conflicts, their readable chain, and the fixes a person can apply.

Every consistency question below is one incremental call to the SAT oracle (:mod:`solver.cnf`,
one selector per element). The elements are those of the question (:mod:`solver.problem`):
the user's choices, the group limits that constrain something and the rules, so each element
of a conflict is something a person wrote (or a group's strategy), and the conflict printed
is, alone, unsatisfiable.

1. Elements are ordered breadth-first from the user's choices (through the options they
   mention, then the elements no choice reaches); the shortest inconsistent prefix of doubling
   length is found and cut down to the solver's unsat core, then QuickXplain (Junker 2004)
   shrinks that to a minimal conflict: dropping any one element makes it consistent. Only the
   prefix is compiled to clauses, so a conflict near the choices costs little even in a huge
   registry.
2. Fixes, over the conflict's connected part (the elements linked to it through the options
   they mention): for each choice in the conflict, a maximal consistent subset of the part's
   choices that tries that choice last; its complement is a minimal correction set, so
   applying one fix makes the whole part consistent, not only the conflict printed.
3. The chain: a depth-first walk of the conflict's term graph from the first choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from solver import problem
from solver.answers import Choice, Element, GroupLimit
from solver.cnf import Oracle
from solver.conflicts import Conflict, Step
from solver.model import Model, Rule


class _Graph:
    """The elements of a question and the options they share."""

    def __init__(
        self,
        model: Model,
        found: Sequence[Element],
        base: _Graph | None = None,
        where: Sequence[int | None] = (),
        new: Iterable[int] | None = None,
        choices: Sequence[int] | None = None,
    ) -> None:
        """``base``: a graph over a part of ``found`` whose index is reused (not changed);
        ``where``: per position in ``base``, that element's position here (None: left out);
        ``new``: the positions here of the elements ``base`` lacks (the only ones indexed);
        ``choices``: the positions of the choices, when the caller knows them."""
        self.model, self.elements = model, found
        self._choices = choices
        self.by_option: dict[str, list[int]] = {}
        self._base = base
        self._where = where
        for i in range(len(found)) if new is None else new:
            for o in problem.mentions(model, found[i]):
                self.by_option.setdefault(o, []).append(i)

    def _at(self, option: str) -> Iterator[int]:
        yield from self.by_option.get(option, ())
        if self._base is not None:
            where = self._where
            for j in self._base.by_option.get(option, ()):
                i = where[j]
                if i is not None:
                    yield i

    def reach(self, starts: Sequence[int]) -> Iterator[int]:
        """Positions reachable from ``starts`` (those first), nearest first."""
        model, found = self.model, self.elements
        taken = set(starts)
        queue: list[str] = []
        for i in starts:
            yield i
            queue.extend(problem.mentions(model, found[i]))
        seen = set(queue)
        for option in queue:  # the list grows while we walk it: breadth-first
            for i in self._at(option):
                if i not in taken:
                    taken.add(i)
                    yield i
                    for o in problem.mentions(model, found[i]):
                        if o not in seen:
                            seen.add(o)
                            queue.append(o)

    def breadth_first(self) -> Iterator[Element]:
        """Choices first, then the elements reached from their options, nearest first; then
        the elements no choice reaches, in their order (lazily: a prefix costs only itself)."""
        starts = self._choices
        if starts is None:
            starts = [i for i, e in enumerate(self.elements) if isinstance(e, Choice)]
        taken: set[int] = set()
        for i in self.reach(starts):
            taken.add(i)
            yield self.elements[i]
        yield from (e for i, e in enumerate(self.elements) if i not in taken)

    def part(self, seeds: Sequence[Element]) -> list[Element]:
        """The elements connected to ``seeds`` through shared options, in question order."""
        wanted = {id(e) for e in seeds}
        reached = set(self.reach([i for i, e in enumerate(self.elements) if id(e) in wanted]))
        return [e for i, e in enumerate(self.elements) if i in reached]


def _consistent(oracle: Oracle, found: Sequence[Element]) -> bool:
    return oracle.solve([oracle.selector(e) for e in found], keep=False)


def _quickxplain(oracle: Oracle, found: list[Element]) -> list[Element]:
    def qx(background: list[Element], delta: bool, candidates: list[Element]) -> list[Element]:
        if delta and not _consistent(oracle, background):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        d2 = qx(background + first, bool(first), second)
        d1 = qx(background + d2, bool(d2), first)
        return d1 + d2

    return qx([], False, found)


def _minimal(oracle: Oracle, graph: _Graph) -> list[Element]:
    """The shortest inconsistent breadth-first prefix of doubling length, cut down to the
    solver's core (shrunk while it shrinks), then made minimal by QuickXplain."""
    ordered = graph.breadth_first()
    candidates: list[Element] = []
    size = 1
    while True:
        candidates.extend(islice(ordered, size - len(candidates)))
        if not _consistent(oracle, candidates):
            break
        if len(candidates) < size:
            raise ValueError("the selection is consistent: there is no conflict to explain")
        size *= 2
    while True:
        blamed = set(oracle.core())
        core = [e for e in candidates if oracle.selector(e) in blamed]
        if len(core) == len(candidates) or _consistent(oracle, core):
            break  # a core is always inconsistent; the check above only refreshes it
        candidates = core
    return _quickxplain(oracle, candidates)


def _fixes(
    oracle: Oracle, graph: _Graph, conflict: list[Element], pinned: Choice | None
) -> tuple[tuple[Choice, ...], ...]:
    if not any(isinstance(e, Choice) and e != pinned for e in conflict):
        return ()  # no choice of the conflict can be given up (a dead option's, alone)
    model = oracle.model
    part = graph.part(conflict)
    choices = [e for e in part if isinstance(e, Choice) and e != pinned]
    base = [oracle.selector(e) for e in part if not isinstance(e, Choice) or e == pinned]
    if not oracle.solve(base, keep=False):
        return ()
    found: list[tuple[Choice, ...]] = []
    for last in (e for e in conflict if e in choices):
        kept: list[Choice] = []
        oracle.solve(base, keep=True)  # its assignment lets most checks be skipped
        for choice in [*(c for c in choices if c != last), last]:
            # the last assignment found satisfies the background and ``kept``
            if problem.holds(model, choice, oracle.assignment()) or oracle.solve(
                [*base, *(oracle.selector(c) for c in [*kept, choice])], keep=True
            ):
                kept.append(choice)
        fix = tuple(c for c in choices if c not in kept)
        if fix and fix not in found:
            found.append(fix)
    found.sort(key=len)
    return tuple(found)


def _terms(element: Element) -> list[str]:
    if isinstance(element, Choice):
        return [element.group] + ([element.option] if element.option else [])
    if isinstance(element, Rule):
        return [*element.when, *element.targets]
    return [element.group]


def _relation(element: Element) -> str:
    if isinstance(element, Choice):
        return element.kind
    if isinstance(element, Rule):
        return element.kind.value
    return "limit"


def _dfs_edges(
    adjacent: dict[int | str, dict[int | str, None]], source: int
) -> Iterator[tuple[int | str, int | str]]:
    """The tree edges of a depth-first walk from ``source``, neighbours in insertion order (the
    walk networkx's ``dfs_edges`` takes on the same graph)."""
    visited: set[int | str] = {source}
    stack: list[tuple[int | str, Iterator[int | str]]] = [(source, iter(adjacent[source]))]
    while stack:
        parent, children = stack[-1]
        for child in children:
            if child not in visited:
                yield parent, child
                visited.add(child)
                stack.append((child, iter(adjacent[child])))
                break
        else:
            stack.pop()


def chain(model: Model, conflict: Conflict) -> tuple[Step, ...]:
    """Order the conflict's elements into a walk a person can follow (depth-first).

    The graph links each element (a node: its position) to its terms (a node: the name), and an
    option to its group when both are terms; the walk starts at the first choice."""
    # constraints first: the depth-first search visits them first
    found: list[Element] = [*conflict.constraints, *conflict.choices]
    graph: dict[int | str, dict[int | str, None]] = {}

    def link(a: int | str, b: int | str) -> None:
        graph.setdefault(a, {})[b] = None
        graph.setdefault(b, {})[a] = None

    terms: dict[str, None] = {}  # in element order, not a set's: the walk must not vary
    for index, element in enumerate(found):
        graph.setdefault(index, {})
        for term in _terms(element):
            link(index, term)
            terms[term] = None
    for term in terms:  # an option links to its group, so group terms and limits connect
        if model.is_option(term) and model.group_of(term).name in terms:
            link(term, model.group_of(term).name)
    start = len(conflict.constraints) if conflict.choices else 0
    order: list[int] = [start]
    via: dict[int, str] = {}
    for parent, child in _dfs_edges(graph, start):
        if isinstance(child, int) and isinstance(parent, str):  # elements link only to terms
            order.append(child)
            via[child] = parent
    order.extend(i for i in range(len(found)) if i not in order)
    steps = []
    for index in order:
        element = found[index]
        terms_of = _terms(element)
        source = via.get(index, terms_of[0])
        target = next((t for t in terms_of if t != source), source)
        if isinstance(element, Rule) and source in element.targets and element.when:
            target = element.when[0]
        origin = None if isinstance(element, Choice) else element.origin
        steps.append(Step(source, target, _relation(element), element, origin))
    return tuple(steps)


def _explain(oracle: Oracle, graph: _Graph, pinned: Choice | None = None) -> Conflict:
    core = _minimal(oracle, graph)
    choices = tuple(e for e in core if isinstance(e, Choice))
    constraints = tuple(e for e in core if isinstance(e, Rule | GroupLimit))
    fixes = _fixes(oracle, graph, core, pinned)
    return Conflict(
        choices, constraints, chain(oracle.model, Conflict(choices, constraints)), fixes
    )


def explain(model: Model, question: Sequence[Element]) -> Conflict:
    """The minimal conflict of an unsatisfiable question (its elements, see
    :func:`solver.problem.elements`)."""
    with Oracle(model) as oracle:
        return _explain(oracle, _Graph(model, question))


class Explainer:
    """Conflicts of the trials of one ``feasible`` call: questions that differ from one base
    only in one group's choices. The base is indexed once, and one oracle serves every trial,
    each explained from its own core."""

    def __init__(self, model: Model, base: Sequence[Element], oracle: Oracle) -> None:
        """``oracle``: the one whose selectors every trial uses (shared across explainers)."""
        self.model = model
        self.choices = [e for e in base if isinstance(e, Choice)]
        self.others = [e for e in base if not isinstance(e, Choice)]
        self.position = {g.name: i for i, g in enumerate(model.groups)}
        self.graph = _Graph(model, [*self.choices, *self.others])
        self.oracle = oracle

    def explain(self, mine: Sequence[Choice], pinned: Choice, *, separate: bool) -> Conflict:
        """The conflict of the base with ``mine`` (one group's choices, ``pinned`` among them;
        ``separate``: the pinned choice is placed after every other choice)."""
        here = self.position[pinned.group]
        before = [c for c in self.choices if self.position[c.group] < here]
        after = [c for c in self.choices if self.position[c.group] > here]
        own = [c for c in mine if not (separate and c == pinned)]
        extra = [pinned] if separate else []
        found: list[Element] = [*before, *own, *after, *extra, *self.others]
        # where the base's elements (its choices, then the others) are in ``found``: worked
        # out from the layout, not looked up per element (25,000 elements on automotive2_4)
        where: list[int | None] = []
        b, a = 0, len(before) + len(own)
        for c in self.choices:
            at = self.position[c.group]
            where.append(b if at < here else a if at > here else None)
            b, a = b + (at < here), a + (at > here)
        start = len(found) - len(self.others)
        where.extend(range(start, len(found)))
        new = [*range(len(before), len(before) + len(own)), *range(a, start)]
        graph = _Graph(self.model, found, self.graph, where, new, range(start))  # choices first
        return _explain(self.oracle, graph, pinned)
