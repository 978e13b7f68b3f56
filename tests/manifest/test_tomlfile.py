"""The TOML helpers under the manifest and the lock: errors, formatting, line finding, edits."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomlkit
from hypothesis import given
from hypothesis import strategies as st

from hpm.errors import InputError
from hpm.project.tomlfile import (
    edit_text,
    format_inline,
    format_key,
    format_value,
    key_lines,
    loads,
)

GROUPS = ("tool", "hpm", "groups")


def test_syntax_error_names_file_and_line() -> None:
    with pytest.raises(InputError) as info:
        loads('a = 1\n\nb = "unterminated\n', "pyproject.toml")
    [problem] = info.value.problems
    assert (problem.file, problem.key, problem.line) == ("pyproject.toml", "", 3)
    assert problem.message.startswith("invalid TOML: ")
    assert "(at line" not in problem.message and "column" in problem.message
    assert problem.hint


def test_error_at_end_of_document_points_at_the_last_line() -> None:
    with pytest.raises(InputError) as info:
        loads("a = 1\nx = [\n", "pyproject.toml")
    [problem] = info.value.problems
    assert problem.line == 2
    assert problem.message == "invalid TOML: Invalid value at end of file"


def test_duplicate_key_is_a_syntax_error() -> None:
    with pytest.raises(InputError) as info:
        loads("[tool.hpm.groups]\na = 'x'\na = 'y'\n", "pyproject.toml")
    assert info.value.problems[0].line == 3


@pytest.mark.parametrize(
    ("key", "written"),
    [
        ("inference", "inference"),
        ("ml_x-1", "ml_x-1"),
        ("my.group", '"my.group"'),
        ("a b", '"a b"'),
    ],
)
def test_format_key(key: str, written: str) -> None:
    assert format_key(key) == written


def test_format_value() -> None:
    assert format_value("a") == '"a"'
    assert format_value(["a", "b"]) == '["a", "b"]'
    assert format_value(("a",)) == '["a"]'
    assert format_value([]) == "[]"
    assert format_value('q"\\') == '"q\\"\\\\"'


def _tomlkit_inline(value: Any) -> Any:
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        for key, item in value.items():
            table[key] = _tomlkit_inline(item)
        return table
    if isinstance(value, list):
        return [_tomlkit_inline(v) for v in value]
    return value


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_SCALARS = _TEXT | st.booleans() | st.integers()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


@given(_TEXT, st.lists(_TEXT, max_size=4), st.dictionaries(_TEXT, _VALUES, max_size=4))
def test_hpm_writes_toml_as_tomlkit_does_without_importing_it(
    text: str, texts: list[str], table: dict[str, Any]
) -> None:
    # hpm.lock is rendered without tomlkit; the bytes stay those tomlkit wrote, and TOML reads
    # every one of them back as the same value
    assert format_key(text) == tomlkit.key(text).as_string()
    assert format_value(text) == tomlkit.item(text).as_string()
    assert format_value(texts) == tomlkit.item(texts).as_string()
    assert format_inline(table) == _tomlkit_inline(table).as_string()
    document = tomllib.loads(f"k = {format_value(text)}\nt = {format_inline(table)}\n")
    assert document == {"k": text, "t": table}


def test_key_lines_follow_headers_and_skip_multiline_strings() -> None:
    text = (
        "[project]\n"  # 1
        'description = """\n'  # 2
        "[tool.hpm.groups]\n"  # 3: inside the string
        'x = "no"\n'  # 4: inside the string
        '"""\n'  # 5
        "[ tool . hpm . groups ]\n"  # 6
        '"my.g" = [\n'  # 7
        '  "a=b",\n'  # 8
        "]\n"  # 9
        "[tool]\n"  # 10
        "hpm.registry = 'r'\n"  # 11
        "hpm = { x = 1 }\n"  # 12 (invalid TOML next to 11, but the scanner does not care)
    )
    lines = key_lines(text)
    assert lines[("tool", "hpm", "groups")] == 6
    assert lines[("tool", "hpm", "groups", "my.g")] == 7
    assert lines[("tool", "hpm", "registry")] == 11
    assert ("tool", "hpm", "groups", "x") not in lines


def test_edit_refuses_an_array_of_tables() -> None:
    text = "[[tool.hpm]]\nregistry = 'r'\n"
    with pytest.raises(InputError) as info:
        edit_text(text, GROUPS, {"a": "b"}, "pyproject.toml")
    assert info.value.problems[0].key == "tool.hpm"
    assert "array of tables" in info.value.problems[0].message


def test_mixed_line_endings_are_left_alone() -> None:
    text = "[project]\r\nname = 'x'\n\n[tool.hpm.groups]\na = 'b'\n"
    out = edit_text(text, GROUPS, {"c": "d"}, "pyproject.toml")
    assert out == text + 'c = "d"\n'


def test_edit_is_pure_and_keeps_unrelated_text() -> None:
    text = "# top\n\n[tool.other]  # x\nk = 1\n"
    out = edit_text(text, GROUPS, {"a": ["x"]}, "pyproject.toml")
    assert out.startswith(text)
    assert out == text + '\n[tool.hpm.groups]\na = ["x"]\n'
