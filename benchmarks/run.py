"""Run the benchmarks: ``python benchmarks/run.py [--goals | --quick] [--models DIR] [--only P]``.

Measures, each subject in its own process with a time-out, and reports every goal of issue 16 as
a ratio against a baseline measured in the same run (``goals.py``):

- start-up: ``hpm check`` / ``hpm explain GROUP`` against the import floor (``cli_bench.py``);
- ``hpm sync`` after a 1-of-N switch, minus the time inside uv (``cli_bench.py``);
- real feature models (``models.py``): in process (``probe.py``: conversion, load, core/dead
  analysis checked against the published figures, rule findings, check of a valid and an
  invalid selection, explain, complete) and as a user runs them (``uvl_to_registry.py`` and
  ``hpm registry check`` as processes) next to flamapy, in process and as a process;
- synthetic registries 1,000 -> 100,000 options, in process (load cold/cached against a plain
  C-libyaml read, analysis, check, explain, complete) and through the command line with peak
  memory (``scaling.py``), with fitted growth exponents;
- ``make test`` (full run only).

Profiles (``PROFILES``): the full run measures everything above; ``--goals`` measures exactly
the figures of the goals table (every one of them, flamapy and the other in-process stages left
out: about a quarter of the full run's time); ``--quick`` (a couple of minutes): fewer runs,
synthetic sizes up to 10,000, the base and load stages, no ``make test``. Writes a Markdown report
to stdout and ``benchmarks/results/latest.md``, raw figures to
``benchmarks/results/<date>.json``; both are rewritten after every part, so a run that is
stopped keeps what it measured. Timings are medians; nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path[0] = str(REPO)

from benchmarks import cli_bench, models, scaling  # noqa: E402
from benchmarks.data import bench_data_dir, extra_models_dir, published  # noqa: E402
from benchmarks.goals import IN_PROCESS_MODELS, evaluate, goals_table  # noqa: E402
from benchmarks.processes import last_line, run  # noqa: E402

SYNTHETIC = (1_000, 5_000, 10_000, 50_000, 100_000)
QUICK_SYNTHETIC = (1_000, 5_000, 10_000)
STAGES = ("base", "load", "complete", "explain")
#: flamapy is a baseline that fails or runs for minutes on the largest models: it gets this
#: long at most, and its in-process breakdown is skipped where its process failed
FLAMAPY_TIMEOUT = 150.0


@dataclass(frozen=True, slots=True)
class Profile:
    """What one kind of run measures, and how often."""

    name: str
    runs: int  # per in-process measurement
    timeout: float  # per subject, seconds
    startup_rounds: int
    sync_runs: int
    synthetic_sizes: tuple[int, ...]
    synthetic_stages: tuple[str, ...]
    real_stages: tuple[str, ...]
    in_process: tuple[str, ...] | None  # the models measured in process (None: every one)
    flamapy: bool
    cli_sizes: tuple[int, ...]
    cli_subjects: tuple[str, ...] | None  # None: every command
    cli_runs: int
    user_runs: int  # of each real model's conversion and registry check as processes
    suite: bool


PROFILES = {
    "full": Profile("full", 7, 300.0, 21, 7, SYNTHETIC, STAGES, STAGES, None, True, SYNTHETIC,
                    None, 5, 3, True),
    "goals": Profile("goals", 5, 300.0, 21, 7, (10_000,), ("load",), ("base",),
                     IN_PROCESS_MODELS, False, (10_000, 50_000, 100_000), ("registry check",),
                     3, 3, True),
    "quick": Profile("quick", 3, 60.0, 7, 3, QUICK_SYNTHETIC, STAGES, ("base", "load"), None,
                     True, QUICK_SYNTHETIC, None, 3, 1, False),
}  # fmt: skip


def machine() -> dict[str, str]:
    """CPU model, core count, Python and library versions."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pyyaml": ver("PyYAML"),
        "python-sat": ver("python-sat"),
        "python-constraint2": ver("python-constraint2"),
        "flamapy-sat": ver("flamapy-sat"),
    }


