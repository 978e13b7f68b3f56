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

The child (:class:`hpm.forked.Forked`: it dies with hpm, takes no lock, is killed and reaped when
this process stops early, :meth:`ParsedFiles.close`) runs nothing that is not loaded before the
fork: ``yaml``'s C binding and constructors and the ``utf-8-sig`` codec. Where there is no child
(see :mod:`hpm.forked`), this process parses everything.

The CPU time of the load grows by the child's start and the transfer; its wall time drops on a
machine with a free core (see benchmarks/README.md, Cold load).
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hpm.errors import Problem
from hpm.forked import Forked
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
    forked: Forked
    first: int  # the child parses files[first:]

    @property
    def pid(self) -> int:
        return self.forked.pid

    @classmethod
    def start(cls, files: Sequence[tuple[bytes, str]]) -> _Child | None:
        """Fork a child parsing the last files; None when forking is not possible."""
        first = _split(files)
        if first >= len(files):
            return None
        b"".decode("utf-8-sig")  # the codec parse_document uses, loaded here (an import)
        forked = Forked.start(lambda: _send(files, first))
        return cls(forked, first) if forked is not None else None

    def collect(self) -> list[tuple[int, object, dict]]:
        """What the child sent: ``(index, value, lines)`` of its clean documents ([] when it
        failed: this process then parses its share)."""
        blob = self.forked.result()
        if blob is None:
            return []
        try:
            sent = marshal.loads(blob)
        except (EOFError, ValueError, TypeError):
            return []
        return sent if isinstance(sent, list) else []

    def stop(self) -> None:
        """Kill and reap the child unless :meth:`collect` did (this process stopped early)."""
        self.forked.stop()


def _split(files: Sequence[tuple[bytes, str]]) -> int:
    """The index from which the child's share (``CHILD_SHARE`` of the bytes) starts."""
    total = sum(len(raw) for raw, _ in files)
    share, first = 0, len(files)
    while first > 0 and share + len(files[first - 1][0]) <= total * CHILD_SHARE:
        first -= 1
        share += len(files[first][0])
    return first


def _send(files: Sequence[tuple[bytes, str]], first: int) -> bytes:
    """The child's work: parse ``files[first:]``; the clean ones' values, marshalled."""
    sent = []
    for i in range(first, len(files)):
        doc, problems = parse_document(*files[i])
        if doc is not None and not problems:
            sent.append((i, doc.data, dict(doc.lines)))
    try:
        return marshal.dumps(sent)
    except ValueError:  # a value marshal cannot carry (a timestamp): leave those to the parent
        return marshal.dumps([entry for entry in sent if _carried(entry)])


def _carried(entry: tuple[int, Any, dict[Any, Any]]) -> bool:
    try:
        marshal.dumps(entry)
    except ValueError:
        return False
    return True
