"""Where the benchmark feature models live.

The eight UVL models and their published statistics are vendored under
``benchmarks/feature-models/`` (MIT licence, from the SoftVarE feature-model benchmark; see the
README and LICENSE there), so that the tests and benchmarks run on any clone. ``HPM_BENCH_DATA``
points elsewhere (a directory holding the files, or one with a ``feature-models/`` folder).
"""

from __future__ import annotations

import os
from pathlib import Path

VENDORED = Path(__file__).resolve().parent / "feature-models"


def bench_data_dir() -> Path:
    """The directory holding ``*.uvl`` and ``statistics.csv``."""
    env = os.environ.get("HPM_BENCH_DATA")
    if not env:
        return VENDORED
    base = Path(env)
    return base / "feature-models" if (base / "feature-models").is_dir() else base
