"""The synthetic series through the command line, as a user runs it, with peak memory.

For each size: ``hpm check`` (registry cache warm, and cold with ``HPM_NO_CACHE=1``),
``hpm explain GROUP`` (a group with an option the selection rules out), ``hpm sync --auto
--dry-run`` (five chosen groups listed open), ``hpm registry check`` (cold) and its peak
memory. The project chooses up to 200 groups (``scenario.py``); timings are medians of up to
``runs`` runs, fewer when a run is slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.processes import growth_exponent, last_line, run
from benchmarks.scenario import scenario, write_project
from benchmarks.synthetic import synthetic_plan

BUDGET = 20.0  # seconds per figure after its first run


def cli_series(
    sizes: tuple[int, ...],
    runs: int,
    timeout: float,
    hpm: str,
    only: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """One row per size: seconds per command (those named in ``only``, or all) of ``hpm`` (a
    regular install), peak MB of each, notes."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            sc = scenario(synthetic_plan(n))
            project = write_project(sc, Path(tmp))
            open_project = write_project(sc, Path(tmp), with_open=True)
            env = {**os.environ, "NO_COLOR": "1", "HPM_CACHE_DIR": str(Path(tmp) / "cache")}
            cold = {**env, "HPM_NO_CACHE": "1"}
            row: dict[str, Any] = {"options": n, "chosen": len(sc.chosen), "notes": []}
            subjects = [
                ("check", [hpm, "check"], project, env),
                ("check cold", [hpm, "check"], project, cold),
                ("explain", [hpm, "explain", sc.explain_group or ""], project, env),
                ("sync --auto", [hpm, "sync", "--auto", "--dry-run"], open_project, env),
                ("registry check", [hpm, "registry", "check"], project, cold),
            ]
            subjects = [s for s in subjects if only is None or s[0] in only]
            if any(cenv is env for *_, cenv in subjects):
                run([hpm, "check"], project, env, timeout)  # fill the registry cache
            for name, cmd, cwd, cenv in subjects:
                times, peak = [], 0.0
                try:
                    for _ in range(runs):
                        r = run(cmd, cwd, cenv, timeout)
                        if r.crashed:
                            tail = last_line(r.stderr)
                            row["notes"].append(f"{name}: exit {r.returncode}: {tail}")
                            break
                        times.append(r.seconds)
                        peak = max(peak, r.peak_mb)
                        if sum(times) > BUDGET:
                            break
                except subprocess.TimeoutExpired:
                    row["notes"].append(f"{name}: stopped after {timeout:.0f} s")
                if times:
                    times.sort()
                    row[name] = times[len(times) // 2]
                    row[f"{name} MB"] = peak
            rows.append(row)
        print(f"  measured the command line at {n} options", file=sys.stderr, flush=True)
    return rows


def exponents(rows: list[dict[str, Any]], key: str, smallest: int = 10_000) -> float | None:
    """Growth exponent of ``key`` over the sizes from ``smallest`` up (start-up hides below)."""
    points = [(r["options"], r[key]) for r in rows if r["options"] >= smallest and r.get(key)]
    return growth_exponent(points)
