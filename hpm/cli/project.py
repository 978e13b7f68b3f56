"""``project_command``: turn a use case ``run(ctx, ...) -> Report`` into a click command.

It is the one place that finds the project, finishes (rolls back) an interrupted sync or takes the
project's lock, loads what the command needs, and shows the report through its view. Errors are
not caught here: ``hpm.cli.app`` renders every :class:`hpm.errors.HpmError` in one place.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hpm.cli.options import Globals, global_options, globals_of
from hpm.cli.output import print_json, say_lines, styled

if TYPE_CHECKING:
    from hpm.views import View

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class Load(enum.Enum):
    """What ``run`` receives as its first argument."""

    GLOBALS = "globals"  # the global options only (hpm init; with write: under the lock)
    REGISTRY = "registry"  # the Registry, inside or outside a project (registry check)
    OPTIONAL = "optional"  # a Context inside a project, else the Registry (group list, graph)
    CONTEXT = "context"  # a Context: project, manifest, registry, selection


def show(report: Any, view: View, *, as_json: bool) -> None:
    """Print a report as JSON or as its view's text, its notes to stderr; exit 1 if it failed."""
    failed = view.failed(report)
    if as_json and view.json is not None:
        print_json(view.json(report))
    else:
        say_lines(view.text(report, style=styled), err=failed and view.failed_to_stderr)
    if view.notes is not None:
        say_lines(view.notes(report, style=styled), err=True)
    if failed:
        raise click.exceptions.Exit(1)


def project_command(
    run: Callable[..., Any],
    load: Load,
    view: View | None,
    *params: Decorator,
    name: str,
    write: bool | Callable[[dict[str, Any]], bool] = False,
    pin: bool | Callable[[dict[str, Any]], bool] = True,
    ui: bool = False,
    help: str | None = None,
) -> click.Command:
    """A click command named ``name`` with ``params`` that calls ``run(loaded, **params)``.

    ``write``: the command changes the project, so it runs under the project's lock (a callable
    decides from the parsed options, e.g. not for ``sync --dry-run``). ``ui``: pass a
    :class:`hpm.cli.ui.Ui` as ``ui=``. ``view``: how to show what ``run`` returns (None: it
    returns nothing to show).
    ``pin``: a git-hosted registry that hpm.lock does not pin yet is pinned there now (False for
    ``--dry-run`` and ``--locked``, which change nothing).
    """

    def callback(**options: Any) -> None:
        state = globals_of(click.get_current_context())
        writes = write(options) if callable(write) else write
        pins = pin(options) if callable(pin) else pin
        extra = {"ui": _ui(state.json)} if ui else {}
        with _loaded(state, load, writes=writes, pins=pins) as loaded:
            start_collecting()
            report = run(loaded, **options, **extra)
        if report is not None and view is not None:
            show(report, view, as_json=state.json)

    for param in reversed(params):
        callback = param(callback)
    callback = global_options(callback)
    doc = help if help is not None else run.__doc__
    return click.command(name, help=doc)(callback)


def start_collecting() -> None:
    """The command is loaded: turn the cyclic garbage collector back on if start-up had paused it
    (``hpm.__main__``), and leave everything made so far out of its walks (``gc.freeze``: it is
    kept to the end anyway; the interpreter's last collection at exit skips it too). In-process
    callers (tests), whose collector runs, are left alone."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _ui(as_json: bool) -> Any:
    from hpm.cli.ui import Ui  # only for a command that prints as it goes (one class less)

    return Ui(as_json)


@contextmanager
def _loaded(state: Globals, load: Load, *, writes: bool, pins: bool) -> Iterator[Any]:
    from hpm import context

    if load is Load.REGISTRY:  # any machine, unless --machine describes one
        one = state.machine if state.machine is not None and state.machine.overrides else None
        yield _warned(context.load_registry_only(state.project, state.registry, one))
        return
    if writes:
        with context.locked_project(state.project) as restored:
            report_restored(restored)
            yield state if load is Load.GLOBALS else _context(state, pins)
        return
    if load is Load.GLOBALS:
        yield state
        return
    _recover(state.project)
    if load is Load.OPTIONAL:
        yield context.optional_context(state.project, state.registry)
    else:
        yield _context(state, pins)


def _context(state: Globals, pins: bool) -> Any:
    """The project's Context (machine warnings printed)."""
    from hpm import context

    return _warned(
        context.load_context(state.project, state.registry, state.machine, record_pins=pins)
    )


def _warned(loaded: Any) -> Any:
    """``loaded``, after printing what machine detection warned about (to stderr)."""
    from hpm.views import machine_notes

    machine = getattr(loaded, "machine", None)
    if machine is not None:
        say_lines(machine_notes(machine, style=styled), err=True)
    return loaded


def _recover(project_dir: str | None) -> None:
    """Before a read-only command: finish (roll back) a sync that was killed, if any."""
    from hpm import context
    from hpm.errors import UsageError

    try:
        project = context.find_project(Path(project_dir) if project_dir else None)
    except UsageError:
        return  # no project: the command itself says so, or works without one
    report_restored(context.recover_interrupted(project.root))


def report_restored(restored: Sequence[str]) -> None:
    from hpm.views import restored_text

    say_lines(restored_text(restored, style=styled), err=True)
