"""Synthetic projects for the command-line benchmarks: a registry plus a project that uses it.

A synthetic registry (``synthetic.py``) only has rules from an option of an earlier group to
options of later groups. So a valid selection can be built without a solver, from the last group
to the first: an option may be chosen when every ``requires`` item names an option already chosen
and none of its ``conflicts`` is chosen. Options left unchosen impose nothing, so the result holds
as written (``hpm check`` answers "valid", not "incomplete"); ``probe.py`` confirms it with the
solver. The selection is real and of a project's size: up to ``max_groups`` groups, spread evenly
over the registry (a group whose every option needs an option of a group outside the project is
left out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from benchmarks.uvl_registry import GroupSpec, RegistryPlan, write_registry
from solver.model import Strategy


@dataclass(frozen=True, slots=True)
class Scenario:
    """A registry plan, a valid selection of it, and the groups the benchmarks ask about."""

    plan: RegistryPlan
    chosen: dict[str, tuple[str, ...]]  # group -> options, valid as written
    explain_group: str | None  # a group with an option the selection rules out
    open_groups: tuple[str, ...]  # groups listed with their choice open (for --auto)


def valid_choices(plan: RegistryPlan, max_groups: int) -> dict[str, tuple[str, ...]]:
    """One option (the first that fits) in every ``k``-th group, last group first."""
    stride = max(1, len(plan.groups) // max_groups)
    selected: set[str] = set()
    chosen: dict[str, tuple[str, ...]] = {}
    for group in reversed(plan.groups[::stride]):
        for option in group.options:
            needs = [(t,) for t in option.requires] + list(option.requires_any)
            if all(any(t in selected for t in item) for item in needs) and not any(
                c in selected for c in option.conflicts
            ):
                chosen[group.name] = (option.name,)
                selected.add(option.name)
                break
    return dict(reversed(chosen.items()))


def rejected_group(plan: RegistryPlan, chosen: dict[str, tuple[str, ...]]) -> str | None:
    """A group with an option that requires an option its 1-of-N target group did not choose."""
    group_of = {o.name: g for g in plan.groups for o in g.options}
    for group in plan.groups:
        for option in group.options:
            for target in option.requires:
                other = group_of[target]
                picked = chosen.get(other.name)
                if other.strategy is Strategy.ONE and picked and target not in picked:
                    return group.name
    return None


def scenario(plan: RegistryPlan, max_groups: int = 200, open_count: int = 5) -> Scenario:
    """The selection and the groups to ask about for ``plan``.

    The open groups (for ``--auto``) are the last ``open_count`` chosen groups with their choice
    removed: a choice is known to fit them.
    """
    chosen = valid_choices(plan, max_groups)
    return Scenario(plan, chosen, rejected_group(plan, chosen), tuple(chosen)[-open_count:])


def _toml_value(group: GroupSpec, options: tuple[str, ...]) -> str:
    if group.strategy is Strategy.ONE:
        return json.dumps(options[0] if options else "")
    return json.dumps(list(options))


def write_project(sc: Scenario, root: Path, *, with_open: bool = False) -> Path:
    """``root/registry`` and ``root/project/pyproject.toml`` choosing ``sc.chosen``.

    ``with_open`` also lists ``sc.open_groups`` with their choice left open (``hpm sync --auto``
    then has something to fill). Returns the project directory.
    """
    registry = root / "registry"
    if not registry.exists():
        write_registry(sc.plan, registry)
    project = root / ("project-open" if with_open else "project")
    project.mkdir(parents=True, exist_ok=True)
    spec = {g.name: g for g in sc.plan.groups}
    lines = [
        "[project]",
        'name = "bench"',
        'version = "0.1.0"',
        'requires-python = ">=3.11"',
        "dependencies = []",
        "",
        "[tool.hpm]",
        f"registry = {json.dumps(str(registry))}",
        "",
        "[tool.hpm.groups]",
    ]
    for name, options in sc.chosen.items():
        if with_open and name in sc.open_groups:
            options = ()
        lines.append(f"{name} = {_toml_value(spec[name], options)}")
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project
