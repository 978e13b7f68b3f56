"""The options every command shares, each defined once.

``--project`` and ``--registry`` are global, as uv's are: they work before or after the
subcommand (``hpm --project p check`` and ``hpm check --project p``). Every option writes into one
:class:`Globals` object on the root context, so a command reads them in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from click.core import ParameterSource

F = TypeVar("F", bound=Callable[..., Any])

REGISTRY_ENV = "HPM_REGISTRY"


@dataclass(slots=True)
class Globals:
    """The global options of one hpm run (mutable: filled while click parses the arguments)."""

    project: str | None = None
    registry: str | None = None
    registry_from_flag: bool = False  # True when --registry was given (not only HPM_REGISTRY)
    json: bool = False


def globals_of(ctx: click.Context) -> Globals:
    """The run's :class:`Globals` (made on first use, on the root context)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Globals):
        root.obj = Globals()
    return root.obj


def _set_project(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        globals_of(ctx).project = value


def _set_registry(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    state = globals_of(ctx)
    from_flag = ctx.get_parameter_source(param.name or "") is ParameterSource.COMMANDLINE
    if from_flag or (state.registry is None):  # an explicit flag wins over HPM_REGISTRY
        state.registry = value
        state.registry_from_flag = state.registry_from_flag or from_flag


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        globals_of(ctx).json = True


project_option = click.option(
    "--project",
    metavar="DIR",
    expose_value=False,
    is_eager=True,
    callback=_set_project,
    help="The project directory (default: the nearest pyproject.toml upwards).",
)

registry_option = click.option(
    "--registry",
    metavar="DIR",
    envvar=REGISTRY_ENV,
    expose_value=False,
    is_eager=True,
    callback=_set_registry,
    help=f"The registry directory (default: [tool.hpm] registry, else ./registry; "
    f"env {REGISTRY_ENV}).",
)

json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Print JSON instead of text (shapes in docs/json.md).",
)


def global_options(f: F) -> F:
    """``--project`` and ``--registry``: on the root group and on every command."""
    return project_option(registry_option(f))
