"""Scenario registries under tests/cases/registry/<case>/, each with an expect.json.

``expect.json`` is either ``{"problems": [...]}`` — ``load_registry`` must raise ``InputError``
with exactly those problems, in order: ``file`` and ``key`` equal, ``message`` and ``hint``
substrings, ``line`` equal when given (``file`` is left out when it would be an absolute path)
— or ``{"groups": [...], "rules": [...], "sources": {...}}`` describing the loaded registry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hpm.errors import InputError, Problem
from hpm.registry import load_registry
from hpm.registry.catalog import Registry, Source
from solver.model import Origin

CASES = Path(__file__).resolve().parents[1] / "cases" / "registry"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expect.json").is_file())


def _problem_matches(expected: dict, actual: Problem) -> bool:
    return (
        expected.get("file", actual.file) == actual.file
        and expected["key"] == actual.key
        and expected["message"] in actual.message
        and expected.get("line", actual.line) == actual.line
        and expected.get("hint", "") in actual.hint
    )


def _describe(registry: Registry) -> dict:
    groups = [
        {
            "name": g.name,
            "strategy": g.strategy.value,
            "options": list(g.options),
            "default": list(g.default),
            "min": g.min,
            "max": g.max,
            "description": g.description,
        }
        for g in registry.model.groups
    ]
    rules = []
    for rule in registry.model.rules:
        item = {
            "kind": rule.kind.value,
            "when": list(rule.when),
            "targets": list(rule.targets),
            "origin": _where(rule.origin),
        }
        if rule.message:
            item["message"] = rule.message
        rules.append(item)
    sources = {name: _source(registry, source) for name, source in registry.sources.items()}
    described = {"groups": groups, "rules": rules, "sources": sources}
    if registry.bundles:
        described["bundles"] = {
            name: {p.name: _source(registry, p.source) for p in packages}
            for name, packages in registry.bundles.items()
        }
    if registry.indexes:
        described["indexes"] = [
            {
                "name": i.name,
                "url": i.url if i.path is None else i.path.relative_to(registry.root).as_posix(),
                "explicit": i.explicit,
                "format": i.format,
            }
            for i in registry.indexes.values()
        ]
    if registry.conditions:
        described["conditions"] = {
            name: [f"{c.text} ({_at(c.origin)})" for c in conditions]
            for name, conditions in registry.conditions.items()
        }
    return described


def _source(registry: Registry, source: Source) -> dict:
    item: dict = {"kind": source.kind}
    for field in ("git", "rev", "tag", "branch", "subdirectory", "version", "marker", "index"):
        if getattr(source, field) is not None:
            item[field] = getattr(source, field)
    if source.path is not None:
        assert source.path.is_absolute()
        item["path"] = source.path.relative_to(registry.root).as_posix()
    if source.editable:
        item["editable"] = True
    if source.extras:
        item["extras"] = list(source.extras)
    return item


def test_there_are_cases() -> None:
    assert "seed" in NAMES and len(NAMES) > 15


@pytest.mark.parametrize("case", NAMES)
def test_registry_case(case: str) -> None:
    expect = json.loads((CASES / case / "expect.json").read_text())
    if "problems" in expect:
        with pytest.raises(InputError) as caught:
            load_registry(CASES / case)
        actual = list(caught.value.problems)
        shown = "\n".join(f"{p.location()}: {p.message} | {p.hint}" for p in actual)
        assert len(actual) == len(expect["problems"]), shown
        for wanted, got in zip(expect["problems"], actual, strict=True):
            assert _problem_matches(wanted, got), f"expected {wanted}\ngot {got}\nall:\n{shown}"
    else:
        assert _describe(load_registry(CASES / case)) == expect


def _at(origin: Origin) -> str:
    return f"{origin.file}:{origin.line} ({origin.key})"


def _where(origin: Origin) -> str:
    """A rule's origin as the expected files spell it: ``file:line (key)``."""
    where = f"{origin.file}:{origin.line}" if origin.line else origin.file
    return f"{where} ({origin.key})" if origin.key else where
