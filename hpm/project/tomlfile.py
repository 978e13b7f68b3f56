"""TOML in and out: the only module that imports ``tomlkit``.

Values are read with the standard library's ``tomllib``. ``tomlkit`` is used only to edit a
document, so that comments, key order, spacing, line endings and every other table survive byte
for byte. Parse errors become :class:`~hpm.errors.InputError` with the line they happened on.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tomlkit

from hpm.errors import InputError, Problem
from hpm.fsutil import atomic_write, check_writable

# A value hpm writes: a string or a list of strings (None in an update means "remove the key").
Value = str | list[str] | tuple[str, ...]

_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SYNTAX_HINT = "fix the TOML syntax at that line (see https://toml.io)"


_UNREADABLE_HINT = "it must be a readable regular file"


def read_text(path: Path, display: str) -> str:
    """The file's text with its line endings untouched (FileNotFoundError propagates)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise
    except OSError as e:
        problem = Problem(display, "", f"cannot be read: {e.strerror}", _UNREADABLE_HINT)
        raise InputError(problem) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problem = Problem(display, "", "is not valid UTF-8", "save the file as UTF-8", line)
        raise InputError(problem) from e


def loads(text: str, display: str) -> dict[str, Any]:
    """Parse ``text`` with ``tomllib``; a syntax error becomes an InputError naming the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message, line, column = _split_position(str(e))
        if message.endswith("(at end of document)"):
            message = message.removesuffix("(at end of document)").rstrip() + " at end of file"
            line = len(text.splitlines()) or 1
        where = f" (column {column})" if column else ""
        problem = Problem(display, "", f"invalid TOML: {message}{where}", _SYNTAX_HINT, line)
        raise InputError(problem) from e


def format_key(key: str) -> str:
    """``key`` as TOML writes it: bare when it can be, quoted otherwise."""
    return key if _BARE_KEY.fullmatch(key) else _quoted(key)


def format_value(value: Value | int) -> str:
    """A string, an integer or a list of strings as one line of TOML (lists inline)."""
    return _format(value)


def format_inline(value: Mapping[str, Any]) -> str:
    """A table as one line of TOML (an inline table; nested tables inline too)."""
    return _format(value)


# What a TOML basic string escapes: the quote, the backslash and the control characters (TOML
# 1.0's short forms where it has one; ESC as \u001b, since \e is TOML 1.1 only).
_ESCAPED = re.compile(r'["\\\x00-\x1f\x7f]')
_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or f"\\u{ord(char):04x}"


def _quoted(text: str) -> str:
    """``text`` as a TOML basic string (non-ASCII text kept as it is)."""
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _format(value: Any) -> str:
    """One TOML value on one line, written as tomlkit writes it (the tests compare the two):
    hpm.lock is rendered without importing tomlkit; other types (floats, dates) go to tomlkit."""
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{format_key(k)} = {_format(v)}" for k, v in value.items()) + "}"
    import tomlkit  # only for what hpm itself never writes

    return tomlkit.item(value).as_string()


def edit_text(
    text: str, table: tuple[str, ...], updates: Mapping[str, Value | None], display: str
) -> str:
    """``text`` with keys of ``table`` set (or removed, for a None value); nothing else changes.

    A missing table is appended at the end of the file as ``[a.b.c]`` followed by its keys, unless
    an ancestor is an inline table (then it is added inside it). Replacing a value keeps its line,
    position and trailing comment. New lines follow the file's line endings (CRLF stays CRLF).
    The result is parsed again and checked, so a document hpm cannot edit safely is never written.
    """
    data = loads(text, display)
    existing = _walk(data, table, display)
    if existing is None and not any(v is not None for v in updates.values()):
        return text  # removing keys from a table that does not exist: nothing to do
    if existing is None and not _inside_inline_table(text, table, display):
        out = _append_table(text, table, updates)
    else:
        doc = _parse_document(text, display)
        container: Any = doc
        for depth, name in enumerate(table):
            if name not in container:
                container[name] = _nested(table[depth + 1 :], updates)
                break
            container = container[name]
        else:
            for key, value in updates.items():
                if value is None:
                    if key in container:
                        del container[key]
                else:
                    container[key] = list(value) if isinstance(value, tuple) else value
        out = doc.as_string()
    out = _match_line_endings(text, out)
    _verify(out, table, updates, display)
    return out


def edit_file(
    path: Path, table: tuple[str, ...], updates: Mapping[str, Value | None], display: str
) -> None:
    """Apply :func:`edit_text` to the file at ``path`` and write it atomically (when changed)."""
    text = read_text(path, display)
    out = edit_text(text, table, updates, display)
    if out != text:
        check_writable(Path(path), display)
        atomic_write(Path(path), out.encode("utf-8"))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Best effort: the 1-based line of every table header and key/value line, by full key path.

    Keys inside inline tables and multi-line values are not listed.
    """
    lines: dict[tuple[str, ...], int] = {}
    prefix: tuple[str, ...] = ()
    closing: str | None = None  # the delimiter of a multi-line string we are inside
    for number, line in enumerate(text.splitlines(), start=1):
        if closing is not None:
            if closing in line:
                closing = None
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            inner = stripped.lstrip("[")
            parsed = _parse_dotted_key(inner)
            if parsed is not None and parsed[1].lstrip().startswith("]"):
                prefix = parsed[0]
                lines.setdefault(prefix, number)
            continue
        parsed = _parse_dotted_key(stripped)
        if parsed is None or not parsed[1].lstrip().startswith("="):
            continue
        lines.setdefault(prefix + parsed[0], number)
        value = parsed[1].lstrip()[1:].lstrip()
        for delimiter in ('"""', "'''"):
            if value.startswith(delimiter) and delimiter not in value[3:]:
                closing = delimiter
    return lines


