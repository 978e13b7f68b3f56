"""The benchmark probe's invalid selection, on the shape of the large Kconfig models."""

from __future__ import annotations

from benchmarks.probe import invalid_selection
from benchmarks.uvl_registry import uvl_to_model
from solver import Selection, check

POSITIVE = "features\n\tR\n\t\toptional\n\t\t\tA\n\t\t\tB\n\t\t\tC\nconstraints\n\tA | B\n"


def test_dropping_an_option_a_clause_needs_is_found_where_nothing_can_be_added(tmp_path):
    """Only positive clauses (as in BusyBox): no added option makes a selection invalid, so
    the probe's change is dropping the one chosen option that a clause needs."""
    path = tmp_path / "model.uvl"
    path.write_text(POSITIVE, encoding="utf-8")
    model = uvl_to_model(path)
    valid = Selection({"g-0-r": ("r",), "g-1-r": ("a", "c")})
    assert check(model, valid).status == "valid"
    found = invalid_selection(model, valid)
    assert found is not None
    bad, group = found
    assert group == "g-1-r" and bad.choices[group] == ("c",)
    assert check(model, bad).status == "invalid"
