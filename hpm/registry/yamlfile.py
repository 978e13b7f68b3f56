"""Reading one registry YAML file into plain values plus a key-path -> line map.

This is the only module of hpm that imports ``yaml``. :func:`read_document` reads the bytes
(:func:`read_registry_bytes`: regular files only, without blocking, at most
``MAX_BYTES`` + 1 bytes) and hands them to :func:`parse_document`, which builds dicts, lists and
scalars itself (never PyYAML's constructed document), so that

- every value's line is known (``Document.line(path)``), for messages that point at it;
- aliases are refused (a billion-laughs document is never expanded);
- nesting deeper than ``MAX_DEPTH`` is refused;
- tags that would construct objects are refused (scalars go through PyYAML's *safe*
  constructor, which knows only the standard YAML types);
- duplicate keys, which PyYAML would silently let the last one win, are reported.

Two paths give the same result. The fast one lets libyaml parse and compose the whole file in C
(``yaml.CSafeLoader``; libyaml 0.2.6 and later also stop at 1,000 levels of nesting) and walks
the node tree, taking each value's line from its node's start mark. It accepts only clean
documents: at the first alias (a node met twice), unknown tag, over-deep nesting, non-string or
duplicate key, or YAML error, the file is parsed again on the precise path, which walks the
parser's *events* one by one and reports the problem at its line (the event walk refuses an
alias at its ``*name``, before anything is expanded).

Limits and what each is for (see also docs/): ``MAX_BYTES`` bounds the work and memory of
reading and parsing one file (both are linear in its size); the ban on aliases and merge keys
stops a small file from standing for an exponentially large value; ``MAX_DEPTH`` bounds
recursion in the checks that walk a value; the tag ban keeps registry data from constructing
objects. There is no cap on the *number* of values in a file: a plain large file (the rules of
a 15,000-option feature model) costs time in proportion to its size, which ``MAX_BYTES``
already bounds.

Every failure is a :class:`~hpm.errors.Problem` with the file and, where YAML gives one, the line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml import events
from yaml.nodes import ScalarNode, SequenceNode

from hpm.errors import Problem
from hpm.fsutil import REGISTRY_FILE_LIMIT, FileRefused, read_limited

MAX_BYTES = REGISTRY_FILE_LIMIT
MAX_DEPTH = 50

KeyPath = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAGS = {None, "!", "tag:yaml.org,2002:map"}
_SEQ_TAGS = {None, "!", "tag:yaml.org,2002:seq"}
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "timestamp")
)


def _libyaml_bounds_nesting() -> bool:
    """libyaml refuses nesting beyond 1,000 levels from 0.2.6 on; before, its C composer
    would recurse as deep as the file nests (a crash, not an error), so it is not used."""
    try:
        from yaml import _yaml
    except ImportError:
        return False
    version = tuple(int(part) for part in _yaml.get_version_string().split(".")[:3])
    return version >= (0, 2, 6) and hasattr(yaml, "CSafeLoader")


#: Plain scalars' resolved tags, shared by every file (names repeat across a registry), for
#: the values that start like an implicit type (``f-1a2b``, ``n-3c4d``: bool's and null's ``f``
#: and ``n``).
_RESOLVED: dict[str, str] = {}


class _Composer(_Loader):  # type: ignore[misc, valid-type]
    """The C loader with the resolution of plain scalars memoised and no path resolvers."""

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:  # SafeLoader has no path resolvers: the default tags
            return _SEQ if kind is SequenceNode else _MAP
        if not isinstance(value, str):
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # quoted or tagged: no implicit resolution (SafeLoader's rule)
            return _STR
        if value[:1] not in _IMPLICIT_FIRST:  # no implicit type starts so: a string
            return _STR
        tag = _RESOLVED.get(value)
        if tag is None:
            if len(_RESOLVED) > 200_000:  # a long-running process: keep the memo bounded
                _RESOLVED.clear()
            tag = _RESOLVED[value] = super().resolve(kind, value, (True, False))
        return tag

    # No path resolvers (SafeLoader registers none): nothing to track. The C composer calls
    # both for every node; built-in callables that ignore their arguments cost no Python frame.
    descend_resolver = slice
    ascend_resolver = tuple


#: The first characters of the values that an implicit type (bool, int, float, null, timestamp,
#: merge, value) can match; a plain scalar starting otherwise is a string ('' is null's).
_IMPLICIT_FIRST = frozenset(_Composer.yaml_implicit_resolvers)
_FAST = _libyaml_bounds_nesting()


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed YAML file: its value and the 1-based line of every key path in it."""

    file: str  # as shown to the user, relative to the registry root
    data: object
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        line = self.lines.get(path)
        if line is not None:
            return line
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