def real_models(
    dirs: list[Path], profile: Profile, timeout: float, hpm: str
) -> list[dict[str, Any]]:
    """Every UVL model of ``dirs``, smallest first: as a user runs it (``hpm``: a regular
    install), in process, flamapy."""
    rows = []
    flamapy_timeout = min(timeout, FLAMAPY_TIMEOUT)
    flamapy = flamapy_timeout if profile.flamapy else None
    for directory in dirs:
        stats = published(directory)
        for path in sorted(directory.glob("*.uvl"), key=lambda p: p.stat().st_size):
            user = models.as_user(path, timeout, flamapy, hpm, profile.user_runs)
            wanted = profile.in_process is None or any(
                n.lower() in path.stem.lower() for n in profile.in_process
            )
            in_process = (
                models.probe_stages(
                    ["hpm", "uvl", str(path), str(profile.runs)], profile.real_stages, timeout
                )
                if wanted
                else {}
            )
            flama: dict[str, Any] = {}
            if profile.flamapy and user.get("flamapy"):
                flama = models.probe(["flamapy", str(path), str(profile.runs)], flamapy_timeout)
            elif profile.flamapy:
                flama = {"read": {"failed": "the flamapy process failed or timed out"}}
            rows.append(
                {
                    "model": path.stem,
                    "file": path.name,
                    "hpm": in_process,
                    "flamapy": flama,
                    "user": user,
                    "published": stats.get(path.name),
                }
            )
            print(f"  measured {path.stem}", file=sys.stderr, flush=True)
    return rows


def synthetic(profile: Profile, timeout: float) -> list[dict[str, Any]]:
    """The synthetic series in process."""
    rows = []
    for n in profile.synthetic_sizes:
        args = ["hpm", "synthetic", str(n), str(profile.runs)]
        result = models.probe_stages(args, profile.synthetic_stages, timeout)
        rows.append({"options": n, "hpm": result})
        print(f"  measured synthetic {n} in process", file=sys.stderr, flush=True)
    return rows


def test_suite(timeout: float) -> dict[str, Any]:
    """``make test`` as CI runs it (ruff, mypy, pytest)."""
    started = time.perf_counter()
    try:
        done = run(["make", "test"], REPO, None, timeout)
    except Exception as e:  # a time-out or a missing make: report it
        return {"error": str(e)[:200]}
    return {
        "seconds": time.perf_counter() - started,
        "exit": done.returncode,
        "cores": len(os.sched_getaffinity(0)),
        "summary": last_line(done.stdout),
    }


# ---------------------------------------------------------------------------------------------
# the report


def fmt(seconds: float | None) -> str:
    """Seconds as a short human figure."""
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def cell(result: dict[str, dict[str, Any]], op: str, stage: str = "base") -> str:
    """A table cell for one op: its median, or why there is none."""
    entry = result.get(op)
    if entry is None:
        if f"timeout:{stage}" in result:
            return "timeout"
        return "error" if f"error:{stage}" in result else "-"
    if "skipped" in entry:
        return "n/a"
    if "failed" in entry:
        return "fails"
    return fmt(entry.get("seconds"))


def seconds(result: dict[str, dict[str, Any]], op: str) -> float | None:
    return result.get(op, {}).get("seconds")


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def core_dead(found: dict[str, Any], published: Sequence[int] | None) -> str:
    """The core/dead counts found, then "ok" or the published figures they miss."""
    got = f"{found.get('core', '?')}/{found.get('dead', '?')}"
    if published is None:
        return got
    same = (found.get("core"), found.get("dead")) == tuple(published)
    return got + (" ok" if same else f" MISMATCH {published[0]}/{published[1]}")


def real_table(rows: list[dict[str, Any]]) -> list[str]:
    """In-process figures per model, flamapy in process beside them."""
    lines = [
        "| model | options | rules | convert | load | analysis | core/dead (published) "
        "| rule findings | check valid | check invalid | explain | complete "
        "| flamapy read+cnf+analysis | analysis hpm/flamapy |",
        "|" + "---|" * 14,
    ]
    for r in rows:
        hpm, fl = r["hpm"], r["flamapy"]
        got = core_dead(hpm.get("analysis-result", {}), r["published"])
        failed = "failed" in fl.get("read", {}) or "read" not in fl
        fl_all = _sum(seconds(fl, "read"), seconds(fl, "to-sat"), seconds(fl, "analysis"))
        fl_text = "not run" if not fl else ("fails" if failed else fmt(fl_all))
        size = hpm.get("size", {})
        lines.append(
            f"| {r['model']} | {size.get('options', '?')} | {size.get('rules', '?')} "
            f"| {cell(hpm, 'convert')} | {cell(hpm, 'load', 'load')} | {cell(hpm, 'analysis')} "
            f"| {got} | {cell(hpm, 'rule-findings')} | {cell(hpm, 'check-valid')} "
            f"| {cell(hpm, 'check-invalid')} | {cell(hpm, 'explain', 'explain')} "
            f"| {cell(hpm, 'complete', 'complete')} | {fl_text} "
            f"| {'-' if failed else ratio(seconds(hpm, 'analysis'), seconds(fl, 'analysis'))} |"
        )
    return lines


