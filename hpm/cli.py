"""The command line: parse arguments, call ``hpm.commands``, render the answer (only click here).

Exit codes: 0 success; 1 the selection cannot hold, the project drifted (``--locked``), or a uv
step failed; 2 bad input (unreadable or invalid files, unknown names, wrong usage).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from hpm.errors import HpmError, InputError, SelectionError, UvError


# --------------------------------------------------------------------------- output helpers
def _colour() -> bool | None:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return None  # click decides: a tty gets colour, a pipe does not


def _say(text: str = "", *, err: bool = False) -> None:
    click.echo(text, err=err, color=_colour())


def _styled(text: str, **style: Any) -> str:
    return click.style(text, **style)


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _render(
    value: Any,
    as_json: bool,
    to_json: Callable[[Any], object],
    to_text: Callable[..., list[str]],
    *,
    err: bool = False,
) -> None:
    """Print ``value`` as JSON, or as the text lines of its view (coloured on a terminal)."""
    if as_json:
        _print_json(to_json(value))
    else:
        for line in to_text(value, style=_styled):
            _say(line, err=err)


def _fail(error: HpmError, *, as_json: bool) -> NoReturn:
    """Render an hpm error (never a traceback) and exit with its code."""
    if as_json:
        _print_json(_error_json(error))
        sys.exit(error.exit_code)
    if isinstance(error, InputError) and len(error.problems) > 1:
        _say(f"{_styled('error', fg='red', bold=True)}: {error.message}", err=True)
        for problem in error.problems:
            _say(f"  {problem.location()}: {problem.message}", err=True)
            if problem.hint:
                _say(f"    {_styled('hint', fg='cyan')}: {problem.hint}", err=True)
    else:
        _say(f"{_styled('error', fg='red', bold=True)}: {error.message}", err=True)
        if isinstance(error, SelectionError) and error.explanation is not None:
            from hpm.explain_text import render_conflict

            for line in render_conflict(error.explanation):
                _say(f"  {line}", err=True)
        if isinstance(error, UvError) and error.output.strip():
            _say(error.output.rstrip(), err=True)
        if error.hint:
            _say(f"{_styled('hint', fg='cyan', bold=True)}: {error.hint}", err=True)
    sys.exit(error.exit_code)


def _error_json(error: HpmError) -> dict[str, object]:
    data: dict[str, object] = {"ok": False, "error": error.message, "hint": error.hint}
    if isinstance(error, InputError):
        data["problems"] = [
            {"file": p.file, "line": p.line, "key": p.key, "message": p.message, "hint": p.hint}
            for p in error.problems
        ]
    if isinstance(error, SelectionError) and error.explanation is not None:
        from hpm.explain_text import conflict_to_json

        data["conflict"] = conflict_to_json(error.explanation)
    if isinstance(error, UvError):
        data["uv"] = {"argv": error.argv, "returncode": error.returncode, "output": error.output}
    return data


def _run(action: Callable[[], None], *, as_json: bool = False) -> None:
    try:
        action()
    except HpmError as error:
        _fail(error, as_json=as_json)


# --------------------------------------------------------------------------- completion
def _complete_groups(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    model = _model_for_completion(ctx)
    return [g.name for g in model.groups if g.name.startswith(incomplete)] if model else []


def _complete_options(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    model = _model_for_completion(ctx)
    if model is None:
        return []
    # With a dangling `--option`, click's resilient parse leaves GROUP in ctx.args.
    group = ctx.params.get("group") or next(iter(ctx.args), None)
    names = model.group(group).options if group and model.is_group(group) else model.options
    return [o for o in names if o.startswith(incomplete)]


def _model_for_completion(ctx: click.Context) -> Any:
    from hpm.context import load_registry_only

    root = ctx.find_root().params
    try:
        return load_registry_only(root.get("project"), root.get("registry")).model
    except Exception:  # completion must never print a traceback into the shell
        return None


# --------------------------------------------------------------------------- the commands
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    metavar="DIR",
    help="The project directory (default: the nearest pyproject.toml upwards).",
)
@click.option(
    "--registry",
    metavar="DIR",
    envvar="HPM_REGISTRY",
    help="The registry directory (default: [tool.hpm] registry, else ./registry).",
)
@click.version_option(package_name="hpm-compose", prog_name="hpm")
@click.pass_context
def main(ctx: click.Context, project: str | None, registry: str | None) -> None:
    """Compose a project's dependencies from a registry of groups, then hand them to uv.

    \b
    Typical session:
      hpm group add inference --option vlm-adapter-qwen
      hpm check
      hpm sync
    """
    ctx.obj = {"project": project, "registry": registry}


def _opts(ctx: click.Context) -> tuple[str | None, str | None]:
    return ctx.obj["project"], ctx.obj["registry"]


def _set_registry(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)["registry"] = value


registry_option = click.option(
    "--registry",
    metavar="DIR",
    expose_value=False,
    callback=_set_registry,
    help="The registry directory (same as the global --registry).",
)


@main.group()
def group() -> None:
    """List, show, add and remove groups in [tool.hpm.groups]."""


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see README).")
@registry_option
@click.pass_context
def group_list(ctx: click.Context, as_json: bool) -> None:
    """Every group of the registry: strategy, options, default, and what the project chose."""

    def action() -> None:
        from hpm import views
        from hpm.commands import group as group_cmd

        _recover(ctx)

        rows = group_cmd.group_rows(*_opts(ctx))
        if as_json:
            _print_json([views.group_json(row) for row in rows])
        else:
            for line in views.group_table(rows, style=_styled):
                _say(line)

    _run(action, as_json=as_json)


@group.command("show")
@click.argument("group", shell_complete=_complete_groups)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (see README).")
@registry_option
@click.pass_context
def group_show(ctx: click.Context, group: str, as_json: bool) -> None:
    """One group in detail: options with their sources and rules."""

    def action() -> None:
        from hpm import views
        from hpm.commands import group as group_cmd

        _recover(ctx)

        row = group_cmd.group_detail(*_opts(ctx), group)
        _render(row, as_json, views.group_detail_json, views.group_detail_text)

    _run(action, as_json=as_json)


def _options_argument(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--option",
        "-o",
        "options",
        multiple=True,
        shell_complete=_complete_options,
        help=help_text,
    )


def _edit_groups(ctx: click.Context, edit_name: str, group: str, options: tuple[str, ...]) -> None:
    """Run ``hpm.commands.group.<edit_name>`` under the project's lock and say what changed."""

    def action() -> None:
        from hpm import context, views
        from hpm.commands import group as group_cmd

        with context.locked_project(ctx.obj["project"]) as restored:
            _report_restored(restored)
            edit = getattr(group_cmd, edit_name)
            change = edit(context.load_context(*_opts(ctx)), group, options)
        _say(views.group_change_text(change))
        if change.warning:
            _say(f"{_styled('warning', fg='yellow', bold=True)}: {change.warning}", err=True)

    _run(action)


