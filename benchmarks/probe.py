"""One benchmark subject, measured in its own process (so that run.py can time it out).

``python benchmarks/probe.py hpm uvl PATH RUNS [STAGE]`` / ``hpm synthetic N RUNS [STAGE]`` /
``flamapy PATH RUNS``. Prints one JSON object per line as each measurement finishes:
``{"op": ..., "seconds": median, "runs": k, ...}`` or ``{"op": ..., "skipped": reason}``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import from the repo, not from benchmarks/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.scenario import valid_choices
from benchmarks.synthetic import synthetic_plan
from benchmarks.uvl_model import parse_uvl
from benchmarks.uvl_registry import RegistryPlan, plan_registry, plan_to_model, write_registry
from solver import Group, Model, RuleKind, Selection, Strategy, analyse
from solver.cnf import Oracle
from solver.problem import limits

BUDGET = 5.0  # seconds per measurement after the first run
#: ``explain`` (feasible) asks about every option of the group: on the Kconfig models' one
#: group of 6,000-15,000 options that is minutes per run, not a focused measurement
EXPLAIN_UP_TO = 1000


def emit(**fields: Any) -> None:
    """Report one measurement to run.py."""
    print(json.dumps(fields), flush=True)


def measure(op: str, fn: Callable[[], Any], runs: int, **extra: Any) -> Any:
    """Run ``fn`` up to ``runs`` times (fewer when slow), emit the median, return a result."""
    times, result = [], None
    spent = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        spent += times[-1]
        if spent > BUDGET:
            break
    emit(op=op, seconds=statistics.median(times), runs=len(times), **extra)
    return result


def valid_selection(model: Model) -> Selection:
    """A selection that holds as written: the groups one SAT solution uses, as chosen.

    On a feature model the root group is core, so the selection is never empty; synthetic
    registries use ``scenario.valid_choices`` instead (a SAT solution there selects nothing).
    """
    with Oracle(model) as oracle:
        oracle.require([*limits(model), *model.rules])
        found = oracle.selected() if oracle.solve() else frozenset()
    choices = {}
    for g in model.groups:
        picked = tuple(o for o in g.options if o in found)
        if picked:
            choices[g.name] = picked
    return Selection(choices)


def invalid_selection(model: Model, valid: Selection) -> tuple[Selection, str] | None:
    """The valid selection with one group's choice changed so that nothing can complete it.

    First the changes that one rule read alone forbids (:func:`_suspects`: adding an option, or
    dropping one of several chosen in an M-of-N group), smallest groups first; then, group by
    group, another option of a chosen 1-of-N group, one more option of a chosen M-of-N group,
    or one option of an absent group (at most 5,000 calls in all). On the large Kconfig models
    almost any option can be added (their constraints are positive clauses), and trying them
    in turn took thousands of calls, each pinning thousands of options: the stage timed out.
    """
    with Oracle(model) as oracle:
        oracle.require([*limits(model), *model.rules])
        var = {o: oracle.var(o) for o in model.options}

        def pin(choices: dict[str, tuple[str, ...]]) -> list[int]:
            return [
                var[o] if o in chosen else -var[o]
                for g, chosen in choices.items()
                for o in model.group(g).options
            ]

        base = {g: c for g, c in valid.choices.items() if c}
        for tries, (group, changed) in enumerate(_changes(model, base)):
            if tries == 5000:
                return None
            choices = {**base, group: changed}
            if not oracle.solve(pin(choices), keep=False):
                return Selection(choices), group
    return None


def _changes(
    model: Model, base: dict[str, tuple[str, ...]]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The one-group changes :func:`invalid_selection` tries, in its order: the additions a
    rule forbids, every other addition to a group of at most ``EXPLAIN_UP_TO`` options (so
    that ``explain`` has a rejected option to explain), the drops a rule forbids, then the
    other additions to larger groups."""
    add, drop = _suspects(model, base)
    # small groups first: explaining one of them (feasible) stays a focused measurement
    groups = sorted(model.groups, key=lambda g: len(g.options))
    small = [g for g in groups if len(g.options) <= EXPLAIN_UP_TO]
    for group in groups:
        yield from _additions(group, base.get(group.name, ()), add.__contains__)
    for group in small:
        yield from _additions(group, base.get(group.name, ()), lambda o: o not in add)
    for group in groups:
        chosen = base.get(group.name, ())
        if len(chosen) > 1:
            for option in chosen:
                if option in drop:
                    yield group.name, tuple(o for o in chosen if o != option)
    for group in groups[len(small) :]:
        yield from _additions(group, base.get(group.name, ()), lambda o: o not in add)


