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


EXTRA_ENV = "HPM_BENCH_EXTRA"


def extra_models_dir(given: str | None = None) -> Path | None:
    """A directory of further UVL models (``--models DIR`` or ``$HPM_BENCH_EXTRA``), or None.

    The largest models of the feature-model benchmark (BusyBox, Buildroot, Linux, FreeBSD,
    automotive2 ...) are not vendored; see benchmarks/README.md for where to get them. The
    directory holds ``*.uvl`` files and, optionally, a ``statistics.csv`` in the vendored format.
    """
    chosen = given or os.environ.get(EXTRA_ENV)
    return Path(chosen) if chosen else None


def published(directory: Path) -> dict[str, tuple[int, int]]:
    """Published core and dead counts by file name (files without figures are left out)."""
    import csv

    path = directory / "statistics.csv"
    if not path.is_file():
        return {}
    out = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                out[row["file"]] = (int(row["Number_CORE"]), int(row["Number_Dead"]))
            except (KeyError, ValueError):  # "?" in the dataset: no published figure
                continue
    return out
