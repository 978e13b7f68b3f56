"""What a user feels at the command line: start-up of read-only commands, and ``hpm sync``.

- ``hpm check`` and ``hpm explain GROUP`` on the example project (seed choices made), alternated
  with the import floor ``python -c "import click, yaml, tomlkit, constraint"`` (run by the same
  environment's python as the hpm it is compared with) so both see the same noise; from a
  *regular* install (``pip install .`` into a fresh virtual environment whose
  dependencies come from this one), with the ``.pyc`` files pip writes and without them (a
  read-only install with ``PYTHONDONTWRITEBYTECODE=1``). The editable checkout is measured too.
- ``hpm sync`` after one 1-of-N switch (``inference``: qwen <-> deepseek, metrics chosen), on a
  synced copy of the example project, with ``HPM_UV`` pointing at a shim that records when each
  uv call starts and ends: hpm's own time is the total minus the time inside uv, split into
  before the first uv call and after the last. Run from a regular install with ``.pyc`` files,
  as a user runs it and as start-up is measured (an editable checkout under
  ``PYTHONDONTWRITEBYTECODE=1`` compiles every hpm module on every run); the shim's own start
  (bash, about 1-2 ms a call) counts as hpm's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.processes import PYTHON, alternate, hpm_exe, last_line, run

REPO = Path(__file__).resolve().parents[1]
FLOOR = "import click, yaml, tomlkit, constraint"
CHECKED = 'inference = "vllm-backend"\nmetrics = ["metric-accuracy", "metric-latency"]\n'
SWITCH = ("vlm-adapter-qwen", "vlm-adapter-deepseek")
SYNCED = 'inference = "{}"\nmetrics = ["metric-accuracy", "metric-latency"]\n'
EXPLAINED = "metrics"

SHIM = """#!/bin/bash
start=$EPOCHREALTIME
"$HPM_BENCH_REAL_UV" "$@"
status=$?
echo "$start $EPOCHREALTIME" >> "$HPM_BENCH_UV_LOG"
exit $status
"""


def demo_copy(tmp: Path, name: str, groups: str) -> Path:
    """A copy of examples/demo pointing at the repository's registry, with ``groups`` chosen."""
    project = tmp / name
    shutil.copytree(REPO / "examples" / "demo", project)
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace('registry = "../../registry"', f'registry = "{REPO / "registry"}"')
    (project / "pyproject.toml").write_text(text + "\n[tool.hpm.groups]\n" + groups)
    return project