def _additions(
    group: Group, chosen: tuple[str, ...], wanted: Callable[[str], bool]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Another option of a chosen 1-of-N group, one more of an M-of-N group, or one option of
    an absent group, for the ``wanted`` options."""
    for option in group.options:
        if option in chosen or not wanted(option):
            continue
        if group.strategy is Strategy.ONE or not chosen:
            yield group.name, (option,)
        elif len(chosen) < group.upper:
            yield group.name, (*chosen, option)


def _suspects(model: Model, base: dict[str, tuple[str, ...]]) -> tuple[set[str], set[str]]:
    """Options that one rule alone forbids adding to ``base`` (every other term of its ``when``
    chosen, and it requires only options ``base`` pins off, the unchosen options of chosen
    groups, or conflicts with a chosen one), and chosen options it forbids dropping (the one
    chosen target of a rule that applies, its other targets pinned off)."""
    chosen = {o for options in base.values() for o in options}
    off = {o for g in base for o in model.group(g).options} - chosen
    add, drop = set(), set()
    for rule in model.rules:
        missing = [t for t in rule.when if t not in chosen]
        if rule.kind is RuleKind.CONFLICTS:
            if len(missing) == 1 and any(t in chosen for t in rule.targets):
                add.add(missing[0])
            continue
        on = [t for t in rule.targets if t not in off]
        if len(missing) == 1 and not on:
            add.add(missing[0])
        elif not missing and len(on) == 1 and on[0] in chosen:
            drop.add(on[0])
    return add, drop


def load_ops(plan_fn: Callable[[], Any], runs: int) -> None:
    """Registry load from the written files: cold (``load_registry``, what ``HPM_NO_CACHE=1``
    does), a plain C-libyaml read of the same files (the baseline), and from the cache."""
    import os

    import yaml

    from hpm.registry.digest import registry_files

    with tempfile.TemporaryDirectory() as tmp:
        write_registry(plan_fn(), Path(tmp) / "registry")
        root = Path(tmp) / "registry"
        files = [p for _, p in registry_files(root)]
        emit(op="files", count=len(files), bytes=sum(p.stat().st_size for p in files))

        def plain_read() -> list[Any]:
            return [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) for p in files]

        try:
            from hpm.registry import load_registry, load_registry_cached

            measure("yaml-read", plain_read, runs)
            measure("load", lambda: load_registry(root), runs)
        except Exception as e:  # the loader's refusal is a result to report
            emit(op="load", failed=f"{type(e).__name__}: {str(e)[:200]}")
            return
        os.environ["HPM_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ.pop("HPM_NO_CACHE", None)
        load_registry_cached(root)  # fill the cache
        measure("load-cached", lambda: load_registry_cached(root), runs)


def hpm_ops(
    model_fn: Callable[[], Model],
    plan_fn: Callable[[], RegistryPlan],
    runs: int,
    stage: str,
    selection_fn: Callable[[Model], Selection] = valid_selection,
) -> None:
    """One stage on one registry: ``base`` (convert, analysis, rule findings, check of a valid
    and of an invalid selection), ``load`` (see :func:`load_ops`), ``complete`` (from empty) or
    ``explain`` (feasible on a group with a rejected option). Stages run in separate processes
    so that one slow stage times out alone.
    """
    if stage == "load":
        load_ops(plan_fn, runs)
        return
    # here, not at the top: the flamapy subject (its process timed whole) needs none of them
    from solver import check, complete, feasible, rule_findings

    if stage != "base":
        model = model_fn()
    else:
        model = measure("convert", model_fn, runs)
        emit(
            op="size", options=len(model.options), groups=len(model.groups), rules=len(model.rules)
        )
        result = measure("analysis", lambda: analyse(model), runs)
        aux = plan_fn().auxiliary  # the converter's auxiliary options are not features
        emit(
            op="analysis-result",
            core=len(set(result.core) - aux),
            dead=len(set(result.dead) - aux),
            auxiliary=len(aux),
            void=result.void,
        )
        found = measure(
            "rule-findings", lambda: rule_findings(model, result, redundant=False), runs
        )
        emit(op="rule-findings-result", never_applies=len(found.never_applies))
    if stage == "complete":
        done = measure("complete", lambda: complete(model, Selection({})), runs)
        emit(op="complete-result", ok=done.conflict is None)
        return
    valid = selection_fn(model)
    bad = invalid_selection(model, valid)
    if stage == "base":
        verdict = measure("check-valid", lambda: check(model, valid), runs)
        emit(op="check-valid-result", status=verdict.status, groups=len(valid.choices))
        if bad is None:
            emit(op="check-invalid", skipped="no one-choice change makes the selection invalid")
        else:
            verdict = measure("check-invalid", lambda: check(model, bad[0]), runs)
            emit(op="check-invalid-result", status=verdict.status)
    elif bad is None or set(bad[0].choices[bad[1]]) <= set(valid.choices.get(bad[1], ())):
        emit(op="explain", skipped="no rejected option found")  # none, or the change drops one
    elif len(model.group(bad[1]).options) > EXPLAIN_UP_TO:
        size = len(model.group(bad[1]).options)
        emit(op="explain", skipped=f"the group of the invalid change found has {size} options")
    else:
        group = bad[1]
        options = measure("explain", lambda: feasible(model, valid, group), runs)
        rejected = sum(1 for c in options.values() if c is not None)
        emit(op="explain-result", group=group, options=len(options), rejected=rejected)


def flamapy_ops(path: str, runs: int) -> None:
    """flamapy's UVL reader, CNF transformation and core/dead operations on one file."""
    from flamapy.metamodels.fm_metamodel.transformations import UVLReader
    from flamapy.metamodels.pysat_metamodel.operations import (
        PySATCoreFeatures,
        PySATDeadFeatures,
    )
    from flamapy.metamodels.pysat_metamodel.transformations import FmToPysat

    try:
        fm = measure("read", lambda: UVLReader(path).transform(), runs)
    except Exception as e:  # flamapy's parser raises many kinds; all mean "cannot read"
        emit(op="read", failed=f"{type(e).__name__}: {str(e)[:200]}")
        return
    cnf = measure("to-sat", lambda: FmToPysat(fm).transform(), runs)

    def core_dead() -> tuple[list, list]:
        core = PySATCoreFeatures().execute(cnf).get_result()
        dead = PySATDeadFeatures().execute(cnf).get_result()
        return core, dead

    core, dead = measure("analysis", core_dead, runs)
    emit(op="analysis-result", core=len(core), dead=len(dead))


def main(argv: list[str]) -> int:
    """Dispatch on the subject kind (see the module docstring)."""
    if argv[0] == "flamapy":
        flamapy_ops(argv[1], int(argv[2]))
    elif argv[1] == "uvl":
        path = argv[2]
        if len(argv) <= 4 or argv[4] == "base":
            with tempfile.TemporaryDirectory() as tmp:
                measure(
                    "uvl-to-registry",
                    lambda: write_registry(plan_registry(parse_uvl(path)), tmp),
                    int(argv[3]),
                )
        hpm_ops(
            lambda: plan_to_model(plan_registry(parse_uvl(path))),
            lambda: plan_registry(parse_uvl(path)),
            int(argv[3]),
            argv[4] if len(argv) > 4 else "base",
        )
    else:
        n = int(argv[2])
        stage = argv[4] if len(argv) > 4 else "base"
        plan = synthetic_plan(n)
        chosen = valid_choices(plan, max_groups=200)
        hpm_ops(
            lambda: plan_to_model(synthetic_plan(n)),
            lambda: plan,
            int(argv[3]),
            stage,
            lambda _model: Selection(chosen),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
