"""Keep uv from outliving hpm: a parent-death signal, its own process group, and a record of both.

hpm starts every uv in a new process group. On Linux the child also asks the kernel (``prctl
PR_SET_PDEATHSIG``) for SIGKILL the moment hpm dies, however it dies (``kill -9`` included).
uv's own children (a build backend, git) are not covered by that signal, but they stay in uv's
process group; the transaction journal records the group (:class:`Child`: pid, process group and
the kernel's start time of the pid) so that the next hpm command can kill whatever is left of it,
and wait for it to be gone, before it restores any file.

The start time guards against a recycled pid: a process whose pid equals the recorded group but
that started at another time is someone else's, and while a process group has members Linux does
not hand its number out as a new pid, so no other group can carry the recorded number then.

A Ctrl-C or SIGTERM must end hpm while it waits for uv. CPython runs a Python signal handler
(the one that raises :class:`KeyboardInterrupt`) only between bytecodes: a signal that lands just
before a blocking ``read()`` starts (or in another thread) is recorded, but the read is not
interrupted and PEP 475 would retry it anyway, so hpm would wait for uv for ever. So hpm never
blocks on uv's output without also watching :func:`interrupt_wakeup`'s pipe, which the C-level
handler writes to the moment a signal arrives (:func:`signal.set_wakeup_fd`); and it holds SIGINT
and SIGTERM while uv starts (:func:`hold_interrupts`), so that one cannot land after uv exists but
before hpm knows which group to kill.

No :mod:`subprocess` here: :mod:`hpm.apply.uv` starts the process and calls :func:`child_setup`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hpm import deathsig
from hpm.errors import HpmError

_PROC = Path("/proc")
STOP_WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.02
INTERRUPTS = frozenset({signal.SIGINT, signal.SIGTERM})


@dataclass(frozen=True, slots=True)
class Child:
    """A process hpm started (uv), as the journal records it."""

    pid: int
    pgid: int
    start: str | None  # field 22 of /proc/PID/stat (clock ticks since boot); None off Linux

    def to_json(self) -> dict[str, object]:
        return {"pid": self.pid, "pgid": self.pgid, "start": self.start}

    @classmethod
    def from_json(cls, data: object) -> Child:
        """The record back from JSON; ``ValueError`` when it has the wrong shape."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        pid, pgid, start = data.get("pid"), data.get("pgid"), data.get("start")
        if not (isinstance(pid, int) and isinstance(pgid, int) and pid > 1 and pgid > 1):
            raise ValueError("pid and pgid must be integers above 1")
        if start is not None and not isinstance(start, str):
            raise ValueError("start must be a string")
        return cls(pid, pgid, start)


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None when there is no such pid."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(errors="replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()  # the name may hold spaces and parentheses


def start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), or None (gone, or no /proc)."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def describe(pid: int) -> Child:
    """The record for a process just started in its own group."""
    return Child(pid, pid, start_time(pid))


def child_setup(parent: int, mask: set[int | signal.Signals] | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: SIGKILL when ``parent`` dies; exit at once if it already has.

    ``mask``: the signal mask the child gets back (hpm holds the interrupts while it starts uv).
    """
    prctl = deathsig.prctl()

    def setup() -> None:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        deathsig.die_with(parent, prctl)

    return setup


def _members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``."""
    found = []
    with contextlib.suppress(OSError):
        for entry in _PROC.iterdir():
            if not entry.name.isdigit():
                continue
            fields = _stat_fields(int(entry.name))
            if fields and len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
                found.append(int(entry.name))
    return found


def _recycled(child: Child) -> bool:
    """True when the recorded pid now belongs to another process (a different start time)."""
    now = start_time(child.pid)
    return now is not None and child.start is not None and now != child.start


def stop(child: Child, *, wait: float = STOP_WAIT_SECONDS) -> None:
    """Kill what is left of ``child``'s process group and wait until it is gone.

    Raises :class:`HpmError` when it is still there after ``wait`` seconds (then nothing may be
    restored: it could still write the project's files).
    """
    if not _PROC.is_dir():  # pragma: no cover - not Linux: best effort
        with contextlib.suppress(OSError):
            os.killpg(child.pgid, signal.SIGKILL)
        return
    if child.pid == child.pgid and _recycled(child):
        return  # the group died with its leader, and the number was given to someone else
    deadline = time.monotonic() + wait
    while _members(child.pgid):
        with contextlib.suppress(OSError):
            os.killpg(child.pgid, signal.SIGKILL)
        if time.monotonic() >= deadline:
            raise HpmError(
                f"uv (process group {child.pgid}) is still running after being killed",
                hint=f"stop it (`kill -9 -- -{child.pgid}`), then run the hpm command again",
            )
        time.sleep(_POLL_SECONDS)


@contextlib.contextmanager
def group_stopped_on_exit(child: Child) -> Iterator[None]:
    """Stop ``child``'s group if the block raises (an interrupt while hpm waits for uv)."""
    try:
        yield
    except BaseException:
        stop(child)
        raise


def hold_interrupts() -> set[int | signal.Signals]:
    """Hold SIGINT and SIGTERM (they wait, pending); return the mask to give to :func:`release`."""
    return signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)


def release(mask: set[int | signal.Signals]) -> None:
    """Set the signal mask back: a signal held meanwhile is handled now."""
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextlib.contextmanager
def interrupt_wakeup() -> Iterator[int | None]:
    """The read end of a pipe that gets a byte whenever a signal with a Python handler arrives.

    None off the main thread (only the main thread handles signals, and sets the wake-up fd).
    """
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        try:
            yield read_end
        finally:
            signal.set_wakeup_fd(previous)
    finally:
        os.close(read_end)
        os.close(write_end)


def wait_readable(fd: int, wakeup: int | None) -> bool:
    """Wait until ``fd`` can be read (True), or a signal arrived (False: its handler runs next)."""
    if wakeup is None:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(wakeup, select.POLLIN)
    ready = {ready_fd for ready_fd, _events in poller.poll()}
    if wakeup in ready:
        with contextlib.suppress(BlockingIOError):
            while os.read(wakeup, 512):
                pass
    return fd in ready
