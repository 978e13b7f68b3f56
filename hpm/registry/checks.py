"""Collecting problems while reading one parsed registry file.

A :class:`FileChecker` wraps a :class:`~hpm.registry.yamlfile.Document` and a shared problem
list; its ``get_*`` helpers check a key's type and report a problem (with file, key path, line
and a hint) instead of raising, so that the loader can report every problem at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from hpm.errors import Problem
from hpm.names import did_you_mean, normal_name, shown
from hpm.registry.yamlfile import Document, KeyPath, key_text

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
    float: "a number",
    type(None): "nothing (null)",
}


def type_name(value: object) -> str:
    """``"a string"``, ``"a list"``... for messages."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


@dataclass(slots=True)
class FileChecker:
    """Reports problems located in one document; ``prefix`` is prepended to key paths."""

    doc: Document
    problems: list[Problem]
    prefix: str = ""  # "rules" for rules.yaml, whose root is a list

    @property
    def file(self) -> str:
        return self.doc.file

    def key(self, path: KeyPath) -> str:
        """The key path as the user sees it, e.g. ``options[2].requires[0]``."""
        text = key_text(path)
        if not self.prefix:
            return text
        return self.prefix + text if text.startswith("[") or not text else f"{self.prefix}.{text}"

    def line(self, path: KeyPath) -> int | None:
        return self.doc.line(path)

    def report(self, path: KeyPath, message: str, hint: str = "") -> None:
        """Record one problem at ``path``."""
        self.problems.append(Problem(self.file, self.key(path), message, hint, self.line(path)))

    def check_keys(self, mapping: dict, path: KeyPath, allowed: Collection[str]) -> None:
        """Report every key of ``mapping`` not in ``allowed``, with a did-you-mean hint."""
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or "known keys: " + ", ".join(
                    f"`{k}`" for k in allowed
                )
                self.report((*path, key), f"unknown key `{key}`", hint)

    def get(
        self, mapping: dict, path: KeyPath, key: str, kind: type, *, required: bool = False
    ) -> object:
        """``mapping[key]`` if it has type ``kind``; else report and return None."""
        if key not in mapping:
            if required:
                self.report(path, f"missing required key `{key}`")
            return None
        value = mapping[key]
        # bool is an int in Python, but `min: true` is not what anyone means
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        scalar = isinstance(value, int | float | bool)
        hint = "quote it to make it a string" if kind is str and scalar else ""
        self.report(
            (*path, key), f"`{key}` must be {_TYPE_NAMES[kind]}, not {type_name(value)}", hint
        )
        return None

    def get_str(
        self, mapping: dict, path: KeyPath, key: str, *, required: bool = False
    ) -> str | None:
        """A string value (or None, reported when of the wrong type)."""
        value = self.get(mapping, path, key, str, required=required)
        return value if isinstance(value, str) else None

    def get_name(self, mapping: dict, path: KeyPath, key: str = "name") -> str | None:
        """A required PEP 508 name, normalised (PEP 503); None (reported) when invalid."""
        value = self.get_str(mapping, path, key, required=True)
        if value is None:
            return None
        return self.check_name(value, (*path, key))

    def check_name(self, value: str, path: KeyPath, what: str = "name") -> str | None:
        """``value`` normalised if it is a valid PEP 508 name; else report and return None."""
        name = normal_name(value)
        if name is not None:
            return name
        self.report(
            path,
            f"`{shown(value)}` is not a valid {what}",
            "use letters, digits and `-`, `_`, `.` inside (PEP 508), e.g. `my-package`",
        )
        return None

    def get_str_list(
        self, mapping: dict, path: KeyPath, key: str
    ) -> list[tuple[str, KeyPath]] | None:
        """A list of strings (a single string counts as a list of one), with item paths."""
        if key not in mapping:
            return None
        value = mapping[key]
        if isinstance(value, str):
            return [(value, (*path, key))]
        if not isinstance(value, list):
            self.report((*path, key), f"`{key}` must be a list of strings, not {type_name(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                out.append((item, (*path, key, i)))
            else:
                self.report((*path, key, i), f"expected a string, not {type_name(item)}")
        return out
