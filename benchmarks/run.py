"""Run every benchmark: ``python benchmarks/run.py [--quick] [--timeout SECONDS]``.

Measures, each subject in its own process (``probe.py``) with a time-out:

- the eight real feature models (UVL -> registry): conversion, registry load, core/dead
  analysis (checked against the published figures), check of a valid and an invalid
  selection, explain (``feasible``) of a group with a rejected option, complete from empty;
  side by side with flamapy (read + CNF + core + dead) on the same files, as hpm/flamapy ratios;
- seeded synthetic registries of 100 .. 50,000 options, the same operations;
- CLI latency: ``hpm check`` on the example project vs importing its dependencies, and
  ``hpm sync`` vs running the uv commands it prints with ``--dry-run``.

Writes a Markdown report to stdout and ``benchmarks/results/latest.md``, raw figures to
``benchmarks/results/<date>.json``. Timings are medians; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
SYNTHETIC = (100, 1_000, 10_000, 50_000)
CHECKED_GROUPS = 'inference = "vllm-backend"\nmetrics = ["metric-accuracy", "metric-latency"]\n'
SYNCED_GROUPS = 'metrics = ["metric-accuracy", "metric-latency"]\n'

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path[0] = str(REPO)

from benchmarks.data import bench_data_dir  # noqa: E402


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
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "python-sat": ver("python-sat"),
        "python-constraint2": ver("python-constraint2"),
        "flamapy-sat": ver("flamapy-sat"),
    }


def probe_stages(args: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """The hpm stages (base, complete, explain) of one subject, each with its own time-out."""
    merged: dict[str, dict[str, Any]] = {}
    for stage in ("base", "complete", "explain"):
        result = probe([*args, stage], timeout)
        for key in ("timeout", "error"):
            if key in result:
                result[f"{key}:{stage}"] = result.pop(key)
        merged.update(result)
    return merged


def probe(args: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Run probe.py; the measurements by op (``timeout``/``error`` entries on failure)."""
    cmd = [PYTHON, str(HERE / "probe.py"), *args]
    out: dict[str, dict[str, Any]] = {}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        stdout, failed = done.stdout, done.returncode != 0
        stderr = done.stderr
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
        out["error"] = {"stderr": (stderr.strip().splitlines() or ["?"])[-1][:300]}
    return out


def fmt(seconds: float | None) -> str:
    """Seconds as a short human figure."""
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def cell(result: dict[str, dict[str, Any]], op: str) -> str:
    """A table cell for one op: its median, or why there is none."""
    entry = result.get(op)
    if entry is None:
        stage = {"complete": "complete", "explain": "explain"}.get(op, "base")
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


def published() -> dict[str, tuple[int, int]]:
    path = bench_data_dir() / "statistics.csv"
    with path.open(encoding="utf-8") as f:
        return {
            r["file"]: (int(r["Number_CORE"]), int(r["Number_Dead"])) for r in csv.DictReader(f)
        }


