"""Repo imports for `benchmarks` (and where the benchmark feature models live)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `benchmarks` is a top-level directory, not an installed package
    sys.path.insert(0, str(REPO))
if str(REPO / "tests" / "analysis") not in sys.path:  # the brute-force oracle lives there
    sys.path.insert(0, str(REPO / "tests" / "analysis"))

from benchmarks.data import bench_data_dir  # noqa: E402

__all__ = ["REPO", "bench_data_dir"]
