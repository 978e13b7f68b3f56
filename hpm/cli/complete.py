"""Shell completion of group and option names (never prints a traceback into the shell)."""

from __future__ import annotations

from typing import Any

import click


def complete_groups(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    model = _model(ctx)
    return [g.name for g in model.groups if g.name.startswith(incomplete)] if model else []


def complete_options(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    model = _model(ctx)
    if model is None:
        return []
    # With a dangling `--option`, click's resilient parse leaves GROUP in ctx.args.
    group = ctx.params.get("group") or next(iter(ctx.args), None)
    names = model.group(group).options if group and model.is_group(group) else model.options
    return [o for o in names if o.startswith(incomplete)]


def _model(ctx: click.Context) -> Any:
    from hpm.cli.options import globals_of
    from hpm.context import load_registry_only

    state = globals_of(ctx)
    try:
        return load_registry_only(state.project, state.registry).model
    except Exception:  # completion must never print a traceback into the shell
        return None
