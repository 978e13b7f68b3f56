"""Turn a registry source into the requirement string hpm hands to ``uv add``.

Pure: no file is read. The forms, all PEP 508 so that uv records them in ``pyproject.toml``:

- git: ``name @ git+URL@ref#subdirectory=sub`` (no ``@ref`` when the registry gives none);
- path: ``name @ ./rel/path`` or ``name @ ../rel/path``, *relative to the project directory*.
  uv then writes ``[tool.uv.sources] name = { path = "../rel/path" }`` with the relative path, so
  the project stays relocatable together with its registry (an absolute path would be recorded
  absolute, checked with uv 0.13);
- index: ``name<specifier>`` (e.g. ``metric-bleu>=0.3``), or the bare name;
- extras as ``name[a,b]`` and a marker as ``; marker`` on any of them.

Editable paths use the same string: ``--editable`` is a flag on the whole ``uv add`` call, so the
plan puts editable requirements in a separate ``uv add --editable`` call. In ``hpm.lock`` they are
recorded with the prefix ``-e `` (pip's spelling) so that switching ``editable`` on or off counts
as a change.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from hpm.names import is_valid_name
from hpm.registry.catalog import Source

EDITABLE_PREFIX = "-e "


def requirement(name: str, source: Source, *, project_dir: Path, verify: bool = True) -> str:
    """The PEP 508 requirement for package ``name`` from ``source``, seen from ``project_dir``.

    The string is parsed back with ``packaging`` and must give exactly the parts it was built
    from (name, extras, URL, specifier, marker): what uv reads is what the registry check passed.
    ``verify`` False skips that (``hpm sync`` builds its plan so while ``packaging`` is not yet
    loaded, and builds it again with ``verify`` before uv is given the string).
    """
    if not is_valid_name(name) or name.startswith("-"):
        raise ValueError(f"not a PEP 508 package name: {name!r}")
    head = f"{name}[{','.join(source.extras)}]" if source.extras else name
    kind = source.kind
    url = None
    if kind == "git":
        url = f"git+{source.git}"
        if source.ref:
            url += f"@{source.ref}"
        if source.subdirectory:
            url += f"#subdirectory={source.subdirectory}"
    elif kind == "path":
        assert source.path is not None
        url = path_reference(source.path, project_dir)
    text = f"{head} @ {url}" if url else f"{head}{source.version or ''}"
    if source.marker:
        text += f" ; {source.marker}"
    if verify:
        _verify(text, name, source, url)
    return text


def split_git_url(url: str) -> tuple[str, str | None, str]:
    """``(repository, ref, fragment)`` of a ``git+URL@REF#FRAGMENT`` requirement URL (the form
    :func:`requirement` writes); ``ref`` is None when the URL has no ``@REF``. An ``@`` starts
    the ref only when a ``/`` comes before it and none after (``ssh://git@host/repo`` has none)."""
    base, _, fragment = url.partition("#")
    head, sep, tail = base.rpartition("@")
    if sep and "/" not in tail and "/" in head:
        return head, tail, fragment
    return base, None, fragment


def _verify(text: str, name: str, source: Source, url: str | None) -> None:
    """Parse ``text`` with ``packaging``; ValueError unless it holds exactly the intended parts."""
    from packaging.markers import Marker
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import SpecifierSet

    try:
        parsed = Requirement(text)
    except InvalidRequirement as e:
        raise ValueError(f"not a valid requirement: {text!r} ({e})") from e
    expected_marker = Marker(source.marker) if source.marker else None
    if (
        parsed.name != name
        or parsed.extras != set(source.extras)
        or parsed.url != url
        or parsed.specifier != SpecifierSet(source.version or "" if url is None else "")
        or parsed.marker != expected_marker
    ):
        raise ValueError(f"the requirement {text!r} does not say what the registry says")
    if any(not _VERSION_TEXT.fullmatch(spec.version) for spec in parsed.specifier):
        raise ValueError(f"the requirement {text!r} does not say what the registry says")


_VERSION_TEXT = re.compile(r"[A-Za-z0-9._+!*-]+")  # `===` takes any text; hpm takes only these
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._/+~-]+")


def path_reference(target: Path, project_dir: Path) -> str:
    """How a local path reaches uv: ``./rel`` or ``../rel`` when it can, else a ``file://`` URL.

    A relative path in a PEP 508 requirement cannot carry spaces, ``#``, ``;``, ``@`` or ``%``
    (uv reads them as a comment, marker, URL or escape), so a registry or project directory whose
    path holds one is given as an absolute, percent-encoded ``file://`` URL (uv then records an
    absolute path in ``[tool.uv.sources]``).
    """
    relative = relative_path(target, project_dir)
    if _PLAIN_PATH.fullmatch(relative):
        return relative
    return Path(target).resolve().as_uri()


def relative_path(target: Path, project_dir: Path) -> str:
    """``target`` relative to ``project_dir`` in POSIX form, always starting ``./`` or ``../``.

    The leading ``./`` matters: a bare ``pkgs/x`` after ``@`` is not a path to uv.
    """
    rel = PurePosixPath(Path(os.path.relpath(Path(target).resolve(), Path(project_dir).resolve())))
    text = rel.as_posix()
    return text if text.startswith("../") or text == ".." else f"./{text}"


def lock_entry(requirement_text: str, *, editable: bool) -> str:
    """How a requirement is recorded in ``hpm.lock``: editable ones carry the ``-e `` prefix."""
    return f"{EDITABLE_PREFIX}{requirement_text}" if editable else requirement_text


def split_lock_entry(entry: str) -> tuple[str, bool]:
    """The requirement string and whether it is editable, from an ``hpm.lock`` entry."""
    if entry.startswith(EDITABLE_PREFIX):
        return entry[len(EDITABLE_PREFIX) :], True
    return entry, False