def real_models(runs: int, timeout: float) -> list[dict[str, Any]]:
    """hpm and flamapy on every UVL model."""
    stats = published()
    rows = []
    for path in sorted(bench_data_dir().glob("*.uvl"), key=lambda p: p.stat().st_size):
        hpm = probe_stages(["hpm", "uvl", str(path), str(runs)], timeout)
        flama = probe(["flamapy", str(path), str(runs)], timeout)
        rows.append(
            {
                "model": path.stem,
                "file": path.name,
                "hpm": hpm,
                "flamapy": flama,
                "published": stats.get(path.name),
            }
        )
        print(f"  measured {path.stem}", file=sys.stderr)
    return rows


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def real_table(rows: list[dict[str, Any]]) -> list[str]:
    head = (
        "| model | options | convert | load | analysis | core/dead (published) | check valid "
        "| check invalid | explain | complete | flamapy read+cnf | flamapy analysis "
        "| end-to-end hpm/flamapy | analysis hpm/flamapy |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        hpm, fl = r["hpm"], r["flamapy"]
        res = hpm.get("analysis-result", {})
        pub = r["published"]
        got = f"{res.get('core', '?')}/{res.get('dead', '?')}"
        mark = (
            ""
            if pub is None
            else (
                " ok"
                if (res.get("core"), res.get("dead")) == pub
                else f" MISMATCH {pub[0]}/{pub[1]}"
            )
        )
        hpm_e2e = _sum(seconds(hpm, "convert"), seconds(hpm, "analysis"))
        fl_read = _sum(seconds(fl, "read"), seconds(fl, "to-sat"))
        fl_e2e = _sum(fl_read, seconds(fl, "analysis"))
        failed = "read" in fl and "failed" in fl["read"]
        fl_analysis = seconds(fl, "analysis")
        lines.append(
            f"| {r['model']} | {hpm.get('size', {}).get('options', '?')} | {cell(hpm, 'convert')} "
            f"| {cell(hpm, 'load')} | {cell(hpm, 'analysis')} | {got}{mark} "
            f"| {cell(hpm, 'check-valid')} | {cell(hpm, 'check-invalid')} | {cell(hpm, 'explain')} "
            f"| {cell(hpm, 'complete')} | {'flamapy fails' if failed else fmt(fl_read)} "
            f"| {'flamapy fails' if failed else cell(fl, 'analysis')} "
            f"| {'flamapy fails' if failed else ratio(hpm_e2e, fl_e2e)} "
            f"| {'flamapy fails' if failed else ratio(seconds(hpm, 'analysis'), fl_analysis)} |"
        )
    return lines


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def synthetic(sizes: tuple[int, ...], runs: int, timeout: float) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        result = probe_stages(["hpm", "synthetic", str(n), str(runs)], timeout)
        rows.append({"options": n, "hpm": result})
        print(f"  measured synthetic {n}", file=sys.stderr)
    return rows


def synthetic_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| options | groups | rules | generate | load | analysis | core/dead | check valid "
        "| check invalid | explain | complete |",
        "|" + "---|" * 11,
    ]
    for r in rows:
        hpm = r["hpm"]
        size, res = hpm.get("size", {}), hpm.get("analysis-result", {})
        lines.append(
            f"| {r['options']} | {size.get('groups', '?')} | {size.get('rules', '?')} "
            f"| {cell(hpm, 'convert')} | {cell(hpm, 'load')} | {cell(hpm, 'analysis')} "
            f"| {res.get('core', '?')}/{res.get('dead', '?')} | {cell(hpm, 'check-valid')} "
            f"| {cell(hpm, 'check-invalid')} | {cell(hpm, 'explain')} | {cell(hpm, 'complete')} |"
        )
    return lines