def read_registry_bytes(path: str | Path, display: str) -> tuple[bytes | None, Problem | None]:
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
    """Read and parse ``path`` (shown as ``display``) into a :class:`Document`.

    Returns ``(None, problems)`` when the file cannot be used, else the document and any
    problems that did not stop parsing (duplicate or non-string keys).
    """
    raw, problem = read_registry_bytes(path, display)
    if raw is None:
        return None, [problem] if problem else []
    return parse_document(raw, display)


def parse_document(raw: bytes, display: str) -> tuple[Document | None, list[Problem]]:
    """Parse a file's bytes (see the module docstring for the two paths)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad_line = raw[: e.start].count(b"\n") + 1
        return None, [
            Problem(display, "", "file is not valid UTF-8", "save it as UTF-8", line=bad_line)
        ]
    if not text or text.isspace():  # (not text.strip(), without copying the text)
        return None, [Problem(display, "", "empty file")]
    if _FAST:
        built = _from_nodes(text)
        if built is not None:
            data, lines = built
            if data is None:
                return None, [Problem(display, "", "empty file", line=None)]
            return Document(display, data, MappingProxyType(lines)), []
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


class _Unclean(Exception):
    """The fast path met something only the precise path reports well."""


def _from_nodes(text: str) -> tuple[object, dict[KeyPath, int]] | None:
    """The value and line map from libyaml's node tree, or None: use the precise path."""
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if node is None:
        return None, {}
    # An alias needs an anchor (``&name``; an undefined one fails to compose): without a ``&``
    # in the text no node can be shared, and the walk need not remember the nodes it met.
    walk = _Walk(loader.construct_object, set() if "&" in text else None)
    walk.lines[()] = node.start_mark.line + 1
    try:
        return walk.value(node, (), 0), walk.lines
    except (_Unclean, yaml.YAMLError):
        return None


class _Walk:
    """One walk over a composed node tree (a class, not a recursive closure: a closure that
    calls itself is a reference cycle, which kept every file's line map and nodes alive until
    the garbage collector ran, and made it run often)."""

    __slots__ = ("construct", "lines", "seen")

    def __init__(self, construct: Callable[[yaml.Node], object], seen: set[int] | None) -> None:
        self.construct = construct
        self.lines: dict[KeyPath, int] = {}
        self.seen = seen  # ids of the nodes met, when the text could share one (an alias)

    def value(self, node: yaml.Node, path: KeyPath, depth: int) -> object:
        seen = self.seen
        if seen is not None:
            if id(node) in seen:  # the composer shares an anchored node with its aliases
                raise _Unclean
            seen.add(id(node))
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in _PLAIN_TAGS:
            return self.construct(node)
        if depth >= MAX_DEPTH:
            raise _Unclean
        lines = self.lines
        depth += 1
        if tag == _SEQ:
            items = []
            for i, item in enumerate(node.value):
                at = (*path, i)
                lines[at] = item.start_mark.line + 1
                if item.tag == _STR and seen is None:
                    items.append(item.value)
                else:
                    items.append(self.value(item, at, depth))
            return items
        if tag != _MAP:  # another tag, or a scalar with an unknown one
            raise _Unclean
        mapping: dict[str, object] = {}
        for key_node, item in node.value:
            key = key_node.value
            if key_node.tag != _STR or key in mapping:
                raise _Unclean  # a non-string or duplicate key: reported by the precise path
            if seen is not None:
                if id(key_node) in seen:
                    raise _Unclean
                seen.add(id(key_node))
            at = (*path, key)
            lines[at] = key_node.start_mark.line + 1
            if item.tag == _STR and seen is None:
                mapping[key] = item.value
            else:
                mapping[key] = self.value(item, at, depth)
        return mapping


def _build(loader: yaml.SafeLoader, display: str, soft: list[Problem]) -> tuple[object, dict]:
    """Walk the event stream, building the document's value and its line map."""
    lines: dict[KeyPath, int] = {}
    stack: list[_Frame] = []
    root: list[object] = []
    documents = 0

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
            place(_scalar(loader, event), line, event)
        elif isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
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


@functools.lru_cache(maxsize=1 << 16)  # the same paths recur in every file of a registry
def key_text(path: KeyPath) -> str:
    """``("options", 2, "requires", 0)`` as ``options[2].requires[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(tag: str | None) -> str:
    return str(tag).replace("tag:yaml.org,2002:", "!!")