def user_table(rows: list[dict[str, Any]]) -> list[str]:
    """What a user runs: conversion and registry check as processes, flamapy as a process."""
    lines = [
        "| model | uvl_to_registry.py | hpm registry check | exit | peak MB | core/dead "
        "| convert + check | flamapy (process) | hpm/flamapy |",
        "|" + "---|" * 9,
    ]
    for r in rows:
        u = r["user"]
        if "convert-failed" in u:
            lines.append(f"| {r['model']} | fails: {u['convert-failed'][:100]} |" + " |" * 7)
            continue
        total = _sum(u.get("convert"), u.get("check"))
        got = core_dead(u, r["published"])
        mb = u.get("check MB")
        lines.append(
            f"| {r['model']} | {fmt(u.get('convert'))} | {fmt(u.get('check'))} "
            f"| {u.get('check-exit', '-')} | {'-' if mb is None else f'{mb:.0f}'} | {got} "
            f"| {fmt(total)} | {_flamapy_cell(u)} | {ratio(total, u.get('flamapy'))} |"
        )
    return lines


def _flamapy_cell(user: dict[str, Any]) -> str:
    if "flamapy" not in user:
        return "not run"
    return fmt(user["flamapy"]) if user["flamapy"] else "fails or timeout"


def synthetic_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| options | groups | rules | files | C-libyaml read | load cold | cold/read | load cached "
        "| analysis | rule findings | check valid (groups) | check invalid | explain | complete |",
        "|" + "---|" * 14,
    ]
    for r in rows:
        hpm = r["hpm"]
        size, valid = hpm.get("size", {}), hpm.get("check-valid-result", {})
        lines.append(
            f"| {r['options']} | {size.get('groups', '?')} | {size.get('rules', '?')} "
            f"| {hpm.get('files', {}).get('count', '?')} | {cell(hpm, 'yaml-read', 'load')} "
            f"| {cell(hpm, 'load', 'load')} "
            f"| {ratio(seconds(hpm, 'load'), seconds(hpm, 'yaml-read'))} "
            f"| {cell(hpm, 'load-cached', 'load')} | {cell(hpm, 'analysis')} "
            f"| {cell(hpm, 'rule-findings')} "
            f"| {cell(hpm, 'check-valid')} "
            f"({valid.get('groups', '?')}, {valid.get('status', '?')}) "
            f"| {cell(hpm, 'check-invalid')} | {cell(hpm, 'explain', 'explain')} "
            f"| {cell(hpm, 'complete', 'complete')} |"
        )
    return lines


CLI_KEYS = ("check", "check cold", "explain", "sync --auto", "registry check")


def cli_table(rows: list[dict[str, Any]], exponents: dict[str, float | None]) -> list[str]:
    lines = [
        "| options | groups chosen | " + " | ".join(f"hpm {k}" for k in CLI_KEYS)
        + " | registry check peak MB |",
        "|" + "---|" * (len(CLI_KEYS) + 3),
    ]  # fmt: skip
    for r in rows:
        mb = r.get("registry check MB")
        lines.append(
            f"| {r['options']} | {r['chosen']} | "
            + " | ".join(fmt(r.get(k)) for k in CLI_KEYS)
            + f" | {'-' if mb is None else f'{mb:.0f}'} |"
        )
    lines.append(
        "| growth exponent (>= 10,000) | | "
        + " | ".join(_exp(exponents.get(k)) for k in CLI_KEYS)
        + f" | {_exp(exponents.get('registry check MB'))} |"
    )
    return lines


def _exp(k: float | None) -> str:
    return "-" if k is None else f"{k:.2f}"


def _problems(results: list[tuple[str, dict[str, dict[str, Any]]]]) -> list[str]:
    """Bullet lines for subjects that timed out or crashed."""
    out = []
    for name, result in results:
        for key, entry in result.items():
            if key.startswith("timeout:"):
                out.append(f"- {name}, {key[8:]}: stopped after {entry['after']:.0f} s (timeout)")
            elif key.startswith("error:"):
                out.append(f"- {name}, {key[6:]}: probe failed: {entry['stderr']}")
            elif isinstance(entry, dict) and "failed" in entry and key != "read":
                out.append(f"- {name}, {key}: {entry['failed']}")
    return out


