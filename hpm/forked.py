"""Work done by a forked child process while this process does other work (a second core).

:meth:`Forked.start` forks a child that runs ``work()`` and sends the bytes it returns back
through a pipe; :meth:`Forked.result` reads them and reaps the child (None when the child
failed: the caller then does the work itself), :meth:`Forked.stop` kills and reaps a child whose
answer is not wanted any more. Callers send data only (``marshal``: tuples, lists, dicts,
strings, numbers, never code) and check what comes back as they would check their own result.
Used for the registry's parse (:mod:`hpm.registry.parallel`) and for the rule findings of
``hpm registry check``, found beside the explanations of dead options.

The child touches nothing but its work: it ends with ``os._exit`` (no ``atexit`` handler, no
buffered output flushed twice, an exception never printed), runs with the default action for
SIGINT, SIGTERM and SIGHUP (blocked around the fork, so no handler of this process ever runs in
the child), gets SIGKILL from the kernel the moment this process dies, however it dies
(:mod:`hpm.deathsig`, armed first thing: ``kill -9`` of hpm leaves no child working). Where
``os.fork`` is missing or fails, or SIGCHLD is ignored (the child could not be waited for, and
its pid, free again, could be another process's by the time hpm kills it), there is no child.

A fork copies only the thread that forks: a lock another thread held at that moment stays held
in the child for ever. So ``work`` must take no lock of its own: it imports nothing that is not
loaded yet (callers load what it runs before the fork), logs and prints nothing; the child
writes only to its pipe (``os.write``). What remains is the interpreter's and libc's own state,
which CPython and glibc reset in a forked child (the GIL, the import lock, ``malloc``'s arenas).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

from hpm import deathsig

_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(slots=True)
class Forked:
    """A child process at work; see the module docstring."""

    pid: int
    read_end: int | None  # None once closed
    reaped: bool = False

    @classmethod
    def start(cls, work: Callable[[], bytes]) -> Forked | None:
        """Fork a child running ``work``; None when forking is not possible."""
        if not hasattr(os, "fork") or signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
            return None
        prctl, parent = deathsig.prctl(), os.getpid()  # looked up here: the child looks up nothing
        read_end, write_end = os.pipe()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns
            code = 1
            try:
                deathsig.die_with(parent, prctl)  # a killed hpm leaves no child working
                for number in _HELD:
                    signal.signal(number, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                view = memoryview(work())
                while view:
                    view = view[os.write(write_end, view) :]
                os.close(write_end)
                code = 0
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> bytes | None:
        """What the child's ``work`` returned, once it has ended; None when it failed."""
        chunks = []
        assert self.read_end is not None
        while chunk := os.read(self.read_end, 1 << 20):
            chunks.append(chunk)
        self._close()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # SIGCHLD ignored since the start: its exit status is unknown
            status = -1
        self.reaped = True
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        return b"".join(chunks)

    def stop(self) -> None:
        """Kill and reap the child unless :meth:`result` did (its answer is not wanted)."""
        self._close()
        if self.reaped:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped by the system (SIGCHLD ignored)
            os.waitpid(self.pid, 0)
        self.reaped = True

    def _close(self) -> None:
        if self.read_end is not None:
            read_end, self.read_end = self.read_end, None
            os.close(read_end)
