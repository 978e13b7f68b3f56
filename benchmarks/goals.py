"""The goals of issue 16, each evaluated from one run's figures against a baseline of that run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Goal:
    """One row of the goals table."""

    figure: str
    baseline: str  # what the figure is compared with, measured in the same run ("" if absolute)
    measured: str  # the figure (and the baseline's value)
    value: str  # the ratio or absolute value the goal is about
    target: str
    met: bool | None  # None: not measured in this run


def _s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _ratio_goal(
    figure: str, base_name: str, a: float | None, b: float | None, limit: float
) -> Goal:
    if a is None or b is None or b == 0:
        return Goal(figure, base_name, "not measured", "-", f"<= {limit:.2f}x", None)
    r = a / b
    return Goal(
        figure, base_name, f"{_s(a)} / {_s(b)}", f"{r:.2f}x", f"<= {limit:.2f}x", r <= limit
    )


def _abs_goal(figure: str, base_name: str, value: float | None, limit: float, extra: str) -> Goal:
    if value is None:
        return Goal(figure, base_name, "not measured", "-", f"<= {_s(limit)}", None)
    return Goal(figure, base_name, extra, _s(value), f"<= {_s(limit)}", value <= limit)


#: the real models whose in-process figures are goals (the conversion, the rule findings); the
#: goals of every other model are measured as a user runs them
IN_PROCESS_MODELS = ("BusyBox", "FreeBSD")


def _find(rows: list[dict[str, Any]], needle: str) -> dict[str, Any] | None:
    return next((r for r in rows if needle.lower() in r["model"].lower()), None)


def evaluate(data: dict[str, Any]) -> list[Goal]:
    """The goals table from a run's raw figures (missing parts give "not measured" rows)."""
    goals: list[Goal] = []
    start = data.get("startup", {}).get("regular install, .pyc", {})
    floor = "python -c 'import click, yaml, tomlkit, constraint' (regular install, .pyc)"
    goals.append(_ratio_goal("hpm check", floor, start.get("check"), start.get("floor"), 1.10))
    goals.append(_ratio_goal("hpm explain GROUP", floor, start.get("explain"),
                             start.get("floor"), 1.25))  # fmt: skip
    sync = data.get("sync", {})
    goals.append(
        _abs_goal(
            "hpm sync (one 1-of-N switch) minus the time inside uv",
            "time inside uv (shim)",
            sync.get("overhead"),
            0.10,
            f"{_s(sync.get('total'))} total, {_s(sync.get('uv'))} in uv "
            f"({_s(sync.get('before_first_uv'))} before the first call, "
            f"{_s(sync.get('after_last_uv'))} after the last; {sync.get('install', '?')})",
        )
    )
    synth = {r["options"]: r["hpm"] for r in data.get("synthetic", [])}
    ten = synth.get(10_000, {})
    goals.append(
        _ratio_goal(
            "cold load, 10,000-option registry (load_registry)",
            "yaml.load(CSafeLoader) of the same files",
            ten.get("load", {}).get("seconds"),
            ten.get("yaml-read", {}).get("seconds"),
            1.5,
        )
    )
    real = data.get("real", [])
    busybox = _find(real, IN_PROCESS_MODELS[0])
    conv = busybox["hpm"].get("uvl-to-registry", {}).get("seconds") if busybox else None
    proc = busybox["user"].get("convert") if busybox else None
    goals.append(_abs_goal("UVL -> registry, BusyBox 6,797 options (in process)", "", conv, 0.15,
                           f"uvl_to_registry.py as a process: {_s(proc)}"))  # fmt: skip
    freebsd = _find(real, IN_PROCESS_MODELS[1])
    rules = freebsd["hpm"].get("rule-findings", {}).get("seconds") if freebsd else None
    goals.append(_abs_goal("rule findings, freebsd-8.0.0", "", rules, 0.5, "in process"))
    goals.append(_all_analysed(real))
    goals.append(_converted(real, ("__Linux__", "__CVE__")))
    auto = _find(real, "automotive2")
    check = auto["user"].get("check") if auto else None
    goals.append(_abs_goal("hpm registry check, automotive2_4 (18,616 options)", "", check, 2.0,
                           "process, HPM_NO_CACHE=1"))  # fmt: skip
    goals.append(_hundred_k(data))
    suite = data.get("suite", {})
    where = f"{suite.get('cores', '?')} cores, exit {suite.get('exit', '-')}"
    goals.append(_abs_goal("make test", "", suite.get("seconds"), 60.0, where))
    return goals


