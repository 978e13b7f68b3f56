"""The SAT backend and the python-constraint engine agree (and both agree with brute force).

The CSP side is the solver engineer's ``is_selectable(model, option)`` / ``is_forced(model,
option)``, looked up in ``solver`` and ``solver.csp``; the test skips while they do not exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from brute_force import configurations
from hypothesis import given, settings
from strategies_models import models

from solver import sat
from solver.model import Model


def _csp_query(name: str) -> Callable[[Model, str], bool] | None:
    for module in ("solver", "solver.csp"):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if callable(found):
            return found
    return None


CSP_SELECTABLE = _csp_query("is_selectable")
CSP_FORCED = _csp_query("is_forced")


@pytest.mark.skipif(
    CSP_SELECTABLE is None or CSP_FORCED is None,
    reason="solver.csp.is_selectable / is_forced not available yet",
)
@settings(max_examples=150, deadline=None)
@given(models(max_groups=3, max_options=3))
def test_sat_and_csp_agree_with_brute_force(model: Model) -> None:
    assert CSP_SELECTABLE is not None and CSP_FORCED is not None
    configs = list(configurations(model))
    for option in model.options:
        selectable = any(option in c for c in configs)
        forced = bool(configs) and all(option in c for c in configs)
        assert sat.is_selectable(model, option) == selectable == CSP_SELECTABLE(model, option)
        assert sat.is_forced(model, option) == forced == CSP_FORCED(model, option)
