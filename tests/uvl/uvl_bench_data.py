"""Repo imports for `benchmarks` (and where the benchmark feature models live)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.data import bench_data_dir  # `benchmarks`: on pytest's pythonpath (pyproject)

REPO = Path(__file__).resolve().parents[2]

__all__ = ["REPO", "bench_data_dir"]
