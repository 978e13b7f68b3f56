"""Names as PEP 503 and PEP 508 define them, normalised once at the edge."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[-_.]+")
# PEP 508: ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ (case-insensitive), ASCII only
_NAME = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
# A name already in its normal form: valid (PEP 508) and unchanged by normalize.
_NORMAL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid PEP 508 distribution name, as ``packaging`` decides.

    ASCII letters and digits with ``.``, ``_`` or ``-`` inside: no trailing newline, no look-alike
    such as ``ſix`` or the Kelvin sign (which a case-insensitive regular expression lets through).
    PEP 508's own expression, written with ASCII classes instead of ``packaging.utils``
    (importing that loads ``packaging.tags``, ``logging`` and ``sysconfig``: ~8 ms of every
    command's start-up); a test compares the two.
    """
    return _NAME.fullmatch(name) is not None


def normal_name(name: str) -> str | None:
    """``name`` normalised if it is a valid PEP 508 name, else None (one check for both)."""
    if _NORMAL.fullmatch(name):  # how a registry spells nearly every name: nothing to do
        return name
    return normalize(name) if is_valid_name(name) else None


def shown(text: str) -> str:
    """``text`` as a message may quote it: escaped when it holds non-ASCII or control characters."""
    return text if text.isascii() and text.isprintable() else ascii(text)[1:-1]


def normalize(name: str) -> str:
    """The PEP 503 normal form: lower case, runs of ``-_.`` become one ``-``."""
    return _SEPARATORS.sub("-", name).lower()


def close_matches(word: str, choices: Iterable[str]) -> tuple[str, ...]:
    """At most three of ``choices`` the user may have meant by ``word``: close spellings first,
    then names that contain ``word`` as whole ``-``-separated parts (``git`` -> ``hello-git``)."""
    import difflib  # only when a name was not found

    names = list(choices)
    close = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    if word:
        close += [c for c in names if f"-{word}-" in f"-{c}-" and c not in close]
    return tuple(close[:3])


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The one "did you mean `x`?" hint of hpm, or ``""`` when nothing is close."""
    close = close_matches(word, choices)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
