"""`hpm graph`: the rule graph as Mermaid or DOT."""

from __future__ import annotations

from hpm.context import Context, find_group, optional_context


def graph_text(
    project_dir: str | None, registry_opt: str | None, fmt: str, group: str | None
) -> str:
    """The rule graph as Mermaid or DOT text; selected options highlighted inside a project."""
    from hpm.graph import focus, rule_graph, to_dot, to_mermaid

    loaded = optional_context(project_dir, registry_opt)
    registry = loaded.registry if isinstance(loaded, Context) else loaded
    selected = loaded.selection.chosen_options if isinstance(loaded, Context) else ()
    graph = rule_graph(registry.model, selected)
    if group is not None:
        graph = focus(graph, find_group(registry.model, group).name)
    return to_mermaid(graph) if fmt == "mermaid" else to_dot(graph)
