"""The :class:`Ui` of a command that prints as it goes (``project_command(..., ui=True)``).

Its own module, imported only by such a command (``hpm sync``): every other command starts
without creating the class (a frozen dataclass costs about a millisecond at import).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hpm.cli.output import say_lines

if TYPE_CHECKING:
    from hpm.views import View


@dataclass(frozen=True, slots=True)
class Ui:
    """What a command that prints as it goes (``hpm sync``) may use, besides returning a report."""

    json: bool

    def show(self, report: Any, view: View) -> None:
        """Print ``report`` through ``view`` now (JSON with ``--json``)."""
        from hpm.cli.project import show

        show(report, view, as_json=self.json)

    def echo(self, line: str) -> None:
        """Print one line of progress (a uv command and its output) as it happens."""
        say_lines([line])

    def terminal(self) -> int | None:
        """stderr's file descriptor when it is a terminal: uv then shows its progress bars there."""
        try:
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):  # CliRunner and other stand-ins
            return None
        return fd if os.isatty(fd) else None
