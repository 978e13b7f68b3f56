"""Where the benchmark feature models live, and repo imports for `benchmarks`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `benchmarks` is a top-level directory, not an installed package
    sys.path.insert(0, str(REPO))
if str(REPO / "tests" / "analysis") not in sys.path:  # the brute-force oracle lives there
    sys.path.insert(0, str(REPO / "tests" / "analysis"))


def bench_data_dir() -> Path:
    """The feature models: ``$HPM_BENCH_DATA`` or ``shared/bench-data`` beside the repo."""
    env = os.environ.get("HPM_BENCH_DATA")
    base = Path(env) if env else REPO.parent / "shared" / "bench-data"
    return base / "feature-models" if (base / "feature-models").is_dir() else base
