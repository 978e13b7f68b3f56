"""The ``hpm`` command: lazy subcommands and the one place where errors become messages.

Exit codes: 0 success; 1 the selection cannot hold, the project drifted (``--locked``), or a uv
step failed; 2 bad input (unreadable or invalid files, unknown names, wrong usage); 130 interrupted
(Ctrl-C, SIGTERM).

To add a command: write ``hpm/cli/commands/NAME.py`` with a module-level ``command`` (usually
built by :func:`hpm.cli.project.project_command`) and list it in :data:`COMMANDS`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from hpm.cli.options import Globals, global_options
from hpm.cli.output import print_json, say_lines, styled
from hpm.errors import HpmError, Interrupted, UsageError

# command name -> module under hpm.cli.commands that defines `command` (imported when invoked)
COMMANDS: dict[str, str] = {
    "init": "init",
    "group": "group",
    "check": "check",
    "sync": "sync",
    "status": "status",
    "explain": "explain",
    "machine": "machine",
    "graph": "graph",
    "registry": "registry",
}


class HpmGroup(click.Group):
    """A click group whose unknown subcommands are hpm usage errors with a "did you mean"."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from hpm.names import did_you_mean

            known = self.list_commands(ctx)
            raise UsageError(
                f"unknown command `{name}`"
                + (f" for `{ctx.command_path}`" if ctx.parent is not None else ""),
                hint=did_you_mean(name, known) or f"commands: {', '.join(known)}",
            )
        return super().resolve_command(ctx, args)


class LazyGroup(HpmGroup):
    """The root group: imports a command's module only when that command runs (or for --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = importlib.import_module(f"hpm.cli.commands.{module}").command
        assert isinstance(command, click.Command)
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run hpm; render any error as ``error:``/``hint:`` (or JSON) and exit with its code."""
        state = Globals()
        extra.setdefault("obj", state)
        try:
            code = _run(self, args, prog_name or "hpm", complete_var, extra)
        except KeyboardInterrupt:  # arrived outside click's own handling
            code = _fail(Interrupted(), as_json=state.json)
        if standalone_mode:
            sys.exit(code)
        return code


def _run(
    group: click.Group,
    args: Sequence[str] | None,
    prog_name: str,
    complete_var: str | None,
    extra: dict[str, Any],
) -> int:
    state: Globals = extra["obj"]
    try:
        result = click.Group.main(
            group, args, prog_name, complete_var, standalone_mode=False, **extra
        )
    except HpmError as error:
        return _fail(error, as_json=state.json)
    except click.exceptions.NoArgsIsHelpError as error:  # `hpm group`: its help, as click does
        error.show()
        return error.exit_code
    except click.UsageError as error:
        return _fail(_usage_error(error), as_json=state.json)
    except click.Abort:  # Ctrl-C (KeyboardInterrupt) or SIGTERM, turned into Abort by click
        return _fail(Interrupted(), as_json=state.json)
    except click.ClickException as error:
        return _fail(UsageError(_sentence(error.format_message())), as_json=state.json)
    return result if isinstance(result, int) else 0


def _usage_error(error: click.UsageError) -> UsageError:
    """click's usage error as hpm's: a lower-case message and a hint naming --help."""
    where = error.ctx.command_path if error.ctx is not None else "hpm"
    return UsageError(_sentence(error.format_message()), hint=f"see `{where} --help`")


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:]


def _fail(error: HpmError, *, as_json: bool) -> int:
    """Render an hpm error (never a traceback); return its exit code."""
    from hpm import views

    if as_json:
        print_json(views.error_json(error))
    else:
        say_lines(views.error_text(error, style=styled), err=True)
    return error.exit_code


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options
@click.version_option(package_name="hpm-compose", prog_name="hpm")
def main() -> None:
    """Compose a project's dependencies from a registry of groups, then hand them to uv.

    \b
    Typical session:
      hpm group add inference --option vlm-adapter-qwen
      hpm check
      hpm sync
    """
