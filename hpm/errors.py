"""hpm's own exceptions. They carry fields; the CLI renders them as text or JSON.

Exit codes: 1 for a selection that cannot hold or a uv step that failed, 2 for bad input, 130
when interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver import Conflict


def location(file: str, line: int | None = None, key: str = "") -> str:
    """Where something was written, the one way hpm says it: ``file:line: key``."""
    where = f"{file}:{line}" if line else file
    return f"{where}: {key}" if key else where


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file."""

    file: str  # as the user should see it (relative to the registry or project when possible)
    key: str  # dotted/indexed path inside the file, e.g. "options[1].requires[0]"
    message: str
    hint: str = ""
    line: int | None = None

    def location(self) -> str:
        return location(self.file, self.line, self.key)


class HpmError(Exception):
    """Base class of every error that is the user's to fix (never shown with a traceback)."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(HpmError):
    """One or more problems in registry or project files (exit 2)."""

    def __init__(self, problems: list[Problem] | Problem, summary: str = "") -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        first = self.problems[0]
        text = summary or (
            f"{first.location()}: {first.message}"
            if len(self.problems) == 1
            else f"{len(self.problems)} problems found"
        )
        super().__init__(text, first.hint if len(self.problems) == 1 else "")


class UsageError(HpmError):
    """A command was asked for something that does not exist or makes no sense (exit 2)."""


class SelectionError(HpmError):
    """The project's choices cannot hold together (exit 1). Carries the solver's explanation."""

    exit_code = 1

    def __init__(self, message: str, explanation: Conflict | None = None, hint: str = "") -> None:
        super().__init__(message, hint)
        self.explanation = explanation


class UvError(HpmError):
    """A uv step failed; files were restored (exit 1)."""

    exit_code = 1

    def __init__(
        self, argv: list[str], returncode: int, output: str, hint: str = "", step: str = ""
    ) -> None:
        step = step or f"uv {' '.join(argv[1:2])}".rstrip()
        super().__init__(f"{step} failed (exit {returncode})", hint)
        self.argv = argv
        self.step = step  # e.g. "uv add", "uv pip uninstall"
        self.returncode = returncode
        self.output = output  # the last lines of uv's output (it was shown live already)


class UnusableLockError(HpmError):
    """uv exited 0 but left a ``uv.lock`` hpm cannot read; files were restored (exit 1).

    hpm then uninstalls nothing: pruning ``.venv`` from a lock it cannot read could remove
    everything, the user's own packages included.
    """

    exit_code = 1

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(
            f"uv left a {file} that hpm cannot read: {reason}",
            hint=f"pyproject.toml, {file} and hpm.lock were restored; run `uv lock` to see what "
            "uv makes of the project",
        )
        self.file = file
        self.reason = reason


class DriftError(HpmError):
    """``--locked``: the manifest, the registry and hpm.lock disagree (exit 1)."""

    exit_code = 1

    def __init__(self, differences: list[str]) -> None:
        super().__init__(
            "hpm.lock is not up to date: " + "; ".join(differences),
            hint="run `hpm sync` (no --locked), then commit pyproject.toml, uv.lock and hpm.lock",
        )
        self.differences = tuple(differences)


class SyncStepError(UvError):
    """A uv step of ``hpm sync`` failed; pyproject.toml, uv.lock and hpm.lock were restored.

    ``command`` is the failed command as a user can paste it (``uv ...``); ``output`` is uv's
    output without its advice about uv's own flags (hpm chose them); ``restored`` names the files
    put back; ``packages`` the requirements of the failed step, for the caller's next-step hint.
    """

    def __init__(
        self,
        argv: list[str],
        returncode: int,
        output: str,
        *,
        position: int,
        restored: tuple[str, ...],
        hint: str = "",
    ) -> None:
        super().__init__(argv, returncode, output, hint)
        self.position = position  # which command of the plan (1-based)
        self.restored = restored
        self.command = _shown_command(argv)
        self.action = _ACTIONS.get(argv[1] if len(argv) > 1 else "", "running uv")
        undone = (
            f"restored {', '.join(restored)}"
            if restored
            else "pyproject.toml, uv.lock and hpm.lock were not changed"
        )
        self.message = f"{self.action} failed: `{self.command}` exited with {returncode}; {undone}"
        self.args = (self.message,)

    @classmethod
    def from_uv(cls, error: UvError, *, position: int, restored: tuple[str, ...]) -> SyncStepError:
        return cls(
            error.argv,
            error.returncode,
            without_cli_advice(error.output),
            position=position,
            restored=restored,
            hint=error.hint,
        )

    @property
    def packages(self) -> tuple[str, ...]:
        """The positional arguments of the failed command (requirements or names)."""
        return tuple(self.argv[self.argv.index("--") + 1 :]) if "--" in self.argv else ()

    def with_hint(self, hint: str) -> SyncStepError:
        return SyncStepError(
            self.argv,
            self.returncode,
            self.output,
            position=self.position,
            restored=self.restored,
            hint=hint,
        )


class Interrupted(HpmError):
    """Ctrl-C or SIGTERM stopped hpm; a change in progress was rolled back (exit 130).

    ``restored`` names the files a sync put back (see :func:`interrupted_sync`).
    """

    exit_code = 130

    def __init__(
        self, message: str = "interrupted", hint: str = "", restored: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, hint)
        self.restored = restored


def interrupted_sync(restored: tuple[str, ...]) -> Interrupted:
    """ "interrupted; restored pyproject.toml, uv.lock" (or "...; nothing was changed")."""
    what = f"restored {', '.join(restored)}" if restored else "nothing was changed"
    return Interrupted(f"interrupted; {what}", restored=restored)


_ACTIONS = {
    "remove": "removing packages (uv remove)",
    "add": "adding packages (uv add)",
    "sync": "installing into the environment (uv sync)",
    "pip": "uninstalling packages no longer needed (uv pip uninstall)",
}

# uv's advice about its own flags: hpm chose the flags, so the advice misleads a user of hpm.
_CLI_ADVICE = ("--frozen", "--no-sync", "--locked", "--no-workspace", "--inexact")


def without_cli_advice(output: str) -> str:
    """uv's output less the ``hint:``/``help:`` paragraphs that suggest uv's own flags."""
    kept: list[str] = []
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith(("hint:", "help:")) and any(f in stripped for f in _CLI_ADVICE):
            while kept and not kept[-1].strip():
                kept.pop()
            continue
        kept.append(line)
    return "\n".join(kept).rstrip() + ("\n" if kept else "")


def _shown_command(argv: list[str]) -> str:
    import shlex

    from hpm.apply.uvbin import shown

    return shlex.join(shown(argv))
