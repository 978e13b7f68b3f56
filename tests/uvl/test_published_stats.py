"""Each real feature model, converted and analysed, gives the dataset's published figures."""

from __future__ import annotations

import csv

import pytest
from uvl_bench_data import bench_data_dir

from benchmarks.uvl_registry import uvl_to_model
from solver.analysis import analyse


def _rows() -> list[dict[str, str]]:
    path = bench_data_dir() / "statistics.csv"
    if not path.is_file():  # collected anyway; the `models_dir` fixture then fails loudly
        return [{"file": "missing-benchmark-data"}]
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["file"].removesuffix(".uvl"))
def test_core_and_dead_counts_match_published_statistics(models_dir, row):
    model = uvl_to_model(models_dir / row["file"])
    analysis = analyse(model)

    assert len(model.options) == int(float(row["NumberOfFeatures"]))
    assert not analysis.void
    assert len(analysis.core) == int(row["Number_CORE"])
    assert len(analysis.dead) == int(row["Number_Dead"])
