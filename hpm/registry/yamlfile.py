"""Reading one registry YAML file into plain values plus a key-path -> line map.

This is the only module of hpm that imports ``yaml``. It never builds the PyYAML node tree:
it walks the parser's *events* and builds dicts, lists and scalars itself, so that

- every value's line is known (``Document.line(path)``), for messages that point at it;
- aliases are refused at the first ``*name`` (a billion-laughs document is never expanded);
- nesting deeper than ``MAX_DEPTH`` and more than ``MAX_NODES`` values are refused;
- tags that would construct objects are refused (scalars go through PyYAML's *safe*
  constructor, which knows only the standard YAML types);
- duplicate keys, which PyYAML would silently let the last one win, are reported.

Every failure is a :class:`~hpm.errors.Problem` with the file and, where YAML gives one, the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml import events
from yaml.nodes import ScalarNode

from hpm.errors import Problem
from hpm.fsutil import REGISTRY_FILE_LIMIT, FileRefused, read_limited

MAX_BYTES = REGISTRY_FILE_LIMIT
MAX_DEPTH = 50
MAX_NODES = 100_000

KeyPath = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAGS = {None, "!", "tag:yaml.org,2002:map"}
_SEQ_TAGS = {None, "!", "tag:yaml.org,2002:seq"}


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed YAML file: its value and the 1-based line of every key path in it."""

    file: str  # as shown to the user, relative to the registry root
    data: object
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class _Refused(Exception):
    """Stops the walk: the file cannot be used at all."""

    def __init__(self, message: str, line: int | None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(slots=True)
class _Frame:
    container: dict | list
    path: KeyPath
    key: str | None = None  # a mapping frame's pending key
    key_line: int = 0
    skip: bool = False  # the pending key was invalid: drop its value


def read_registry_bytes(path: Path, display: str) -> tuple[bytes | None, Problem | None]:
    """The bytes of a registry file, or the problem that stops hpm reading it.

    At most ``MAX_BYTES`` (+1 to notice more), never blocking, regular files only: a FIFO, a
    link to ``/dev/zero`` or ``/dev/urandom``, a ``/proc`` file is refused with the file named.
    """
    try:
        return read_limited(path, MAX_BYTES), None
    except FileRefused as e:
        hint = "registry files must be regular YAML files"
        return None, Problem(display, "", f"file {e.reason}", hint)
    except OSError as e:
        return None, Problem(display, "", f"cannot read file: {e.strerror or e}")


def read_document(path: Path, display: str) -> tuple[Document | None, list[Problem]]:
    """Parse ``path`` (shown as ``display``) into a :class:`Document`.

    Returns ``(None, problems)`` when the file cannot be used, else the document and any
    problems that did not stop parsing (duplicate or non-string keys).
    """
    raw, problem = read_registry_bytes(path, display)
    if raw is None:
        return None, [problem] if problem else []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad_line = raw[: e.start].count(b"\n") + 1
        return None, [
            Problem(display, "", "file is not valid UTF-8", "save it as UTF-8", line=bad_line)
        ]
    if not text.strip():
        return None, [Problem(display, "", "empty file")]
    soft: list[Problem] = []
    try:
        data, lines = _build(_Loader(text), display, soft)
    except _Refused as e:
        return None, [Problem(display, "", e.message, e.hint, line=e.line)]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(part for part in (e.context, e.problem) if part)
        return None, [Problem(display, "", f"invalid YAML: {message}", line=line)]
    except yaml.YAMLError as e:
        return None, [Problem(display, "", f"invalid YAML: {e}")]
    if data is None:
        return None, [Problem(display, "", "empty file", line=None)]
    return Document(display, data, MappingProxyType(lines)), soft


def _build(loader: yaml.SafeLoader, display: str, soft: list[Problem]) -> tuple[object, dict]:
    """Walk the event stream, building the document's value and its line map."""
    lines: dict[KeyPath, int] = {}
    stack: list[_Frame] = []
    root: list[object] = []
    documents = 0
    nodes = 0

    def place(value: object, line: int, start: events.Event) -> KeyPath | None:
        """Put ``value`` where the parent expects it; the path it got (None: dropped)."""
        if not stack:
            root.append(value)
            lines[()] = line
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
            lines[path] = line
            return path
        if frame.key is None:  # this value is a key
            if not isinstance(value, str):
                if isinstance(value, dict | list) or not isinstance(start, events.ScalarEvent):
                    raise _Refused("mapping keys must be plain strings", line)
                soft.append(
                    Problem(
                        display,
                        key_text(frame.path),
                        f"key `{value}` is not a string",
                        "quote it",
                        line=line,
                    )
                )
                frame.key, frame.skip = "", True
            elif value in frame.container:
                soft.append(
                    Problem(
                        display,
                        key_text((*frame.path, value)),
                        f"duplicate key `{value}`",
                        f"first written on line {lines.get((*frame.path, value))}",
                        line=line,
                    )
                )
                frame.key, frame.skip = value, True
            else:
                frame.key, frame.skip = value, False
            frame.key_line = line
            return None
        key, skip = frame.key, frame.skip
        frame.key, frame.skip = None, False
        if skip:
            return None
        path = (*frame.path, key)
        frame.container[key] = value
        lines[path] = frame.key_line
        return path

    while loader.check_event():
        event = loader.get_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, events.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused(
                    "more than one YAML document in the file",
                    line,
                    "a registry file holds one document: remove the extra `---`",
                )
        elif isinstance(event, events.AliasEvent):
            raise _Refused(
                f"YAML aliases are not allowed (`*{event.anchor}`)",
                line,
                "write the value out in full",
            )
        elif isinstance(event, events.ScalarEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _Refused(f"more than {MAX_NODES} values in one file", line)
            place(_scalar(loader, event), line, event)
        elif isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _Refused(f"more than {MAX_NODES} values in one file", line)
            if len(stack) >= MAX_DEPTH:
                raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", line)
            is_map = isinstance(event, events.MappingStartEvent)
            if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _Refused(f"YAML tag `{_short(event.tag)}` is not allowed", line)
            container: dict | list = {} if is_map else []
            path = place(container, line, event)
            stack.append(_Frame(container, path if path is not None else ("?",)))
        elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
            stack.pop()
    return (root[0] if root else None), lines


def _scalar(loader: yaml.SafeLoader, event: events.ScalarEvent) -> object:
    """The scalar's Python value, through the safe constructor (unknown tags are refused)."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    line = event.start_mark.line + 1 if event.start_mark is not None else None
    if tag == _MERGE_TAG:
        raise _Refused("merge keys (`<<`) are not allowed", line, "write the keys out in full")
    # the C parser's marks are yaml._yaml.Mark, which the stubs do not accept: same fields
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as e:
        raise _Refused(f"YAML tag `{_short(tag)}` is not allowed", line) from e


def key_text(path: KeyPath) -> str:
    """``("options", 2, "requires", 0)`` as ``options[2].requires[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(tag: str | None) -> str:
    return str(tag).replace("tag:yaml.org,2002:", "!!")
