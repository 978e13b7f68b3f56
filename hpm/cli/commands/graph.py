"""`hpm graph`: the rule graph as Mermaid or DOT."""

from __future__ import annotations

import click

from hpm import views
from hpm.cli.complete import complete_groups
from hpm.cli.project import Load, project_command
from hpm.context import Context, find_group
from hpm.registry.catalog import Registry


def run(loaded: Context | Registry, *, fmt: str, group: str | None) -> str:
    """The rule graph as Mermaid or DOT text; selected options highlighted inside a project."""
    from hpm.graph import add_indexes, focus, rule_graph, to_dot, to_mermaid

    registry = loaded.registry if isinstance(loaded, Context) else loaded
    selected = loaded.selection.chosen_options if isinstance(loaded, Context) else ()
    graph = add_indexes(rule_graph(registry.model, selected), registry)
    if group is not None:
        graph = focus(graph, find_group(registry.model, group).name)
    return to_mermaid(graph) if fmt == "mermaid" else to_dot(graph)


command = project_command(
    run,
    Load.OPTIONAL,
    views.RAW,
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["mermaid", "dot"]),
        default="mermaid",
        show_default=True,
        help="Mermaid renders in GitHub Markdown; DOT goes to Graphviz (dot -Tsvg).",
    ),
    click.option(
        "--group", "group", shell_complete=complete_groups, help="Only this group's neighbourhood."
    ),
    name="graph",
    help="Draw groups, options and their requires/conflicts rules (selected options highlighted).",
)
