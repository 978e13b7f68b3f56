"""Reading ``indexes.yaml``: the package indexes that options route packages to.

The file is optional and holds a list::

    - name: pytorch-cu124                           # uv's index name (ASCII letters, digits, -_.)
      url: https://download.pytorch.org/whl/cu124   # or a directory, relative to the registry root
      explicit: true                                # default true: only routed packages use it
      format: flat                                  # optional: a find-links style directory/page

A ``url`` that is not ``http://`` or ``https://`` is a local directory: relative to the registry
root, it must exist and stay inside the root (as ``path`` sources must). hpm writes each index a
chosen option uses to ``[[tool.uv.index]]`` with these fields (a directory as a path relative to
the project, as uv resolves it).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from hpm.errors import Problem
from hpm.names import did_you_mean
from hpm.registry.catalog import Index
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.sources import local_path
from hpm.registry.yamlfile import Document
from solver.model import Origin

INDEXES_FILE = "indexes.yaml"
INDEX_KEYS = ("name", "url", "explicit", "format", "override")
FORMATS = ("flat",)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # uv: alphanumerics, `-`, `_`, `.` (ASCII)
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f\"'<>\\`]")


def read_indexes(doc: Document, root: Path, problems: list[Problem]) -> dict[str, Index]:
    """The indexes of ``doc`` (the parsed ``root/indexes.yaml``) by name; problems reported."""
    check = FileChecker(doc, problems, prefix="indexes")
    if not isinstance(doc.data, list):
        check.report((), f"{INDEXES_FILE} must be a list of indexes, not {type_name(doc.data)}")
        return {}
    indexes: dict[str, Index] = {}
    for i, item in enumerate(doc.data):
        index = _read_index(check, item, (i,), root)
        if index is None:
            continue
        if index.name in indexes:
            first = indexes[index.name].origin
            check.report(
                (i, "name"),
                f"index `{index.name}` is also declared at line {first.line} ({first.key})",
                "index names are unique",
            )
            continue
        indexes[index.name] = index
    return indexes


def _read_index(check: FileChecker, item: object, at: tuple, root: Path) -> Index | None:
    if not isinstance(item, dict):
        check.report(at, f"an index is a mapping with `name` and `url`, not {type_name(item)}")
        return None
    before = len(check.problems)
    check.check_keys(item, at, INDEX_KEYS)
    name = check.get_str(item, at, "name", required=True)
    if name is not None and not _NAME.match(name):
        check.report(
            (*at, "name"),
            f"`{name}` is not a valid index name",
            "uv index names use ASCII letters, digits, `-`, `_` and `.`, e.g. `pytorch-cu124`",
        )
    url = check.get_str(item, at, "url", required=True)
    explicit = check.get(item, at, "explicit", bool)
    form = check.get_str(item, at, "format")
    if form is not None and form not in FORMATS:
        hint = did_you_mean(form, FORMATS) or "leave `format` out for a simple API index"
        check.report((*at, "format"), f"unknown index format `{form}` (expected `flat`)", hint)
    location: dict = {}
    if url is not None:
        location = _location(check, url, (*at, "url"), root)
    if len(check.problems) > before or name is None or not location:
        return None
    return Index(
        name=name,
        explicit=explicit if isinstance(explicit, bool) else True,
        format=form,
        override=check.get(item, at, "override", bool) is True,
        origin=Origin(check.file, check.key(at), check.line(at)),
        **location,
    )


def _location(check: FileChecker, url: str, where: tuple, root: Path) -> dict:
    """``{"url": ...}`` for an http(s) URL, ``{"path": ...}`` for a directory in the registry."""
    if "://" not in url:
        resolved = local_path(check, url, where, root)
        if resolved is None:
            return {}
        if not resolved.is_dir():
            check.report(where, f"`{url}` is not a directory")
            return {}
        return {"path": resolved}
    if url.startswith("-") or _URL_FORBIDDEN.search(url):
        check.report(where, f"bad index URL `{url}`: whitespace, quotes or control characters")
        return {}
    try:
        parts = urlsplit(url)
    except ValueError as e:
        check.report(where, f"bad index URL `{url}`: {e}")
        return {}
    if parts.scheme not in ("http", "https") or not parts.hostname:
        check.report(
            where,
            f"bad index URL `{url}`: expected https://host/... or a directory in the registry",
            "a local index is a directory relative to the registry root, e.g. `indexes/cpu`",
        )
        return {}
    return {"url": url}
