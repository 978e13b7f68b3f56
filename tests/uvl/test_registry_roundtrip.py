"""The registry written by the converter loads (hpm's own loader) as the same Model."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.uvl_samples import SAMPLE

from benchmarks.data import bench_data_dir
from benchmarks.uvl_model import parse_uvl
from benchmarks.uvl_registry import plan_registry, plan_to_model, write_registry
from hpm.registry import load_registry
from solver.model import Model

MODELS = sorted(p.name for p in bench_data_dir().glob("*.uvl")) or ["missing-benchmark-data"]


def _shape(model: Model) -> tuple[list, Counter]:
    """Groups and rules, up to order and origins."""
    groups = sorted((g.name, g.strategy, g.options, g.default, g.min, g.max) for g in model.groups)
    return groups, Counter((r.kind, r.when, r.targets) for r in model.rules)


def _roundtrip(uvl_path, out_dir) -> tuple[Model, Model]:
    plan = plan_registry(parse_uvl(uvl_path))
    write_registry(plan, out_dir)
    return plan_to_model(plan), load_registry(out_dir).model


@pytest.mark.parametrize("name", MODELS, ids=lambda n: n.removesuffix(".uvl"))
def test_written_registry_loads_as_the_same_model(models_dir, tmp_path, name):
    converted, loaded = _roundtrip(models_dir / name, tmp_path / "registry")
    assert _shape(loaded) == _shape(converted)


def test_sample_with_odd_names_round_trips(tmp_path):
    source = tmp_path / "sample.uvl"
    source.write_text(SAMPLE, encoding="utf-8")
    converted, loaded = _roundtrip(source, tmp_path / "registry")
    assert _shape(loaded) == _shape(converted)
