"""The benchmark report's goals table: judged from whatever parts a run has finished."""

from __future__ import annotations

from benchmarks.goals import evaluate
from benchmarks.run import PROFILES, report

INFO = {"cpu": "test", "cores": "2"}


def _row(figure: str, data: dict) -> tuple[str | None, bool | None]:
    goal = next(g for g in evaluate(data) if g.figure.startswith(figure))
    return goal.value, goal.met


def test_a_run_with_no_part_finished_judges_nothing():
    assert all(g.met is None for g in evaluate({}))
    text = report(INFO, {"profile": "goals", "parts": []})
    assert "- parts measured: none yet" in text
    assert "| make test | - | not measured |" in text
    assert "## Real feature models" not in text


def test_each_goal_is_met_or_not_by_its_own_limit():
    assert _row("hpm sync", {"sync": {"overhead": 0.099}}) == ("99 ms", True)
    assert _row("hpm sync", {"sync": {"overhead": 0.101}}) == ("101 ms", False)
    start = {"startup": {"regular install, .pyc": {"check": 0.11, "explain": 0.2, "floor": 0.1}}}
    assert _row("hpm check", start) == ("1.10x", True)
    assert _row("hpm explain", start) == ("2.00x", False)
    row = {"options": 100_000, "registry check": 9.0, "registry check MB": 300.0}
    linear = {"cli_series": [row], "exponents": {"registry check": 1.1}}
    steep = {"cli_series": [row], "exponents": {"registry check": 1.3}}
    assert _row("hpm registry check, 100,000", linear)[1] is True
    assert _row("hpm registry check, 100,000", steep)[1] is False


def test_a_model_measured_only_as_a_user_runs_it_gets_no_in_process_row():
    user = {"convert": 0.2, "check": 0.5, "check-exit": 0, "check MB": 30.0, "core": 4, "dead": 1}
    rows = [
        {"model": "tiny", "file": "tiny.uvl", "hpm": {}, "flamapy": {}, "user": user,
         "published": [4, 1]},
        {"model": "other", "file": "other.uvl", "hpm": {}, "flamapy": {},
         "user": {**user, "dead": 2}, "published": [4, 1]},
    ]  # fmt: skip
    text = report(INFO, {"profile": "goals", "parts": ["real"], "real": rows})
    assert "| tiny | 200.0 ms | 500.0 ms | 0 | 30 | 4/1 ok |" in text
    assert "4/2 MISMATCH 4/1" in text
    assert "1/2 match; not: other" in text
    assert "## Real feature models, in process" not in text


def test_raw_figures_written_before_profiles_still_render():
    assert "quick run)" in report(INFO, {"quick": True})
    assert "full run)" in report(INFO, {"quick": False})


def test_the_goals_profile_measures_every_goal_and_no_baseline_beside_them():
    goals = PROFILES["goals"]
    assert goals.suite and not goals.flamapy
    assert 100_000 in goals.cli_sizes and goals.cli_subjects == ("registry check",)
    assert 10_000 in goals.synthetic_sizes and "load" in goals.synthetic_stages


def test_a_command_run_as_a_user_reports_its_median_run_and_its_largest_memory():
    from benchmarks.models import _median
    from benchmarks.processes import Run

    made = iter([Run(3.0, 10, 0, "c", ""), Run(1.0, 30, 0, "a", ""), Run(2.0, 20, 1, "b", "")])
    middle = _median(lambda: next(made), 3)
    assert (middle.seconds, middle.peak_mb, middle.stdout) == (2.0, 30, "b")
    failing = iter(
        [Run(1.0, 10, 0, "", ""), Run(1.0, 10, 2, "", "error: x"), Run(1.0, 1, 0, "", "")]
    )
    assert _median(lambda: next(failing), 3).returncode == 2  # a failure ends the series
    slow = iter([Run(25.0, 10, 0, "", ""), Run(1.0, 10, 0, "", "")])
    assert _median(lambda: next(slow), 3).seconds == 25.0  # over the budget: one run
