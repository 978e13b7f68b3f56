"""A picture of the registry's rules: a networkx graph, rendered as Mermaid or Graphviz DOT.

Nodes are groups (drawn as boxes around their options), options, and one junction per rule whose
condition is not a single option (``when: [a, b]``: "a & b"; no ``when``: "always") or whose
``requires`` lists several alternatives (``{any: [...]}``: "any"). Edges carry ``relation``
"requires" or "conflicts". Selected options (when run inside a project) are highlighted.
With :func:`add_indexes`, each package index is a node too, and an edge ``relation="index"``
from an option to it is labelled with the packages the option takes from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from solver.model import Model, Rule, RuleKind

if TYPE_CHECKING:
    import networkx as nx

    from hpm.registry.catalog import Registry


def rule_graph(model: Model, selected: Iterable[str] = ()) -> nx.DiGraph:
    """The registry as a directed graph (see the module docstring for its nodes and edges)."""
    import networkx as nx

    chosen = set(selected)
    graph = nx.DiGraph()
    for group in model.groups:
        graph.add_node(group.name, kind="group", strategy=group.strategy.value)
        for option in group.options:
            graph.add_node(option, kind="option", group=group.name, selected=option in chosen)
    for index, rule in enumerate(model.rules):
        _add_rule(graph, index, rule)
    return graph


def add_indexes(graph: nx.DiGraph, registry: Registry) -> nx.DiGraph:
    """``graph`` plus a node per package index and an edge from each option routed to it."""
    for option in registry.model.options:
        if option not in graph:
            continue
        routed: dict[str, list[str]] = {}
        for package in registry.packages(option):
            if package.source.index is not None:
                routed.setdefault(package.source.index, []).append(package.name)
        for index, packages in routed.items():
            node = f"index:{index}"
            graph.add_node(node, kind="index", label=f"index {index}")
            graph.add_edge(option, node, relation="index", label=", ".join(packages))
    return graph


def _add_rule(graph: nx.DiGraph, index: int, rule: Rule) -> None:
    relation = rule.kind.value
    if len(rule.when) == 1:
        source = rule.when[0]
    else:
        source = f"rule{index}"
        label = " & ".join(rule.when) if rule.when else "always"
        graph.add_node(source, kind="junction", label=label)
        for term in rule.when:
            graph.add_edge(term, source, relation="when")
    if rule.kind is RuleKind.REQUIRES and len(rule.targets) > 1:
        any_node = f"rule{index}-any"
        graph.add_node(any_node, kind="junction", label="any")
        graph.add_edge(source, any_node, relation=relation)
        for target in rule.targets:
            graph.add_edge(any_node, target, relation="alternative")
        return
    for target in rule.targets:
        graph.add_edge(source, target, relation=relation)


def focus(graph: nx.DiGraph, group: str) -> nx.DiGraph:
    """The part of ``graph`` within two steps of ``group`` or its options (either direction)."""
    import networkx as nx

    start = {group, *(n for n, d in graph.nodes(data=True) if d.get("group") == group)}
    keep = set(start)
    frontier = set(start)
    for _ in range(2):
        nxt = set()
        for node in frontier:
            nxt.update(graph.predecessors(node))
            nxt.update(graph.successors(node))
        frontier = nxt - keep
        keep |= nxt
    for node in list(keep):  # keep each shown option's group box
        owner = graph.nodes[node].get("group")
        if owner:
            keep.add(owner)
    # built in ``graph``'s order: a subgraph view of a small set iterates that set (hash order)
    part = nx.DiGraph(**graph.graph)
    part.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n in keep)
    part.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if u in keep and v in keep)
    return part


def _ident(name: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _members(graph: nx.DiGraph, group: str) -> list[str]:
    return [n for n, d in graph.nodes(data=True) if d.get("group") == group]


def to_mermaid(graph: nx.DiGraph) -> str:
    """Mermaid flowchart text (GitHub renders it in Markdown)."""
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        if data["kind"] == "group":
            lines.append(f'  subgraph {_ident(node)}["{node} ({data["strategy"]})"]')
            lines.extend(f'    {_ident(o)}["{o}"]' for o in _members(graph, node))
            lines.append("  end")
        elif data["kind"] == "junction":
            lines.append(f'  {_ident(node)}{{"{data["label"]}"}}')
        elif data["kind"] == "index":
            lines.append(f'  {_ident(node)}[("{data["label"]}")]')
    for source, target, data in graph.edges(data=True):
        a, b, relation = _ident(source), _ident(target), data["relation"]
        if relation == "index":
            lines.append(f'  {a} -.->|"{data["label"]}"| {b}')
        elif relation == "conflicts":
            lines.append(f"  {a} x-. conflicts .-x {b}")
        elif relation in ("when", "alternative"):
            lines.append(f"  {a} --- {b}")
        else:
            lines.append(f"  {a} -->|{relation}| {b}")
    selected = [_ident(n) for n, d in graph.nodes(data=True) if d.get("selected")]
    if selected:
        lines.append("  classDef selected fill:#c8f0c8,stroke:#2a7a2a,stroke-width:2px")
        lines.append(f"  class {','.join(selected)} selected")
    return "\n".join(lines) + "\n"


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT text (``dot -Tsvg``)."""
    q = json.dumps  # a JSON string is a valid DOT quoted string for these names
    lines = [
        "digraph hpm {",
        '  rankdir=LR; compound=true; fontname="Helvetica";',
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node, data in graph.nodes(data=True):
        if data["kind"] == "group":
            lines.append(f"  subgraph {q('cluster_' + node)} {{")
            lines.append(f"    label={q(node + ' (' + data['strategy'] + ')')}; style=rounded;")
            lines.append(f'    {q(node)} [shape=point, style=invis, width=0, label=""];')
            for option in _members(graph, node):
                fill = (
                    ', fillcolor="#c8f0c8", penwidth=2' if graph.nodes[option]["selected"] else ""
                )
                lines.append(f"    {q(option)} [label={q(option)}{fill}];")
            lines.append("  }")
        elif data["kind"] == "junction":
            lines.append(f"  {q(node)} [label={q(data['label'])}, shape=diamond, style=solid];")
        elif data["kind"] == "index":
            lines.append(f"  {q(node)} [label={q(data['label'])}, shape=cylinder, style=solid];")
    for source, target, data in graph.edges(data=True):
        attrs = {
            "requires": 'label="requires"',
            "conflicts": 'label="conflicts", style=dashed, color="#c0392b", arrowhead=tee',
            "when": "arrowhead=none",
            "alternative": "style=dotted",
            "index": f'label={q(data.get("label", ""))}, style=dotted, color="#2c6fbb"',
        }[data["relation"]]
        if graph.nodes[target]["kind"] == "group":
            attrs += f", lhead={q('cluster_' + target)}"
        lines.append(f"  {q(source)} -> {q(target)} [{attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
