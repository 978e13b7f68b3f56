"""Fixtures for the UVL tests: the benchmark data directory (a failure when missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.data import bench_data_dir


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The directory of the eight UVL models; the tests fail (not skip) when it is missing."""
    path = bench_data_dir()
    assert (path / "statistics.csv").is_file(), f"benchmark data missing at {path}"
    return path
