"""Where hpm's text goes: stdout or stderr, coloured only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

import click


def _colour() -> bool | None:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return None  # click decides: a tty gets colour, a pipe does not


def say(text: str = "", *, err: bool = False) -> None:
    """Print one line."""
    click.echo(text, err=err, color=_colour())


def say_lines(lines: Iterable[str], *, err: bool = False) -> None:
    for line in lines:
        say(line, err=err)


def styled(text: str, **style: Any) -> str:
    """The ``style`` the views take: click's, which a pipe or NO_COLOR strips again."""
    return click.style(text, **style)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