def _all_analysed(real: list[dict[str, Any]]) -> Goal:
    judged = [r for r in real if r.get("published") is not None]
    figure = "hpm registry check on every model with published figures (CLI, end to end)"
    if not judged:
        return Goal(figure, "published core/dead", "not measured", "-", "all", None)
    ok = [r for r in judged if _matches(r)]
    bad = ", ".join(r["model"] for r in judged if not _matches(r))
    text = f"{len(ok)}/{len(judged)} match" + (f"; not: {bad}" if bad else "")
    return Goal(figure, "published core/dead", text, f"{len(ok)}/{len(judged)}", "all",
                len(ok) == len(judged))  # fmt: skip


def _matches(r: dict[str, Any]) -> bool:
    user = r["user"]
    return user.get("check-exit") in (0, 1) and (user.get("core"), user.get("dead")) == tuple(
        r["published"]
    )


def _converted(real: list[dict[str, Any]], names: tuple[str, ...]) -> Goal:
    rows = [r for r in real if any(n.lower() in r["model"].lower() for n in names)]
    figure = "UVL conversion of models with large constraints (Linux 2.6.33.3, CVE)"
    if not rows:
        return Goal(figure, "", "not measured", "-", "converted and analysed", None)
    good = [r for r in rows if "convert" in r["user"] and r["user"].get("check-exit") in (0, 1)]
    text = ", ".join(f"{r['model']}: {_state(r['user'])}" for r in rows)
    return Goal(figure, "", text, f"{len(good)}/{len(rows)}", "converted and analysed",
                len(good) == len(rows))  # fmt: skip


def _state(user: dict[str, Any]) -> str:
    if "convert-failed" in user:
        return f"conversion fails ({user['convert-failed'][:80]})"
    if user.get("check-exit") not in (0, 1):
        return f"registry check exit {user.get('check-exit')}"
    return f"ok ({_s(user.get('check'))})"


def _hundred_k(data: dict[str, Any]) -> Goal:
    figure = "hpm registry check, 100,000-option synthetic registry"
    rows = data.get("cli_series", [])
    row = next((r for r in rows if r["options"] == 100_000), None)
    if row is None or row.get("registry check") is None:
        return Goal(figure, "", "not measured", "-", "<= 10 s, <= 1 GB, linear", None)
    t, mb = row["registry check"], row["registry check MB"]
    k = data.get("exponents", {}).get("registry check")
    linear = k is not None and k <= 1.2
    k_text = "-" if k is None else f"{k:.2f}"
    return Goal(figure, "", f"{_s(t)}, {mb:.0f} MB, growth exponent {k_text}",
                f"{_s(t)} / {mb:.0f} MB / n^{k_text}", "<= 10 s, <= 1 GB, exponent <= 1.2",
                t <= 10 and mb <= 1024 and linear)  # fmt: skip


def goals_table(goals: list[Goal]) -> list[str]:
    """Markdown lines."""
    lines = [
        "| figure | baseline (same run) | measured | value | goal | met |",
        "|---|---|---|---:|---|---|",
    ]
    for g in goals:
        met = "not measured" if g.met is None else ("yes" if g.met else "**no**")
        lines.append(
            f"| {g.figure} | {g.baseline or '-'} | {g.measured} | {g.value} | {g.target} | {met} |"
        )
    return lines