def edit_uv_routes(
    text: str,
    *,
    add_indexes: Sequence[Mapping[str, str | bool]] = (),
    drop_indexes: Collection[str] = (),
    sources: Mapping[str, str] = {},
    display: str = "pyproject.toml",
) -> str:
    """``text`` with ``[[tool.uv.index]]`` entries appended (``add_indexes``, each with a
    ``name``) or removed by name (``drop_indexes``), and ``[tool.uv.sources]`` set to
    ``pkg = { index = "NAME" }`` for each item of ``sources``; nothing else changes.

    An array or table left empty is removed. The result is parsed again and checked.
    """
    import tomlkit

    if not add_indexes and not drop_indexes and not sources:
        return text
    doc = _parse_document(text, display)
    uv = _child_table(_child_table(doc, "tool"), "uv")
    if drop_indexes and "index" in uv:
        entries = uv["index"]
        for position in reversed(range(len(entries))):
            if entries[position].get("name") in drop_indexes:
                del entries[position]
        if not len(entries):
            del uv["index"]
    if add_indexes:
        if "index" not in uv:
            uv.append("index", tomlkit.aot())
        for fields in add_indexes:
            entry = tomlkit.table()
            entry.update(dict(fields))
            entry.add(tomlkit.nl())  # a blank line before whatever table follows
            uv["index"].append(entry)
    if sources:
        created = "sources" not in uv
        table = _child_table(uv, "sources", super_table=False)
        for package, index in sources.items():
            route = tomlkit.inline_table()
            route["index"] = index
            table[package] = route
        if created:
            table.add(tomlkit.nl())  # a blank line before whatever table follows
    out = doc.as_string()
    if out.endswith("\n\n") and not text.endswith("\n\n"):
        out = out.rstrip("\n") + "\n"
    out = _match_line_endings(text, out)
    _verify_routes(out, add_indexes, drop_indexes, sources, display)
    return out


def _child_table(container: Any, name: str, *, super_table: bool = True) -> Any:
    import tomlkit

    if name not in container:
        container.append(name, tomlkit.table(is_super_table=super_table))
    return container[name]


def _verify_routes(
    out: str,
    add_indexes: Sequence[Mapping[str, str | bool]],
    drop_indexes: Collection[str],
    sources: Mapping[str, str],
    display: str,
) -> None:
    try:
        uv = tomllib.loads(out).get("tool", {}).get("uv", {})
    except tomllib.TOMLDecodeError:
        uv = None
    ok = isinstance(uv, dict)
    if ok:
        assert isinstance(uv, dict)
        names = [e.get("name") for e in uv.get("index", [])]
        ok = all(n not in names for n in drop_indexes) and all(
            dict(f) in uv.get("index", []) for f in add_indexes
        )
        routes = uv.get("sources", {})
        ok = ok and all(routes.get(p) == {"index": i} for p, i in sources.items())
    if not ok:
        problem = Problem(
            display,
            "tool.uv",
            "hpm cannot edit [[tool.uv.index]] and [tool.uv.sources] without changing the "
            "file's meaning",
            "edit those tables by hand",
        )
        raise InputError(problem)


# -- helpers -----------------------------------------------------------------------------------