@group.command("add")
@click.argument("group", shell_complete=_complete_groups)
@_options_argument(
    "An option to select (repeat for M-of-N groups). Omit it to leave the choice open."
)
@registry_option
@click.pass_context
def group_add(ctx: click.Context, group: str, options: tuple[str, ...]) -> None:
    """Select GROUP (and options) in [tool.hpm.groups], checked against the registry's rules."""
    _edit_groups(ctx, "add_group", group, options)


@group.command("remove")
@click.argument("group", shell_complete=_complete_groups)
@_options_argument("Remove only this option of an M-of-N group (repeatable).")
@registry_option
@click.pass_context
def group_remove(ctx: click.Context, group: str, options: tuple[str, ...]) -> None:
    """Remove GROUP (or some of its options) from [tool.hpm.groups]. Run `hpm sync` after."""
    _edit_groups(ctx, "remove_group", group, options)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (see README).")
@click.option("--locked", is_flag=True, help="Also fail when hpm.lock is not up to date.")
@registry_option
@click.pass_context
def check(ctx: click.Context, as_json: bool, locked: bool) -> None:
    """Validate the project's choices against the registry's rules.

    Exit 0 when valid, 1 when invalid or incomplete (with the reason), 2 on bad input.
    """

    def action() -> None:
        from hpm import views
        from hpm.commands import check as check_cmd

        _recover(ctx)

        report = check_cmd.check(*_opts(ctx), locked=locked)
        _render(report, as_json, views.check_json, views.check_text, err=not report.ok)
        if not report.ok:
            sys.exit(1)

    _run(action, as_json=as_json)


@main.command()
@click.option(
    "--auto", is_flag=True, help="Fill open choices (defaults first) and write them back."
)
@click.option("--dry-run", is_flag=True, help="Print the uv commands and change nothing.")
@click.option(
    "--locked", is_flag=True, help="Fail if pyproject.toml, the registry and hpm.lock disagree."
)
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the plan as JSON.")
@registry_option
@click.pass_context
def sync(ctx: click.Context, auto: bool, dry_run: bool, locked: bool, as_json: bool) -> None:
    """Turn the choices into packages and run uv add / uv remove so the project matches."""

    def action() -> None:
        from hpm import context, views
        from hpm.commands import sync as sync_cmd

        if as_json and not dry_run:
            raise click.UsageError("--json is only available with --dry-run")
        with context.locked_project(ctx.obj["project"], write=not dry_run) as restored:
            _report_restored(restored)
            project = context.load_context(*_opts(ctx))
            outcome = sync_cmd.prepare_sync(project, auto=auto, locked=locked)
            if as_json:
                _print_json(views.plan_json(outcome))
                return
            for line in views.plan_text(outcome, dry_run=dry_run, style=_styled):
                _say(line)
            if not dry_run:
                sync_cmd.apply_sync(project, outcome, echo=_say)
                _say(views.sync_done_text(outcome, style=_styled))

    _run(action, as_json=as_json)


