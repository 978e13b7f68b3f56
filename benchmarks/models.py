"""Real feature models: in-process figures (``probe.py``) and the commands a user runs.

As a user runs it: ``python benchmarks/uvl_to_registry.py MODEL OUT`` then ``hpm registry check
--json`` on OUT (``HPM_NO_CACHE=1``; a regular install of hpm, with ``.pyc``), each as a process
(medians of up to three runs), next to flamapy's read + CNF + core + dead as one process
(``probe.py flamapy PATH 1``). The core/dead counts of ``registry check`` are compared with the
published ones.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.processes import PYTHON, Run, last_line, run
from benchmarks.uvl_registry import auxiliary_options

HERE = Path(__file__).resolve().parent


#: seconds of runs of one command after which no further run is made
USER_BUDGET = 20.0


def _median(once: Callable[[], Run], runs: int) -> Run:
    """The run of median time of up to ``runs`` runs (fewer once they took ``USER_BUDGET``);
    its peak memory the largest of them; a failed run ends the series and is returned."""
    done: list[Run] = []
    while len(done) < runs and sum(r.seconds for r in done) < USER_BUDGET:
        done.append(once())
        if done[-1].returncode not in (0, 1):
            return done[-1]
    middle = sorted(done, key=lambda r: r.seconds)[len(done) // 2]
    return dataclasses.replace(middle, peak_mb=max(r.peak_mb for r in done))


def probe(args: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Run probe.py; the measurements by op (``timeout``/``error`` entries on failure)."""
    cmd = [PYTHON, str(HERE / "probe.py"), *args]
    out: dict[str, dict[str, Any]] = {}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        stdout, failed, stderr = done.stdout, done.returncode != 0, done.stderr
    except subprocess.TimeoutExpired as e:
        raw = e.stdout or b""
        stdout = raw.decode() if isinstance(raw, bytes) else raw
        failed, stderr = False, ""
        out["timeout"] = {"after": timeout}
    for line in stdout.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            out[entry.pop("op")] = entry
    if failed:
        out["error"] = {"stderr": last_line(stderr, 300)}
    return out


def probe_stages(args: list[str], stages: tuple[str, ...], timeout: float) -> dict[str, Any]:
    """The given hpm stages of one subject, each in its own process with its own time-out."""
    merged: dict[str, dict[str, Any]] = {}
    for stage in stages:
        result = probe([*args, stage], timeout)
        for key in ("timeout", "error"):
            if key in result:
                result[f"{key}:{stage}"] = result.pop(key)
        merged.update(result)
    return merged


def as_user(
    model: Path, timeout: float, flamapy_timeout: float | None, hpm: str, runs: int = 1
) -> dict[str, Any]:
    """Conversion and ``hpm registry check`` (``hpm``: the command, a regular install) as
    processes, medians of up to ``runs`` runs each (fewer when slow); flamapy as one process,
    unless ``flamapy_timeout`` is None."""
    out: dict[str, Any] = {}
    env = {**os.environ, "HPM_NO_CACHE": "1", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registry"
        convert = [PYTHON, str(HERE / "uvl_to_registry.py"), str(model), str(reg)]
        try:
            conv = _median(lambda: run(convert, None, env, timeout), runs)
        except subprocess.TimeoutExpired:
            out["convert-failed"] = f"stopped after {timeout:.0f} s"
            return out
        if conv.returncode != 0:
            out["convert-failed"] = last_line(conv.stderr, 300)
            return out
        out["convert"] = conv.seconds
        check_cmd = [hpm, "registry", "check", "--json", "--registry", str(reg)]
        try:
            check = _median(lambda: run(check_cmd, None, env, timeout), runs)
        except subprocess.TimeoutExpired:
            out["check-failed"] = f"stopped after {timeout:.0f} s"
        else:
            out["check"], out["check-exit"], out["check MB"] = (
                check.seconds,
                check.returncode,
                check.peak_mb,
            )
            try:
                report = json.loads(check.stdout)
                aux = auxiliary_options(reg)  # the converter's, not features: left out
                out["core"] = len(set(report["core"]) - aux)
                out["dead"] = len(set(report["dead"]) - aux)
            except (ValueError, KeyError, TypeError):
                out["check-failed"] = last_line(check.stderr, 300)
    if flamapy_timeout is not None:
        try:
            flama = run([PYTHON, str(HERE / "probe.py"), "flamapy", str(model), "1"], None, env,
                        flamapy_timeout)  # fmt: skip
            fine = flama.returncode == 0 and '"failed"' not in flama.stdout
            out["flamapy"] = flama.seconds if fine else None
        except subprocess.TimeoutExpired:
            out["flamapy"] = None
    print(f"  ran {model.stem} as a user does", file=sys.stderr, flush=True)
    return out
