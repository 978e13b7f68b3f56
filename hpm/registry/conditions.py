"""Reading an option's ``machine:`` mapping (fact -> condition) from a group file.

Problems go to the file's checker (file, line, key), like every other registry problem.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from hpm.machine.conditions import Condition
from hpm.machine.facts import FACTS, KNOWN_VALUES, VERSIONED
from hpm.names import did_you_mean
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.yamlfile import KeyPath
from solver.model import Origin

_EXAMPLES = {
    "python": ">=3.11",
    "cuda": ">=12.4",
    "cuda_driver": ">=525.60.13",
    "compute_capability": ">=7.5",
    "rocm": ">=6.2",
}


def read_machine(check: FileChecker, option: dict, path: KeyPath) -> tuple[Condition, ...]:
    """The conditions in ``option["machine"]`` (none when absent); problems are reported."""
    if "machine" not in option:
        return ()
    here = (*path, "machine")
    value = option["machine"]
    if not isinstance(value, dict) or not value:
        what = "an empty mapping" if value == {} else type_name(value)
        check.report(
            here,
            f"`machine` must be a mapping from fact to condition, not {what}",
            'for example `machine: {gpu: nvidia, cuda: ">=12.4"}`',
        )
        return ()
    conditions = []
    for fact, raw in value.items():
        at = (*here, fact)
        if fact not in FACTS:
            hint = did_you_mean(str(fact), FACTS) or "the facts are: " + ", ".join(FACTS)
            check.report(at, f"unknown machine fact `{fact}`", hint)
            continue
        origin = Origin(check.file, check.key(at), check.line(at))
        condition = (
            _versioned(check, fact, raw, at, origin)
            if fact in VERSIONED
            else _categorical(check, fact, raw, at, origin)
        )
        if condition is not None:
            conditions.append(condition)
    return tuple(conditions)


def _versioned(
    check: FileChecker, fact: str, raw: object, at: KeyPath, origin: Origin
) -> Condition | None:
    example = _EXAMPLES[fact]
    if not isinstance(raw, str):
        check.report(
            at,
            f"`{fact}` takes a version specifier (a string), not {type_name(raw)}",
            f'quote it: `{fact}: "{example}"`',
        )
        return None
    try:
        spec = SpecifierSet(raw)
    except InvalidSpecifier:
        check.report(
            at, f"`{raw}` is not a PEP 440 version specifier", f'for example `{fact}: "{example}"`'
        )
        return None
    if not str(spec):
        check.report(at, f"`{fact}` has an empty condition", f'for example `{fact}: "{example}"`')
        return None
    return Condition(fact, str(spec), (), origin)


def _categorical(
    check: FileChecker, fact: str, raw: object, at: KeyPath, origin: Origin
) -> Condition | None:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        check.report(
            at, f"`{fact}` takes a value or a non-empty list of values, not {type_name(raw)}"
        )
        return None
    known = KNOWN_VALUES[fact]
    before = len(check.problems)
    for i, value in enumerate(items):
        where = at if isinstance(raw, str) else (*at, i)
        if known is not None and value not in known:
            hint = did_you_mean(value.lower(), known) or "one of: " + ", ".join(known)
            check.report(where, f"unknown {fact} `{value}`", hint)
        elif known is None and (not value or value != value.lower() or " " in value):
            check.report(where, f"`{value}` is not a valid {fact}", "for example x86_64 or aarch64")
    if len(check.problems) > before:
        return None
    return Condition(fact, "", tuple(dict.fromkeys(items)), origin)
