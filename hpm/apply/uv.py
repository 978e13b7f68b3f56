"""The uv driver: find the binary, build argument lists, run them.

This is the only module of hpm that imports :mod:`subprocess`. The argv builders are pure and
tested without a subprocess; :func:`run` is the one place where a process starts (an argv list,
never a shell). Every builder puts ``--`` before positional arguments, so nothing in a requirement
can be read as an option (the registry's names are PEP 508 names anyway).
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hpm.apply.process import (
    Child,
    child_setup,
    describe,
    group_stopped_on_exit,
    hold_interrupts,
    interrupt_wakeup,
    release,
    wait_readable,
)
from hpm.apply.uvbin import UV_ENV, find_uv
from hpm.errors import UvError

__all__ = ["UV_ENV", "find_uv"]  # re-exported: callers import them from here
TAIL_LINES = 40  # how much of uv's output an error message repeats


def _positional(args: Sequence[str]) -> list[str]:
    for arg in args:
        if arg.startswith("-"):
            raise ValueError(f"refusing an argument that looks like an option: {arg!r}")
    return ["--", *args]


def add_argv(
    uv: str,
    requirements: Sequence[str],
    *,
    editable: bool = False,
    no_sync: bool = True,
    no_workspace: bool = True,
) -> list[str]:
    """``uv add [--no-sync] [--no-workspace] [--editable] -- REQ...``.

    ``--no-workspace``: without it, uv (0.8 and later) turns a path *inside* the project directory
    into a workspace member (``[tool.uv.workspace] members``), which ``uv remove`` does not undo.
    """
    argv = [uv, "add"]
    if no_sync:
        argv.append("--no-sync")
    if no_workspace:
        argv.append("--no-workspace")
    if editable:
        argv.append("--editable")
    return argv + _positional(requirements)


def remove_argv(uv: str, names: Sequence[str], *, no_sync: bool = True) -> list[str]:
    """``uv remove [--no-sync] -- NAME...``."""
    argv = [uv, "remove"]
    if no_sync:
        argv.append("--no-sync")
    return argv + _positional(names)


def init_argv(uv: str, directory: str) -> list[str]:
    """``uv init --bare --no-workspace -- DIR``: a new project with only a pyproject.toml."""
    return [uv, "init", "--bare", "--no-workspace", *_positional([directory])]


def sync_argv(uv: str, *, inexact: bool = True) -> list[str]:
    """``uv sync --inexact``: install what uv.lock needs, remove nothing (see hpm.apply.sync)."""
    return [uv, "sync", "--inexact"] if inexact else [uv, "sync"]


def uninstall_argv(uv: str, names: Sequence[str], *, environment: Path) -> list[str]:
    """``uv pip uninstall --python ENV -- NAME...``: names that are not installed are skipped."""
    return [uv, "pip", "uninstall", "--python", os.fspath(environment), *_positional(names)]


def step_name(argv: Sequence[str]) -> str:
    """The uv step an argv runs, as a user would name it: ``uv add``, ``uv pip uninstall``."""
    words = [w for w in argv[1:3] if not w.startswith("-")]
    return "uv " + " ".join(words[: 2 if words[:1] == ["pip"] else 1])


class UvNotStarted(OSError):
    """uv could not be started at all (no such file, not executable): an ``OSError`` of the
    start itself, told apart from one raised later while hpm waits (by ``on_start``, say)."""


@dataclass(frozen=True, slots=True)
class UvRun:
    """A finished uv step: its exit status and the last lines of its output (for messages)."""

    argv: tuple[str, ...]
    returncode: int
    tail: str


_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


class _Tail:
    """The last ``size`` lines of a byte stream, decoded (invalid UTF-8 replaced), escapes removed.

    A carriage return starts the line over, as a terminal would show it (progress bars).
    """

    def __init__(self, size: int) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=size)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""

    def feed(self, data: bytes, *, final: bool = False) -> list[str]:
        """Add ``data``; return the lines it completed."""
        text = self._partial + self._decoder.decode(data, final=final)
        *complete, self._partial = text.split("\n")
        if final and self._partial:
            complete.append(self._partial)
            self._partial = ""
        done = [_ESCAPE.sub("", line.rstrip("\r")).rsplit("\r", 1)[-1] for line in complete]
        self.lines.extend(done)
        return done

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _copy_window_size(source: int, target: int) -> None:
    import fcntl
    import termios

    with contextlib.suppress(OSError):
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(target, termios.TIOCSWINSZ, size)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def run(
    argv: Sequence[str],
    cwd: Path,
    *,
    echo: Callable[[str], None] | None = None,
    terminal: int | None = None,
    on_start: Callable[[Child], None] | None = None,
    tail_lines: int = TAIL_LINES,
) -> UvRun:
    """Run ``argv`` in ``cwd``; show its output while it runs and keep the last lines.

    With ``terminal`` (a file descriptor that is a TTY, normally 2), uv writes to a pseudo-terminal
    and hpm copies every byte to ``terminal`` as it comes, so uv shows its progress bars and
    colours; otherwise each line of uv's output (stderr folded into stdout) goes to ``echo`` as
    soon as uv prints it. Either way the last ``tail_lines`` lines come back in :class:`UvRun`.

    uv runs in its own process group, dies with hpm (a parent-death signal on Linux), and
    ``on_start`` learns its :class:`~hpm.apply.process.Child` record before hpm waits for it (the
    journal keeps it, so that recovery can stop a uv that outlived a killed hpm). If waiting is
    interrupted (Ctrl-C, SIGTERM), uv's whole group is killed before the exception goes on.
    """
    tail = _Tail(tail_lines)
    with interrupt_wakeup() as wakeup:
        master = slave = None
        if terminal is not None:
            import pty  # POSIX only, and only when showing uv on a terminal

            master, slave = pty.openpty()
            _copy_window_size(terminal, slave)
        mask = hold_interrupts()  # released once uv's group is known, inside the block below
        try:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=slave if slave is not None else subprocess.PIPE,
                stderr=slave if slave is not None else subprocess.STDOUT,
                process_group=0,
                preexec_fn=child_setup(os.getpid(), mask),
            )
        except BaseException as e:
            release(mask)
            if master is not None:
                os.close(master)
            if isinstance(e, OSError):
                raise UvNotStarted(e.errno, e.strerror, e.filename) from e
            raise
        finally:
            if slave is not None:
                os.close(slave)
        child = describe(process.pid)
        try:
            with group_stopped_on_exit(child):
                release(mask)  # a signal held while uv started is raised here: uv is stopped
                if on_start is not None:
                    on_start(child)
                if master is not None:
                    assert terminal is not None
                    _pump(master, wakeup, _to_terminal(terminal, tail))
                else:
                    assert process.stdout is not None
                    _pump(process.stdout.fileno(), wakeup, _to_lines(echo, tail))
                returncode = process.wait()
        finally:
            if master is not None:
                os.close(master)
            if process.stdout is not None:
                process.stdout.close()
    return UvRun(tuple(argv), returncode, tail.text)


def _pump(fd: int, wakeup: int | None, sink: Callable[[bytes], None]) -> None:
    """Give ``sink`` each chunk read from ``fd`` until its end, then ``b""``.

    It never blocks in ``read()`` itself: a signal makes :func:`wait_readable` return, and its
    handler (raising KeyboardInterrupt) runs before the loop waits again.
    """
    while True:
        if not wait_readable(fd, wakeup):
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: every writer of the pseudo-terminal has closed it
            data = b""
        sink(data)
        if not data:
            return


def _to_lines(echo: Callable[[str], None] | None, tail: _Tail) -> Callable[[bytes], None]:
    def sink(data: bytes) -> None:
        for line in tail.feed(data, final=not data):
            if echo is not None:
                echo(line)

    return sink


def _to_terminal(terminal: int, tail: _Tail) -> Callable[[bytes], None]:
    def sink(data: bytes) -> None:
        _write_all(terminal, data)
        tail.feed(data, final=not data)

    return sink


def run_checked(
    argv: Sequence[str],
    cwd: Path,
    *,
    echo: Callable[[str], None] | None = None,
    terminal: int | None = None,
    on_start: Callable[[Child], None] | None = None,
) -> UvRun:
    """Like :func:`run`, raising :class:`UvError` (with the output's tail) when uv fails."""
    try:
        done = run(argv, cwd, echo=echo, terminal=terminal, on_start=on_start)
    except UvNotStarted as e:
        hint = f"check the uv executable or {UV_ENV}"
        raise UvError(list(argv), 127, str(e), hint=hint, step=step_name(argv)) from e
    if done.returncode != 0:
        raise UvError(list(argv), done.returncode, done.tail, step=step_name(argv))
    return done
