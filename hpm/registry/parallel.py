"""Parsing a large registry's files on two cores.

Parsing is most of a cold load (libyaml composing each file's node tree through PyYAML's C
binding, then the walk into plain values; see :mod:`hpm.registry.yamlfile`), and one file's
parse does not depend on another's. When the files to parse add up to at least
``PARALLEL_FROM`` bytes, :class:`ParsedFiles` forks a child process that parses the last files
(``CHILD_SHARE`` of the bytes) while this process parses and checks the first ones as the
loader asks for them. The child sends back, through a pipe, each *clean* document's value and
line map only (``marshal``: dicts, lists, strings, numbers; data, never code); this process
parses again whatever the child did not send (a file with a problem, a value ``marshal`` cannot
carry such as a timestamp, or all of its share when the child failed), so every problem is
found and worded by this process, by the same :func:`~hpm.registry.yamlfile.parse_document`:
the documents are the same as when every file is parsed here.

The child touches nothing but the bytes it was given: it ends with ``os._exit`` (no ``atexit``
handler, no buffered output flushed twice, an exception never printed), runs with the default
action for SIGINT, SIGTERM and SIGHUP (blocked around the fork, so no handler of this process
ever runs in the child), gets SIGKILL from the kernel the moment this process dies, however it
dies (:mod:`hpm.deathsig`, armed first thing; ``kill -9`` of hpm leaves no child parsing), and is
killed and reaped when this process stops early (:meth:`ParsedFiles.close`). Where ``os.fork``
is missing or fails, or SIGCHLD is ignored (the child could not be waited for), this process
parses everything.

A fork copies only the thread that forks: a lock another thread held at that moment stays held
in the child for ever. So the child's path takes no lock of its own: it imports nothing (every
module it runs, ``yaml``'s C binding and constructors and the ``utf-8-sig`` codec included, is
loaded before the fork; ``prctl`` is looked up before it too), logs and prints nothing, and
writes only to its pipe (``os.write``); what remains is the interpreter's and libc's own state,
which CPython and glibc reset in a forked child (the GIL, the import lock, ``malloc``'s arenas).

The CPU time of the load grows by the child's start and the transfer; its wall time drops on a
machine with a free core (see benchmarks/README.md, Cold load).
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hpm.errors import Problem
from hpm.registry.yamlfile import Document, parse_document

#: Below this many bytes in all, one process parses everything: a fork and the transfer cost a
#: few milliseconds, and a registry this small parses in less than a tenth of a second.
PARALLEL_FROM = 256 * 1024
#: The child's share of the bytes, the last files: a little less than half, as this process
#: checks its own files while the child parses (found best on automotive2_4, 0.4-0.6 tried).
CHILD_SHARE = 0.45

Parsed = tuple[Document | None, list[Problem]]


class ParsedFiles:
    """``parse_document(raw, display)`` of each file, by index, parsed when asked for; the last
    files (``CHILD_SHARE`` of the bytes) by a child process meanwhile when there are enough
    (see the module docstring). :meth:`close` ends the child if it still runs."""

    def __init__(self, files: Sequence[tuple[bytes, str]]) -> None:
        self.files = files
        big = sum(len(raw) for raw, _ in files) >= PARALLEL_FROM
        self.child = _Child.start(files) if big else None
        self.first = self.child.first if self.child else len(files)  # the child's first file
        self.sent: dict[int, Parsed] = {}

    def __getitem__(self, index: int) -> Parsed:
        if index >= self.first and self.child is not None:  # the first of the child's files
            child, self.child = self.child, None
            try:
                for i, data, lines in child.collect():
                    self.sent[i] = (Document(self.files[i][1], data, MappingProxyType(lines)), [])
            finally:
                child.stop()
        found = self.sent.pop(index, None)
        return found if found is not None else parse_document(*self.files[index])

    def close(self) -> None:
        if self.child is not None:
            self.child.stop()
            self.child = None


@dataclass(slots=True)
class _Child:
    pid: int
    read_end: int | None  # None once closed
    first: int  # the child parses files[first:]
    reaped: bool = False

    @classmethod
    def start(cls, files: Sequence[tuple[bytes, str]]) -> _Child | None:
        """Fork a child parsing the last files; None when forking is not possible."""
        if not hasattr(os, "fork"):
            return None
        import signal

        from hpm import deathsig

        first = _split(files)
        if first >= len(files) or signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
            # ignored SIGCHLD (inherited through exec): the system would reap the child at once,
            # and its pid, free again, could be another process's by the time hpm kills it
            return None
        held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        prctl, parent = deathsig.prctl(), os.getpid()  # looked up here: the child looks up nothing
        b"".decode("utf-8-sig")  # the codec parse_document uses, loaded here (an import)
        read_end, write_end = os.pipe()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
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
                deathsig.die_with(parent, prctl)  # a killed hpm leaves no child parsing
                for number in held:
                    signal.signal(number, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                _send(write_end, files, first)
                code = 0
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end, first)

    def collect(self) -> list[tuple[int, object, dict]]:
        """What the child sent: ``(index, value, lines)`` of its clean documents ([] when it
        failed: this process then parses its share)."""
        chunks = []
        assert self.read_end is not None
        while chunk := os.read(self.read_end, 1 << 20):
            chunks.append(chunk)
        self._close()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # SIGCHLD ignored (inherited): its exit status is unknown
            status = -1
        self.reaped = True
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return []
        try:
            sent = marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return []
        return sent if isinstance(sent, list) else []

    def stop(self) -> None:
        """Kill and reap the child unless :meth:`collect` did (this process stopped early)."""
        self._close()
        if self.reaped:
            return
        import signal

        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped by the system (SIGCHLD ignored)
            os.waitpid(self.pid, 0)
        self.reaped = True

    def _close(self) -> None:
        if self.read_end is not None:
            read_end, self.read_end = self.read_end, None
            os.close(read_end)


def _split(files: Sequence[tuple[bytes, str]]) -> int:
    """The index from which the child's share (``CHILD_SHARE`` of the bytes) starts."""
    total = sum(len(raw) for raw, _ in files)
    share, first = 0, len(files)
    while first > 0 and share + len(files[first - 1][0]) <= total * CHILD_SHARE:
        first -= 1
        share += len(files[first][0])
    return first


def _send(fd: int, files: Sequence[tuple[bytes, str]], first: int) -> None:
    """The child's work: parse ``files[first:]``, write the clean ones' values to ``fd``."""
    sent = []
    for i in range(first, len(files)):
        doc, problems = parse_document(*files[i])
        if doc is not None and not problems:
            sent.append((i, doc.data, dict(doc.lines)))
    try:
        blob = marshal.dumps(sent)
    except ValueError:  # a value marshal cannot carry (a timestamp): leave those to the parent
        blob = marshal.dumps([entry for entry in sent if _carried(entry)])
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)


def _carried(entry: tuple[int, Any, dict[Any, Any]]) -> bool:
    try:
        marshal.dumps(entry)
    except ValueError:
        return False
    return True
