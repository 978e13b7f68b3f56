"""Names as PEP 503 and PEP 508 define them, normalised once at the edge."""

from __future__ import annotations

import re

# PEP 508 name: letters/digits, with ., _ or - inside; must start and end with a letter or digit.
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_.]+")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid PEP 508 distribution name."""
    return bool(_NAME.match(name))


def normalize(name: str) -> str:
    """The PEP 503 normal form: lower case, runs of ``-_.`` become one ``-``."""
    return _SEPARATORS.sub("-", name).lower()
