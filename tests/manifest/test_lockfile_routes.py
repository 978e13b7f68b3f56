"""hpm.lock records the index entries and routes hpm wrote; older locks without them still read."""

from __future__ import annotations

from pathlib import Path

from hpm.project.lockfile import LockState, read_lock, render_lock, write_lock


def test_sources_and_indexes_round_trip(tmp_path: Path) -> None:
    state = LockState(
        "../registry",
        "sha256:x",
        {"accelerator": "cpu"},
        {"torch": "torch>=2.5"},
        sources={"torch": "pytorch-cpu"},
        indexes={"pytorch-cpu": {"url": "https://download.pytorch.org/whl/cpu", "explicit": True}},
    )
    write_lock(tmp_path, state)
    text = (tmp_path / "hpm.lock").read_text()
    assert '[sources]\ntorch = "pytorch-cpu"\n' in text
    assert (
        '[indexes]\npytorch-cpu = { url = "https://download.pytorch.org/whl/cpu", explicit = true }'
    ) in text
    assert read_lock(tmp_path) == state


def test_a_lock_without_routes_has_no_such_tables(tmp_path: Path) -> None:
    text = render_lock(LockState("r", "d", {}, {"a": "a"})).decode()
    assert "[sources]" not in text and "[indexes]" not in text