@main.command()
@click.argument("group", shell_complete=_complete_groups)
@click.argument("option", required=False, shell_complete=_complete_options)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (see README).")
@registry_option
@click.pass_context
def explain(ctx: click.Context, group: str, option: str | None, as_json: bool) -> None:
    """Which options of GROUP are possible now and, for each rejected one, why."""

    def action() -> None:
        from hpm import views
        from hpm.commands import explain as explain_cmd

        _recover(ctx)

        report = explain_cmd.explain(*_opts(ctx), group, option)
        _render(report, as_json, views.explain_json, views.explain_text)

    _run(action, as_json=as_json)


@main.group("registry")
def registry_group() -> None:
    """Validate and analyse a registry; print its JSON Schemas."""


@registry_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (see README).")
@click.option(
    "--reasons",
    default=3,
    show_default=True,
    metavar="N",
    type=click.IntRange(min=0),
    help="Explain at most N dead options.",
)
@click.option(
    "--redundant",
    is_flag=True,
    help="Also find rules that the others already imply (one SAT call per rule).",
)
@registry_option
@click.pass_context
def registry_check(ctx: click.Context, as_json: bool, reasons: int, redundant: bool) -> None:
    """Validate every registry file, then find dead and core options.

    Exit 0 when the registry has no errors (dead options are warnings), 1 when it is void or a
    default can never be chosen, 2 when a file is invalid.
    """

    def action() -> None:
        from hpm import views
        from hpm.commands import registry as registry_cmd

        report = registry_cmd.registry_check(*_opts(ctx), reasons=reasons, redundant=redundant)
        _render(report, as_json, views.registry_json, views.registry_text)
        if not report.ok:
            sys.exit(1)

    _run(action, as_json=as_json)


@registry_group.command("schema")
@click.argument(
    "kind", type=click.Choice(["group", "package", "rules", "indexes"]), default="group"
)
def registry_schema(kind: str) -> None:
    """Print the JSON Schema of a registry file: groups/*.yaml (group), packages/*.yaml (package),
    rules.yaml (rules) or indexes.yaml (indexes). Point yaml-language-server at it for completion
    in editors."""
    from hpm.commands import registry as registry_cmd

    click.echo(registry_cmd.schema_text(kind), nl=False)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid renders in GitHub Markdown; DOT goes to Graphviz (dot -Tsvg).",
)
@click.option(
    "--group",
    "group_name",
    shell_complete=_complete_groups,
    help="Only this group's neighbourhood.",
)
@registry_option
@click.pass_context
def graph(ctx: click.Context, fmt: str, group_name: str | None) -> None:
    """Draw groups, options and their requires/conflicts rules (selected options highlighted)."""

    def action() -> None:
        from hpm.commands import graph as graph_cmd

        _recover(ctx)

        click.echo(graph_cmd.graph_text(*_opts(ctx), fmt, group_name), nl=False)

    _run(action)


@main.command()
@click.option(
    "--registry",
    "registry_path",
    default="registry",
    show_default=True,
    metavar="DIR",
    help="The registry to use (recorded relative to the project).",
)
@click.pass_context
def init(ctx: click.Context, registry_path: str) -> None:
    """Add [tool.hpm] to the project (making one with `uv init` if there is none)."""

    def action() -> None:
        from hpm.commands import init as init_cmd

        project = ctx.obj["project"]
        result = init_cmd.init(project, ctx.obj["registry"] or registry_path)
        where = result.project
        if result.created:
            _say(f"created a uv project in {where}")
        state = "already uses" if result.already else "now uses"
        _say(f'{where / "pyproject.toml"} {state} registry = "{result.registry}"')
        if not result.registry_exists:
            _say(
                f"{_styled('warning', fg='yellow', bold=True)}: no registry at {result.registry} "
                "yet (it needs a groups/ directory)",
                err=True,
            )
        flag = f" --project {project}" if project else ""
        _say("next steps:")
        _say(f"  hpm{flag} group list                  # what the registry offers")
        _say(f"  hpm{flag} group add GROUP --option X  # choose (repeat per group)")
        _say(f"  hpm{flag} sync --auto                 # fill open choices, install with uv")

    _run(action)


def _recover(ctx: click.Context) -> None:
    """Before a read-only command: finish (roll back) a sync that was killed, if any."""
    from hpm import context
    from hpm.errors import UsageError

    try:
        project = context.find_project(Path(p) if (p := ctx.obj["project"]) else None)
    except UsageError:
        return  # no project: the command itself says so, or works without one
    _report_restored(context.recover_interrupted(project.root))


def _report_restored(restored: Sequence[str]) -> None:
    if restored:
        _say(
            f"{_styled('warning', fg='yellow', bold=True)}: rolled back an interrupted hpm run; "
            f"restored {', '.join(restored)}",
            err=True,
        )


if __name__ == "__main__":  # pragma: no cover
    main()