def timed(cmd: list[str], runs: int, cwd: Path, env: dict[str, str]) -> tuple[float | None, str]:
    """Median wall time of a command, or None and the reason when it fails."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1) or "Traceback" in done.stderr:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"`{' '.join(cmd[:3])}` failed (exit {done.returncode}): {last[:160]}"
    return statistics.median(times), ""


def cli_latency(runs: int) -> dict[str, Any]:
    """hpm check vs imports; hpm sync vs the uv commands it runs (fresh project copies)."""
    hpm = shutil.which("hpm", path=str(Path(PYTHON).parent)) or "hpm"
    env = {**os.environ, "UV_OFFLINE": "1", "NO_COLOR": "1"}
    demo = REPO / "examples" / "demo"
    out: dict[str, Any] = {"notes": []}
    with tempfile.TemporaryDirectory() as tmp:

        def fresh(name: str, groups: str) -> Path:
            project = Path(tmp) / name
            shutil.copytree(demo, project)
            text = (project / "pyproject.toml").read_text()
            text = text.replace('registry = "../../registry"', f'registry = "{REPO / "registry"}"')
            (project / "pyproject.toml").write_text(text + "\n[tool.hpm.groups]\n" + groups)
            return project

        # `hpm check` on the example project with the seed's choices made.
        checked = fresh("check", CHECKED_GROUPS)
        # Dependencies in site-packages carry .pyc files written at install time; hpm's own
        # modules (an editable install) only get them when Python may write bytecode, which some
        # environments forbid (PYTHONDONTWRITEBYTECODE=1, as on the development machines).
        # Measure both: from source, then byte-compiled as a regular `pip install` leaves them.
        for package in ("hpm", "solver"):
            for cache in (REPO / package).rglob("__pycache__"):
                shutil.rmtree(cache)
        source_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        out["hpm check (from source)"], note = timed([hpm, "check"], runs, checked, source_env)
        out["notes"] += [note] if note else []
        compile_cmd = [PYTHON, "-m", "compileall", "-q", str(REPO / "hpm"), str(REPO / "solver")]
        subprocess.run(compile_cmd, check=True, capture_output=True)
        # Start-up times of ~0.1 s vary by tens of percent from run to run on a shared machine:
        # alternate the two commands and take medians of many runs, so both see the same noise.
        imports = "import click, yaml, tomlkit, constraint"
        check_times, import_times = [], []
        for _ in range(3 * runs):
            t, note = timed([hpm, "check"], 1, checked, env)
            if t is None:
                out["notes"].append(note)
                break
            check_times.append(t)
            import_times.append(timed([PYTHON, "-c", imports], 1, checked, env)[0])
        out["hpm check"] = statistics.median(check_times) if check_times else None
        out["python -c imports"] = statistics.median(t for t in import_times if t is not None)
        out["python -c pass"], _ = timed([PYTHON, "-c", "pass"], runs, checked, env)

        dry = subprocess.run(
            [hpm, "sync", "--dry-run"],
            cwd=fresh("dry", SYNCED_GROUPS),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        uv_cmds = [
            argv
            for argv in (shlex.split(line) for line in dry.stdout.splitlines() if line.strip())
            if Path(argv[0]).name in ("uv", "uv.exe")
        ]
        if dry.returncode != 0 or not uv_cmds:
            out["notes"].append(f"`hpm sync --dry-run` gave no uv commands (exit {dry.returncode})")
            return out
        syncs, uvs = [], []
        for i in range(min(runs, 3)):
            t, note = timed([hpm, "sync"], 1, fresh(f"sync{i}", SYNCED_GROUPS), env)
            if t is None:
                out["notes"].append(note)
                break
            syncs.append(t)
            project, total = fresh(f"uv{i}", SYNCED_GROUPS), 0.0
            for cmd in uv_cmds:
                t, note = timed(cmd, 1, project, env)
                if t is None:
                    out["notes"].append(note)
                    break
                total += t
            uvs.append(total)
        out["hpm sync"] = statistics.median(syncs) if syncs else None
        out["uv commands"] = statistics.median(uvs) if uvs else None
        out["uv argv"] = [" ".join(c) for c in uv_cmds]
    return out


def report(info: dict[str, str], real: list, synth: list, cli: dict[str, Any], quick: bool) -> str:
    lines = [
        f"# hpm benchmarks ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        f"{', quick' if quick else ''})",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += ["", "## Real feature models (UVL -> hpm registry)", ""]
    lines += real_table(real)
    lines += [
        "",
        "hpm end-to-end = UVL parse + conversion + analysis; flamapy end-to-end = "
        "UVLReader + FmToPysat + core + dead. Ratios below 1 mean hpm is faster. "
        "'n/a': no invalid selection / rejected option found by one-choice changes.",
        "",
    ]
    lines += _problems([(r["model"], r["hpm"]) for r in real])
    lines += [
        f"- flamapy on {r['model']}: {r['flamapy']['read']['failed']}"
        for r in real
        if "failed" in r["flamapy"].get("read", {})
    ]
    lines += ["", "## Synthetic registries (seeded)", ""]
    lines += synthetic_table(synth)
    lines += _problems([(f"synthetic {r['options']}", r["hpm"]) for r in synth])
    lines += ["", "## CLI latency (medians)", ""]
    for key in (
        "hpm check (from source)",
        "hpm check",
        "python -c imports",
        "python -c pass",
        "hpm sync",
        "uv commands",
    ):
        if key in cli:
            lines.append(f"- {key}: {fmt(cli[key])}")
    if cli.get("uv argv"):
        lines.append(f"- uv commands run by sync: {'; '.join(cli['uv argv'])}")
    lines += [f"- note: {n}" for n in cli.get("notes", [])]
    return "\n".join(lines) + "\n"


def _problems(results: list[tuple[str, dict[str, dict[str, Any]]]]) -> list[str]:
    """Bullet lines for subjects that timed out or crashed."""
    out = []
    for name, result in results:
        for key, entry in result.items():
            if key.startswith("timeout:"):
                out.append(f"- {name}, {key[8:]}: stopped after {entry['after']:.0f} s (timeout)")
            elif key.startswith("error:"):
                out.append(f"- {name}, {key[6:]}: probe failed: {entry['stderr']}")
            elif "failed" in entry and key != "read":
                out.append(f"- {name}, {key}: {entry['failed']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, small synthetics only")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per subject")
    parser.add_argument("--cli-only", action="store_true", help="only the CLI latency part")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    timeout = args.timeout or (60.0 if args.quick else 300.0)
    sizes = SYNTHETIC[:2] if args.quick else SYNTHETIC
    info = machine()
    real = [] if args.cli_only else real_models(runs, timeout)
    synth = [] if args.cli_only else synthetic(sizes, runs, timeout)
    cli = cli_latency(runs)
    text = report(info, real, synth, cli, args.quick)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text, encoding="utf-8")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%S")
    raw = {"machine": info, "quick": args.quick, "real": real, "synthetic": synth, "cli": cli}
    (results / f"{stamp}.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
