"""Timing commands as a user runs them: wall time and peak memory of one process, medians."""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable


@dataclass(frozen=True, slots=True)
class Run:
    """One finished process."""

    seconds: float
    peak_mb: float  # the process's maximum resident set size
    returncode: int
    stdout: str
    stderr: str

    @property
    def crashed(self) -> bool:
        """Exit 2 or worse, or a traceback: the command did not do its job."""
        return self.returncode not in (0, 1) or "Traceback" in self.stderr


def run(
    cmd: Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Run:
    """Run ``cmd`` once; its wall time and peak RSS (from ``wait4``: this process alone).

    Output goes to temporary files (no pipe to drain while waiting); a timer kills the process
    after ``timeout`` seconds, and ``subprocess.TimeoutExpired`` is raised.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=dict(env) if env is not None else None, stdout=out, stderr=err
        )
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if timeout and seconds >= timeout:
            raise subprocess.TimeoutExpired(list(cmd), timeout)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, *text)


def alternate(
    cmds: Sequence[Sequence[str]],
    runs: int,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[list[float | None], list[Run]]:
    """Medians of several commands run in turn, ``runs`` rounds: all see the same machine noise.

    A command that crashes gets None; the last run of each is returned (for its messages).
    """
    times: list[list[float]] = [[] for _ in cmds]
    last: list[Run] = []
    dead: set[int] = set()
    for _ in range(runs):
        last = []
        for i, cmd in enumerate(cmds):
            r = run(cmd, cwd, env)
            last.append(r)
            if r.crashed:
                dead.add(i)
            times[i].append(r.seconds)
    return [None if i in dead else statistics.median(t) for i, t in enumerate(times)], last


def last_line(text: str, width: int = 200) -> str:
    """The last line of a command's output (``"?"`` when there is none), cut to ``width``."""
    return (text.strip().splitlines() or ["?"])[-1][:width]


def hpm_exe() -> str:
    """The ``hpm`` console script of the running interpreter's environment."""
    return shutil.which("hpm", path=str(Path(PYTHON).parent)) or "hpm"


def growth_exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of log(time) over log(size): 1.0 is linear."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t and t > 0]
    if len(pts) < 2:
        return None
    mx = statistics.fmean(x for x, _ in pts)
    my = statistics.fmean(y for _, y in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return None if sxx == 0 else sum((x - mx) * (y - my) for x, y in pts) / sxx
