"""Fixtures for CLI tests (the helpers themselves live in ``helpers.cli``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import RunHpm, invoke_hpm, make_demo, run_hpm


@pytest.fixture
def hpm() -> RunHpm:
    """``hpm(*args, cwd=...)``: the command, run in-process (messages, JSON, files)."""
    return invoke_hpm


@pytest.fixture
def hpm_process() -> RunHpm:
    """``hpm_process(*args, cwd=...)``: the real command in a subprocess (exit codes, signals)."""
    return run_hpm


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo project (no groups chosen yet) beside a copy of the example registry."""
    return make_demo(tmp_path)


@pytest.fixture
def gated(tmp_path: Path) -> Path:
    """A project synced with ``gated-old`` whose builds the test can hold (see helpers/gated.py)."""
    from helpers.gated import make_gated

    return make_gated(tmp_path)