def _split_position(message: str) -> tuple[str, int | None, int | None]:
    match = _AT_LINE.search(message)
    if not match:
        return message, None, None
    return message[: match.start()], int(match.group(1)), int(match.group(2))


def _parse_document(text: str, display: str) -> tomlkit.TOMLDocument:
    import tomlkit
    import tomlkit.exceptions

    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as e:
        problem = Problem(display, "", f"invalid TOML: {e}", _SYNTAX_HINT, e.line)
        raise InputError(problem) from e


def _walk(data: Mapping[str, Any], table: tuple[str, ...], display: str) -> dict | None:
    """The table at ``table`` in parsed data, None when missing; a non-table in the way is an
    InputError."""
    current: Any = data
    for depth, name in enumerate(table):
        if name not in current:
            return None
        current = current[name]
        if not isinstance(current, dict):
            key = ".".join(table[: depth + 1])
            kind = "an array of tables" if isinstance(current, list) else type(current).__name__
            problem = Problem(
                display, key, f"must be a table, found {kind}", f"write it as [{key}]"
            )
            raise InputError(problem)
    return current


def _inside_inline_table(text: str, table: tuple[str, ...], display: str) -> bool:
    """Whether the deepest existing ancestor of ``table`` is (inside) an inline table."""
    from tomlkit.items import InlineTable

    item: Any = _parse_document(text, display)
    for name in table:
        if name not in item:
            return False
        item = item[name]
        if isinstance(item, InlineTable):
            return True
    return False


def _nested(rest: tuple[str, ...], updates: Mapping[str, Value | None]) -> Any:
    """The new keys as inline tables, for a table that must live inside an inline table."""
    import tomlkit

    leaf = tomlkit.inline_table()
    leaf.update(
        {k: list(v) if isinstance(v, tuple) else v for k, v in updates.items() if v is not None}
    )
    for name in reversed(rest):
        outer = tomlkit.inline_table()
        outer[name] = leaf
        leaf = outer
    return leaf


def _append_table(text: str, table: tuple[str, ...], updates: Mapping[str, Value | None]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    out = text
    if out and not out.endswith("\n"):
        out += newline
    if out.strip() and not out.endswith(newline * 2):
        out += newline
    header = "[" + ".".join(format_key(name) for name in table) + "]"
    body = [f"{format_key(k)} = {format_value(v)}" for k, v in updates.items() if v is not None]
    return out + newline.join([header, *body]) + newline


def _match_line_endings(original: str, out: str) -> str:
    """Give lines tomlkit added the file's CRLF endings, when the file uses CRLF throughout."""
    if "\r\n" in original and "\n" not in original.replace("\r\n", ""):
        return re.sub(r"(?<!\r)\n", "\r\n", out)
    return out


def _verify(
    out: str, table: tuple[str, ...], updates: Mapping[str, Value | None], display: str
) -> None:
    key = ".".join(table)
    try:
        current = _walk(tomllib.loads(out), table, display) or {}
    except (tomllib.TOMLDecodeError, InputError):
        current = None
    ok = current is not None and all(
        (k not in current)
        if v is None
        else current.get(k) == (list(v) if isinstance(v, tuple) else v)
        for k, v in updates.items()
    )
    if not ok:
        problem = Problem(
            display,
            key,
            "hpm cannot edit this table without changing the file's meaning",
            f"edit [{key}] by hand",
        )
        raise InputError(problem)


def _basic_string(raw: str) -> str:
    """The value of a TOML basic string's body (escapes decoded; non-ASCII text kept as it is)."""
    try:
        return str(tomllib.loads(f'k = "{raw}"')["k"])
    except tomllib.TOMLDecodeError:
        return raw


def _parse_dotted_key(text: str) -> tuple[tuple[str, ...], str] | None:
    """Parse a dotted key at the start of ``text``: (its parts, the rest), or None."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest[:1] in ('"', "'"):
            quote = rest[0]
            end = rest.find(quote, 1)
            while quote == '"' and end > 0 and rest[end - 1] == "\\":
                end = rest.find(quote, end + 1)
            if end < 0:
                return None
            raw = rest[1:end]
            parts.append(_basic_string(raw) if quote == '"' else raw)
            rest = rest[end + 1 :]
        else:
            match = _BARE_KEY.match(rest)
            if not match:
                return None
            parts.append(match.group(0))
            rest = rest[match.end() :]
        stripped = rest.lstrip()
        if not stripped.startswith("."):
            return tuple(parts), rest
        rest = stripped[1:].lstrip()
