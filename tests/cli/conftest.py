"""Fixtures for CLI tests (the helpers themselves live in ``clirun``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import RunHpm, make_demo, run_hpm


@pytest.fixture
def hpm() -> RunHpm:
    """``hpm(*args, cwd=...)``: the real command in a subprocess."""
    return run_hpm


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo project (no groups chosen yet) beside a copy of the example registry."""
    return make_demo(tmp_path)
