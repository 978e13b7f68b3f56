"""A signal that lands while hpm waits for uv's output ends the wait, however it lands.

CPython runs the Python handler that raises KeyboardInterrupt only between bytecodes. A signal
that arrives just before the blocking read starts (seen once under load, as a hang of
``tests/cli/test_interrupts.py``), or that the kernel hands to another thread, is recorded but
does not interrupt the read. The test produces that state exactly: a second thread takes the
signal once the main thread is blocked waiting for uv (its state read from /proc, not timed).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpm.apply import uv as uvcmd
from hpm.apply.process import Child

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _blocked(task: Path) -> bool:
    """True when the thread sleeps in a system call other than a lock (the GIL) wait."""
    try:
        state = (task / "stat").read_text().rsplit(") ", 1)[1][:1]
        wchan = (task / "wchan").read_text()
    except OSError:
        return False
    return state == "S" and "futex" not in wchan


def _signal_once_blocked(main: int, signum: int) -> None:
    """In this (non-main) thread: wait until ``main`` blocks, then take ``signum`` here."""
    task = Path(f"/proc/self/task/{main}")
    while not _blocked(task):
        os.sched_yield()
    signal.pthread_kill(threading.get_ident(), signum)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[1][:1] != "Z"


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT as `python -m hpm` has it (a test runner's worker may have changed it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("on_terminal", [False, True], ids=["pipe", "terminal"])
def test_a_signal_taken_while_hpm_waits_for_uv_stops_uv_and_raises(
    tmp_path: Path, ctrl_c_raises: None, on_terminal: bool
) -> None:
    children: list[Child] = []
    main = threading.get_native_id()

    def started(child: Child) -> None:
        children.append(child)
        threading.Thread(target=_signal_once_blocked, args=(main, signal.SIGINT)).start()

    terminal = os.open(os.devnull, os.O_WRONLY) if on_terminal else None
    try:
        with pytest.raises(KeyboardInterrupt):
            uvcmd.run(["sleep", "3600"], tmp_path, on_start=started, terminal=terminal)
    finally:
        if terminal is not None:
            os.close(terminal)
    [child] = children
    assert not _alive(child.pid)  # uv's group was killed before the interrupt went on
