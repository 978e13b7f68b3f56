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


def _published(text: str) -> int | None:
    """A published figure; None where the dataset has none (``?``, as for Linux 2.6.33.3)."""
    return None if text.strip() == "?" else int(float(text))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["file"].removesuffix(".uvl"))
def test_core_and_dead_counts_match_published_statistics(models_dir, row):
    """Every figure the dataset publishes for the model; a model without figures (``?``) is
    still converted and analysed (``HPM_BENCH_DATA`` may point at the largest models)."""
    plan = plan_registry(parse_uvl(models_dir / row["file"]))
    model = plan_to_model(plan)
    analysis = analyse(model)
    aux = plan.auxiliary  # options the converter added for subformulas (Tseitin), not features
    expected = {
        "features": _published(row["NumberOfFeatures"]),
        "void": None if _published(row["Void"]) is None else False,  # the dataset: 1 = consistent
        "core": _published(row["Number_CORE"]),
        "dead": _published(row["Number_Dead"]),
    }
    found = {
        "features": len(set(model.options) - aux),
        "void": analysis.void,
        "core": len(set(analysis.core) - aux),
        "dead": len(set(analysis.dead) - aux),
    }
    assert {k: found[k] for k, v in expected.items() if v is not None} == {
        k: v for k, v in expected.items() if v is not None
    }
