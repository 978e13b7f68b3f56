"""Render the solver's conflicts as text lines or JSON (pure functions; the CLI prints them).

JSON shape of a conflict (``conflict_to_json``), stable::

    {
      "choices":     [{"group": str, "option": str | null, "kind": "chosen"|"only"|"open",
                       "text": str}],
      "constraints": [{"type": "rule", "kind": "requires"|"conflicts", "when": [str],
                       "targets": [str], "message": str, "text": str, "origin": ORIGIN}
                      | {"type": "limit", "group": str, "lower": int, "upper": int,
                         "text": str, "origin": ORIGIN}],
      "chain":       [{"source": str, "target": str, "relation": str, "text": str,
                       "origin": ORIGIN | null}],          # null origin: the user's choice
      "fixes":       [[CHOICE, ...], ...]                  # each: choices to drop or change
    }
    ORIGIN = {"file": str, "key": str, "line": int | null, "detail"?: str}

A choice's ``kind`` is ``"asked"`` for the option a question was about (``hpm explain GROUP
OPTION``, a dead option in ``hpm registry check``): the user never chose it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpm.errors import location
from hpm.machine.facts import MACHINE_FILE
from solver import Choice, GroupLimit
from solver.model import Origin, Rule, RuleKind

if TYPE_CHECKING:
    from solver import Conflict


def _names(terms: tuple[str, ...]) -> str:
    return terms[0] if len(terms) == 1 else "one of " + ", ".join(terms)


def origin_text(origin: Origin) -> str:
    """``groups/inference.yaml:9: options[2].requires[0]`` (:func:`hpm.errors.location`); a
    fact of this machine is ``this machine``; a fact no registry file states adds where it came
    from: ``<machine>: cuda: nvidia-smi not found``."""
    if origin.file == MACHINE_FILE:
        return "this machine"
    text = location(origin.file, origin.line, origin.key)
    return f"{text}: {origin.detail}" if origin.detail else text


def limit_text(limit: GroupLimit) -> str:
    """A group's strategy as a sentence: "metrics takes at most 2 options". The limit's origin
    points at the key that sets it (``max``, else ``min``, else ``strategy``)."""
    lower, upper = limit.lower, limit.upper
    if lower > upper:
        return f"{limit.group} takes at least {lower} of its {upper} options when active"
    if upper == 1:
        return f"{limit.group} takes at most one option"
    if lower <= 1:
        return f"{limit.group} takes at most {upper} options"
    bounds = f"exactly {lower}" if lower == upper else f"between {lower} and {upper}"
    return f"{limit.group} takes {bounds} options when active"


def describe(element: Choice | Rule | GroupLimit) -> str:
    """One element of a conflict as a short sentence."""
    if isinstance(element, Choice):
        if element.kind == "open":
            return f"{element.group} is listed without a choice"
        if element.kind == "only":
            return f"{element.group} leaves out {element.option}"
        return f"{element.group} = {element.option}"
    if isinstance(element, GroupLimit):
        return limit_text(element)
    if _is_machine(element):  # a fact of this machine: its message says it all
        return element.message
    when = " and ".join(element.when)
    if element.kind is RuleKind.REQUIRES:
        text = (
            f"{when} requires {_names(element.targets)}"
            if when
            else (f"always requires {_names(element.targets)}")
        )
    else:
        targets = ", ".join(element.targets)
        text = f"{when} conflicts with {targets}" if when else f"{targets} never allowed"
    return f"{text}: {element.message}" if element.message else text


def _fix_text(fix: tuple[Choice, ...]) -> str:
    parts = []
    for choice in fix:
        if choice.kind == "open":
            parts.append(f"remove {choice.group} from the selection")
        elif choice.kind == "only":
            parts.append(f"add {choice.option} to {choice.group}")
        else:
            parts.append(f"drop or change {choice.group} = {choice.option}")
    return "fix: " + "; and ".join(parts)


def is_machine_conflict(conflict: Conflict) -> bool:
    """Whether only facts of this machine (no registry rule) stand against the choices."""
    return bool(conflict.constraints) and all(map(_is_machine, conflict.constraints))


def _is_machine(element: object) -> bool:
    return isinstance(element, Rule) and element.origin.file == MACHINE_FILE


def _is_asked(element: object, asked: str | None) -> bool:
    return (
        asked is not None
        and isinstance(element, Choice)
        and element.kind == "chosen"
        and element.option == asked
    )


def render_conflict(conflict: Conflict, *, asked: str | None = None) -> list[str]:
    """A headline, the chain (one line per step, with its origin), then ``fix:`` lines.

    ``asked`` names the option a question was about (it is labelled so, not "your choice").
    """
    n = sum(not _is_asked(c, asked) for c in conflict.choices)
    if is_machine_conflict(conflict):  # only facts of this machine stand in the way
        head = (
            f"{asked} is not possible on this machine:"
            if asked is not None
            else f"{n} choice{'s' if n != 1 else ''} cannot run on this machine:"
        )
    elif asked is not None:
        head = f"{asked} cannot hold together with " + (
            "your choices and the registry's rules:" if n else "the registry's rules:"
        )
    elif n:
        head = f"{n} choice{'s' if n != 1 else ''} cannot hold together with the registry's rules:"
    else:
        head = "the registry's rules cannot hold together:"
    lines = [head]
    for step in conflict.chain:
        if _is_asked(step.element, asked):
            where = "the option asked about"
        elif _is_machine(step.element):
            lines.append(f"  {describe(step.element)}")  # it says where the fact came from
            continue
        else:
            where = "your choice" if step.origin is None else origin_text(step.origin)
        lines.append(f"  {describe(step.element)}  ({where})")
    lines.extend(_fix_text(fix) for fix in conflict.fixes)
    return lines


def origin_json(origin: Origin | None) -> dict[str, Any] | None:
    if origin is None:
        return None
    found: dict[str, Any] = {"file": origin.file, "key": origin.key, "line": origin.line}
    if origin.detail is not None:  # a fact no registry file states: where it came from
        found["detail"] = origin.detail
    return found


def _choice(choice: Choice, asked: str | None = None) -> dict[str, Any]:
    return {
        "group": choice.group,
        "option": choice.option,
        "kind": "asked" if _is_asked(choice, asked) else choice.kind,
        "text": describe(choice),
    }


def _constraint(element: Rule | GroupLimit) -> dict[str, Any]:
    if isinstance(element, GroupLimit):
        return {
            "type": "limit",
            "group": element.group,
            "lower": element.lower,
            "upper": element.upper,
            "text": describe(element),
            "origin": origin_json(element.origin),
        }
    return {
        "type": "rule",
        "kind": element.kind.value,
        "when": list(element.when),
        "targets": list(element.targets),
        "message": element.message,
        "text": describe(element),
        "origin": origin_json(element.origin),
    }


def conflict_to_json(conflict: Conflict, *, asked: str | None = None) -> dict[str, Any]:
    """The conflict as plain JSON data (shape in the module docstring)."""
    return {
        "choices": [_choice(c, asked) for c in conflict.choices],
        "constraints": [_constraint(c) for c in conflict.constraints],
        "chain": [
            {
                "source": s.source,
                "target": s.target,
                "relation": s.relation,
                "text": describe(s.element),
                "origin": origin_json(s.origin),
            }
            for s in conflict.chain
        ],
        "fixes": [[_choice(c) for c in fix] for fix in conflict.fixes],
    }
