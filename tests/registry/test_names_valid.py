"""hpm.names.is_valid_name decides as packaging's PEP 508 check does (without importing it);
normal_name is is_valid_name and normalize in one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import InvalidName, canonicalize_name

from hpm.names import is_valid_name, normal_name, normalize


def packaging_says(name: str) -> bool:
    """packaging's verdict, and ASCII only (uv's grammar is ASCII; packaging's regular
    expression is case-insensitive and so lets look-alikes such as the Kelvin sign through)."""
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return False
    return name.isascii()


@pytest.mark.parametrize(
    "name",
    [
        "torch",
        "Torch_Vision.x-1",
        "a",
        "9",
        "",
        "-a",
        "a-",
        "a.",
        "_a",
        "a b",
        "a\n",
        "\u017fix",  # LATIN SMALL LETTER LONG S: 's' to a case-insensitive match
        "\u212a",  # KELVIN SIGN: 'k' to a case-insensitive match
        "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit to \d
        "caf\u00e9",
        "a..b",
        "a--b__c",
    ],
)
def test_named_cases(name: str) -> None:
    assert is_valid_name(name) is packaging_says(name)


@given(st.text(alphabet=st.sampled_from("aZ09._- \n\u017f\u212a\u0661\u00e9"), max_size=6))
def test_any_text_as_packaging_decides(name: str) -> None:
    assert is_valid_name(name) is packaging_says(name)


@given(st.text(alphabet=st.sampled_from("aZ09._- \n\u017f\u212a\u0661\u00e9"), max_size=6))
def test_normal_name_is_validate_then_normalize(name: str) -> None:
    assert normal_name(name) == (normalize(name) if is_valid_name(name) else None)
