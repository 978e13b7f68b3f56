"""`sync --dry-run` predicts the final uninstall step from uv.lock's dependency graph."""

from __future__ import annotations

from hpm.apply.sync import predicted_uninstall

LOCK = b"""
version = 1

[[package]]
name = "app"
source = { virtual = "." }
dependencies = [{ name = "a" }, { name = "c" }]

[package.optional-dependencies]
extra = [{ name = "e" }]

[[package]]
name = "a"
dependencies = [{ name = "b" }, { name = "only-a" }]

[[package]]
name = "b"

[[package]]
name = "only-a"

[[package]]
name = "c"
dependencies = [{ name = "b" }]

[[package]]
name = "e"
dependencies = [{ name = "only-a" }]
"""


def test_what_nothing_else_reaches_leaves() -> None:
    assert predicted_uninstall(LOCK, "app", ["c"]) == ("c",)  # b is still needed by a
    assert predicted_uninstall(LOCK, "app", ["a"]) == ("a",)  # only-a: the extra still needs it
    assert predicted_uninstall(LOCK, "app", ["a", "c"]) == ("a", "b", "c")
    assert predicted_uninstall(LOCK, "app", []) == ()
    assert predicted_uninstall(None, "app", ["a"]) == ()
