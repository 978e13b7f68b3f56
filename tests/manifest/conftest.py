"""Shared helpers for the manifest, lock and project tests: a tiny hand-built registry model."""

from __future__ import annotations

import pytest

from solver.model import Group, Model, Strategy


def tiny_model() -> Model:
    """Two groups in the seed's shape, plus a third so that did-you-mean has choices."""
    return Model(
        groups=(
            Group(
                "inference",
                Strategy.ONE,
                ("vlm-adapter-qwen", "vlm-adapter-deepseek", "vllm-backend"),
                default=("vllm-backend",),
            ),
            Group(
                "metrics",
                Strategy.MANY,
                ("metric-accuracy", "metric-latency", "metric-bleu"),
                default=("metric-accuracy", "metric-latency"),
                max=2,
            ),
            Group("storage", Strategy.ONE, ("store-s3", "store-local")),
        )
    )


@pytest.fixture
def model() -> Model:
    return tiny_model()