def regular_install(tmp: Path) -> Path:
    """``pip install --no-deps .`` into a fresh venv; dependencies from this one. Its ``hpm``."""
    venv = tmp / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    pip = [PYTHON, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(REPO)]
    subprocess.run(pip, check=True, capture_output=True)
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # a .pth line only adds the directory: this environment's own .pth files (the editable
    # install of hpm among them) are not processed, so `import hpm` finds the installed copy
    (Path(site) / "zz-bench-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin" / "hpm"


def _drop_bytecode(hpm: Path) -> None:
    site = hpm.parents[1] / "lib"
    for package in ("hpm", "solver"):
        for cache in site.rglob(f"{package}/**/__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)


def startup(runs: int) -> dict[str, Any]:
    """Medians of check / explain / the floor, per install kind; ratios to the floor."""
    env = {**os.environ, "NO_COLOR": "1"}
    out: dict[str, Any] = {"notes": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        project = demo_copy(base, "check", CHECKED)
        env["HPM_CACHE_DIR"] = str(base / "cache")
        try:
            installed = regular_install(base)
        except subprocess.CalledProcessError as e:
            out["notes"].append(f"regular install failed: {(e.stderr or b'')[-200:]!r}")
            installed = None
        # the floor runs on the interpreter of the hpm it is compared with: this environment's
        # python also runs the .pth files here (the editable install's finder: ~15 ms), which
        # the regular install's python, and its hpm, never run
        kinds = [("editable", Path(hpm_exe()), PYTHON)]
        if installed:
            python = str(installed.parent / "python")
            kinds.insert(0, ("regular install, .pyc", installed, python))
            kinds.append(("regular install, no .pyc", installed, python))
        for kind, hpm, python in kinds:
            kenv = env
            if kind.endswith("no .pyc"):
                _drop_bytecode(hpm)
                kenv = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
            floor = [python, "-c", FLOOR]
            cmds = [[str(hpm), "check"], [str(hpm), "explain", EXPLAINED], floor]
            run(cmds[0], project, kenv)  # warm the registry cache (and the page cache)
            times, last = alternate(cmds, runs, project, kenv)
            for r, name in zip(last, ("check", "explain"), strict=False):
                if r.crashed:
                    out["notes"].append(f"{kind}: hpm {name} failed: {last_line(r.stderr)}")
            out[kind] = {"check": times[0], "explain": times[1], "floor": times[2]}
        out["python -c pass"] = alternate([[PYTHON, "-c", "pass"]], runs, project, env)[0][0]
    return out


def sync_overhead(runs: int) -> dict[str, Any]:
    """hpm sync after a 1-of-N switch: total, time inside uv, before the first / after the last."""
    from hpm.apply.uv import find_uv

    out: dict[str, Any] = {"notes": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        shim, log = base / "uv-shim", base / "uv.log"
        shim.write_text(SHIM)
        shim.chmod(0o755)
        env = {
            **os.environ,
            "UV_OFFLINE": "1",
            "NO_COLOR": "1",
            "HPM_CACHE_DIR": str(base / "cache"),
            "HPM_UV": str(shim),
            "HPM_BENCH_REAL_UV": find_uv(),
            "HPM_BENCH_UV_LOG": str(log),
        }
        project = demo_copy(base, "sync", SYNCED.format(SWITCH[0]))
        try:
            hpm = str(regular_install(base))
            out["install"] = "regular install, .pyc"
        except subprocess.CalledProcessError as e:
            out["notes"].append(f"regular install failed: {(e.stderr or b'')[-200:]!r}")
            hpm = hpm_exe()
            out["install"] = "editable"
        first = run([hpm, "sync"], project, env)
        if first.returncode != 0:
            out["notes"].append(f"first hpm sync failed: {last_line(first.stderr)}")
            return out
        totals, inside, before, after, calls = [], [], [], [], []
        pyproject = project / "pyproject.toml"
        for i in range(max(2, runs)):
            old, new = (SWITCH[0], SWITCH[1]) if i % 2 == 0 else (SWITCH[1], SWITCH[0])
            text = pyproject.read_text(encoding="utf-8")
            # only the choice: hpm wrote the package name into [project.dependencies] too, and
            # renaming it there is a hand edit that makes the requirement the user's
            choice = 'inference = "{}"'
            text = text.replace(choice.format(old), choice.format(new))
            pyproject.write_text(text, encoding="utf-8")
            log.write_text("")
            t0 = time.time()
            r = run([hpm, "sync"], project, env)
            t1 = time.time()
            if r.returncode != 0:
                out["notes"].append(f"hpm sync failed: {last_line(r.stderr)}")
                break
            spans = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
            uv = sum(e - s for s, e in spans)
            totals.append(r.seconds)
            inside.append(uv)
            calls.append(len(spans))
            if spans:
                before.append(spans[0][0] - t0)
                after.append(t1 - spans[-1][1])
        if totals:
            out.update(
                total=statistics.median(totals),
                uv=statistics.median(inside),
                overhead=statistics.median(t - u for t, u in zip(totals, inside, strict=True)),
                before_first_uv=statistics.median(before) if before else None,
                after_last_uv=statistics.median(after) if after else None,
                uv_calls=max(calls),
                runs=len(totals),
            )
        dry = run([hpm, "sync", "--dry-run"], project, env)
        out["dry-run"] = dry.stdout.strip()
    return out
