"""Each real feature model, converted and analysed, gives the dataset's published figures."""

from __future__ import annotations

import csv

import pytest

from benchmarks.data import bench_data_dir
from benchmarks.uvl_model import parse_uvl
from benchmarks.uvl_registry import plan_registry, plan_to_model
from solver import analyse


def _rows() -> list[dict[str, str]]:
    path = bench_data_dir() / "statistics.csv"
    if not path.is_file():  # collected anyway; the `models_dir` fixture then fails loudly
        return [{"file": "missing-benchmark-data"}]
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["file"].removesuffix(".uvl"))
def test_core_and_dead_counts_match_published_statistics(models_dir, row):
    plan = plan_registry(parse_uvl(models_dir / row["file"]))
    model = plan_to_model(plan)
    analysis = analyse(model)
    aux = plan.auxiliary  # options the converter added for subformulas (Tseitin), not features

    assert len(set(model.options) - aux) == int(float(row["NumberOfFeatures"]))
    assert not analysis.void
    assert len(set(analysis.core) - aux) == int(row["Number_CORE"])
    assert len(set(analysis.dead) - aux) == int(row["Number_Dead"])
