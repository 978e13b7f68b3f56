"""The chain's depth-first walk is the one networkx takes on the same graph (the chain printed
by explanations did not change when the engine stopped importing networkx for it)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from solver.explain import _dfs_edges

nodes = st.one_of(st.integers(0, 6), st.sampled_from("abcdef"))


@given(st.lists(st.tuples(nodes, nodes), max_size=25), st.integers(0, 6))
def test_depth_first_walk_matches_networkx(
    edges: list[tuple[int | str, int | str]], start: int
) -> None:
    graph = nx.Graph()
    adjacent: dict[int | str, dict[int | str, None]] = {}
    graph.add_node(start)
    adjacent.setdefault(start, {})
    for a, b in edges:
        graph.add_edge(a, b)
        adjacent.setdefault(a, {})[b] = None
        adjacent.setdefault(b, {})[a] = None
    assert list(_dfs_edges(adjacent, start)) == list(nx.dfs_edges(graph, start))
