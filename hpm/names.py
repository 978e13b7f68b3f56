"""Names as PEP 503 and PEP 508 define them, normalised once at the edge."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# PEP 508 name: letters/digits, with ., _ or - inside; must start and end with a letter or digit.
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_.]+")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid PEP 508 distribution name."""
    return bool(_NAME.match(name))


def normalize(name: str) -> str:
    """The PEP 503 normal form: lower case, runs of ``-_.`` become one ``-``."""
    return _SEPARATORS.sub("-", name).lower()


def close_matches(word: str, choices: Iterable[str]) -> tuple[str, ...]:
    """At most three of ``choices`` the user may have meant by ``word``: close spellings first,
    then names that contain ``word`` as whole ``-``-separated parts (``git`` -> ``hello-git``)."""
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
