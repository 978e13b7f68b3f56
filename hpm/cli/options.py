"""The options every command shares, each defined once.

``--project`` and ``--registry`` are global, as uv's are: they work before or after the
subcommand (``hpm --project p check`` and ``hpm check --project p``). Every option writes into one
:class:`Globals` object on the root context, so a command reads them in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from hpm.machine.availability import MachineRequest

F = TypeVar("F", bound=Callable[..., Any])

REGISTRY_ENV = "HPM_REGISTRY"


@dataclass(slots=True)
class Globals:
    """The global options of one hpm run (mutable: filled while click parses the arguments)."""

    project: str | None = None
    registry: str | None = None
    registry_from_flag: bool = False  # True when --registry was given (not only HPM_REGISTRY)
    json: bool = False
    # the machine to choose for: None when the command takes no --machine/--any-machine
    machine: MachineRequest | None = None


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


def _set_machine(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    from dataclasses import replace

    from hpm.machine.availability import MachineRequest

    state = globals_of(ctx)
    request = state.machine or MachineRequest()
    if param.name == "any_machine":
        state.machine = replace(request, any_machine=request.any_machine or bool(value))
    else:
        state.machine = replace(request, overrides=(*request.overrides, *value))


machine_option = click.option(
    "--machine",
    metavar="KEY=VALUE",
    multiple=True,
    expose_value=False,
    callback=_set_machine,
    help="A fact about the machine to choose for, replacing its detection (repeatable): "
    "os, arch, python, gpu, cuda, cuda_driver, compute_capability, rocm; "
    'e.g. --machine gpu=nvidia --machine cuda=12.4 (env HPM_MACHINE="gpu=nvidia,cuda=12.4").',
)

any_machine_option = click.option(
    "--any-machine",
    is_flag=True,
    expose_value=False,
    callback=_set_machine,
    help="Ignore the options' machine conditions (for a manifest shared by many machines).",
)


def machine_options(f: F) -> F:
    """``--machine KEY=VALUE`` and ``--any-machine``: on check, sync, explain, group add."""
    return machine_option(any_machine_option(f))


def global_options(f: F) -> F:
    """``--project`` and ``--registry``: on the root group and on every command."""
    return project_option(registry_option(f))
