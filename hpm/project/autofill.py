"""Why ``hpm sync --auto`` chose what it chose, and which of its groups are still needed.

Pure functions over the engine's model and answers (data out; words in :mod:`hpm.views`):

- :func:`fill_reasons`: for each group ``--auto`` filled or activated, the reason: the group's
  default, the first options that fit (registry order), or the rule (with its file:line) that
  required the group or the chosen option.
- :func:`unneeded_auto_groups`: the groups that an earlier ``--auto`` activated only because a
  rule needed them (``hpm.lock``'s ``auto-groups``) and that nothing needs any more: still listed
  exactly as ``--auto`` wrote them, and the selection without them needs no such group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from solver.model import Model, Origin, Rule, RuleKind, Selection


@dataclass(frozen=True, slots=True)
class FillReason:
    """Why ``--auto`` gave a group its options."""

    group: str
    kind: str  # "default" | "first" (registry order) | "rule"
    activated: bool  # True: the group was not listed; a rule needed it
    origin: Origin | None = None  # for "rule": where the rule is written
    message: str = ""  # the rule's own message, if it has one


def fill_reasons(
    model: Model, selection: Selection, filled: Sequence[str], added: Sequence[str]
) -> dict[str, FillReason]:
    """The reason for each group in ``filled`` (were open) and ``added`` (were activated)."""
    chosen = set(selection.chosen_options)
    reasons: dict[str, FillReason] = {}
    for name in (*filled, *added):
        activated = name in added
        options = tuple(selection.choices.get(name) or ())
        rule = _requiring_rule(model, chosen, name, options, group_wanted=activated)
        if rule is not None:
            reasons[name] = FillReason(name, "rule", activated, rule.origin, rule.message)
        elif set(options) == set(model.group(name).default):
            reasons[name] = FillReason(name, "default", activated)
        else:
            reasons[name] = FillReason(name, "first", activated)
    return reasons


def _requiring_rule(
    model: Model, chosen: set[str], group: str, options: tuple[str, ...], *, group_wanted: bool
) -> Rule | None:
    """A requires-rule that applies (all of ``when`` chosen, outside ``group``) and names the
    group itself (when it was activated) or one of the chosen ``options``."""
    for rule in model.rules:
        if rule.kind is not RuleKind.REQUIRES or not all(t in chosen for t in rule.when):
            continue
        if any(model.is_group(t) is False and model.group_of(t).name == group for t in rule.when):
            continue  # a rule inside the group explains nothing about why the group is there
        for target in rule.targets:
            if (group_wanted and target == group) or target in options:
                return rule
    return None


def unneeded_auto_groups(
    model: Model,
    selection: Selection,
    auto_groups: Sequence[str],
    recorded: Mapping[str, tuple[str, ...] | str],
) -> tuple[str, ...]:
    """The ``auto_groups`` still listed as ``--auto`` wrote them that no rule needs any more."""
    import solver

    drop: list[str] = []
    for name in auto_groups:
        now = selection.choices.get(name)
        was = recorded.get(name)
        was_options = (was,) if isinstance(was, str) else tuple(was or ())
        if now is None or sorted(now) != sorted(was_options):
            continue  # no longer listed, or the user changed it: theirs now
        choices = {g: v for g, v in selection.choices.items() if g not in (*drop, name)}
        verdict = solver.check(model, Selection(choices))
        if verdict.status != "invalid" and name not in verdict.needed_groups:
            drop.append(name)
    return tuple(drop)