def report(info: dict[str, str], data: dict[str, Any]) -> str:
    # raw files written before profiles existed say "quick": true or false
    profile = data.get("profile") or ("quick" if data.get("quick") else "full")
    lines = [
        f"# hpm benchmarks ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {profile} run)",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    if "parts" in data:
        lines.append(f"- parts measured: {', '.join(data['parts']) or 'none yet'}")
    lines += ["", "## Goals (issue 16)", ""]
    lines += goals_table(evaluate(data))
    start = data.get("startup", {})
    if start:
        lines += ["", "## Start-up (medians, alternated with the floor)", ""]
        lines += [
            "| install | hpm check | hpm explain | import floor | check/floor | explain/floor |"
        ]
        lines += ["|---|---|---|---|---|---|"]
        for kind, f in start.items():
            if isinstance(f, dict):
                lines.append(
                    f"| {kind} | {fmt(f['check'])} | {fmt(f['explain'])} | {fmt(f['floor'])} "
                    f"| {ratio(f['check'], f['floor'])} | {ratio(f['explain'], f['floor'])} |"
                )
        lines += [f"- python -c pass: {fmt(start.get('python -c pass'))}"]
        lines += [f"- note: {n}" for n in start.get("notes", [])]
    sync = data.get("sync", {})
    if sync:
        lines += ["", "## hpm sync after one 1-of-N switch (medians)", ""]
        for key in ("total", "uv", "overhead", "before_first_uv", "after_last_uv"):
            lines.append(f"- {key.replace('_', ' ')}: {fmt(sync.get(key))}")
        lines.append(f"- uv calls: {sync.get('uv_calls', '-')}, runs: {sync.get('runs', '-')}")
        lines += [f"- note: {n}" for n in sync.get("notes", [])]
    real = data.get("real", [])
    if real:
        lines += ["", "## Real feature models, as a user runs them (processes)", ""]
        lines += user_table(real)
        measured = [r for r in real if r["hpm"]]  # the goals run measures a few in process
        if measured:
            lines += ["", "## Real feature models, in process", ""]
            lines += real_table(measured)
            lines += _problems([(r["model"], r["hpm"]) for r in measured])
    synth = data.get("synthetic", [])
    if synth:
        lines += ["", "## Synthetic registries, in process (seeded)", ""]
        lines += synthetic_table(synth)
        lines += _problems([(f"synthetic {r['options']}", r["hpm"]) for r in synth])
    series = data.get("cli_series", [])
    if series:
        lines += ["", "## Synthetic registries through the command line (medians)", ""]
        lines += cli_table(series, data.get("exponents", {}))
        lines += [f"- {r['options']}: {n}" for r in series for n in r.get("notes", [])]
    suite = data.get("suite")
    if suite:
        lines += ["", "## make test", "", f"- {json.dumps(suite)}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--quick", action="store_true", help="a couple of minutes")
    kind.add_argument("--goals", action="store_true", help="the goals table's figures only")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per subject")
    parser.add_argument("--models", default=None, help="a directory of extra UVL models")
    parser.add_argument(
        "--report", default=None, help="only rewrite results/latest.md from this raw JSON file"
    )
    parser.add_argument(
        "--only",
        default="startup,sync,real,synthetic,cli,suite",
        help="comma-separated parts: startup, sync, real, synthetic, cli, suite",
    )
    args = parser.parse_args(argv)
    results = HERE / "results"
    if args.report:
        data = json.loads(Path(args.report).read_text(encoding="utf-8"))
        text = report(data["machine"], data)
        (results / "latest.md").write_text(text, encoding="utf-8")
        print(text)
        return 0
    profile = PROFILES["quick" if args.quick else "goals" if args.goals else "full"]
    parts = set(args.only.split(","))
    timeout = args.timeout or profile.timeout
    info = machine()
    data: dict[str, Any] = {"machine": info, "profile": profile.name, "parts": []}
    results.mkdir(exist_ok=True)
    raw = results / f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%M%S}.json"

    def done(part: str, figures: Any) -> None:
        """Keep a finished part: the raw JSON and the report are rewritten after each one."""
        data[part] = figures
        data["parts"].append(part)
        raw.write_text(json.dumps(data, indent=1), encoding="utf-8")
        (results / "latest.md").write_text(report(info, data), encoding="utf-8")
        print(f"  finished {part} ({dt.datetime.now(dt.UTC):%H:%M:%S})", file=sys.stderr)

    if "startup" in parts:
        done("startup", cli_bench.startup(profile.startup_rounds))
    if "sync" in parts:
        done("sync", cli_bench.sync_overhead(profile.sync_runs))
    with tempfile.TemporaryDirectory() as tmp:
        # the commands a user runs come from a regular install with .pyc, as start-up's do
        hpm = str(cli_bench.regular_install(Path(tmp))) if parts & {"real", "cli"} else ""
        if "real" in parts:
            dirs = [bench_data_dir()]
            extra = extra_models_dir(args.models)
            if extra is not None:
                dirs.append(extra)
            done("real", real_models(dirs, profile, timeout, hpm))
        if "synthetic" in parts:
            done("synthetic", synthetic(profile, timeout))
        if "cli" in parts:
            series = scaling.cli_series(
                profile.cli_sizes, profile.cli_runs, timeout, hpm, profile.cli_subjects
            )
            keys = [*CLI_KEYS, "registry check MB"]
            data["exponents"] = {k: scaling.exponents(series, k) for k in keys}
            done("cli_series", series)
    if "suite" in parts and profile.suite:
        done("suite", test_suite(1800))
    print(report(info, data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
