"""Text and JSON for what the commands return: pure functions, no click, no I/O.

Every ``*_text`` function takes ``style``, a callable like ``click.style`` (text, fg=..., bold=...)
that the CLI passes in; tests pass ``plain`` to get uncoloured text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from solver.model import Group, RuleKind, Strategy

Style = Callable[..., str]


def plain(text: str, **_style: Any) -> str:
    """A ``style`` that adds nothing."""
    return text


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _selected_text(state: str, chosen: Sequence[str]) -> str:
    if state == "absent":
        return "-"
    return ", ".join(chosen) if chosen else "(open)"


MARK_LEGEND = "* = selected by this project"  # `*` means the same in group list/show and explain


def _options_text(group: Group, chosen: Sequence[str] = ()) -> str:
    """Options in registry order: ``*`` marks the project's choice, ``(default)`` the default."""
    return ", ".join(
        o + ("*" if o in chosen else "") + (" (default)" if o in group.default else "")
        for o in group.options
    )


def _strategy_text(group: Group) -> str:
    if group.strategy is Strategy.ONE:
        return "1-of-N"
    if group.min == 0 and group.max is None:
        return "M-of-N"
    return f"M-of-N [{group.lower}..{group.upper}]"


# --------------------------------------------------------------------------- group list / show
def group_table(rows: Iterable[Any], *, style: Style = plain) -> list[str]:
    """``hpm group list``: one aligned row per group; ``*`` marks the project's choices."""
    body = [
        [
            r.group.name,
            _strategy_text(r.group),
            _selected_text(r.state, r.chosen),
            _options_text(r.group, r.chosen),
        ]
        for r in rows
    ]
    if not body:
        return ["the registry has no groups"]
    lines = table(body, ["GROUP", "STRATEGY", "SELECTED", "OPTIONS"])
    return [style(lines[0], bold=True), *lines[1:], MARK_LEGEND]


def group_json(row: Any) -> dict[str, object]:
    """The JSON shape of one group (``group list --json`` items, ``group show --json``)."""
    g: Group = row.group
    return {
        "name": g.name,
        "strategy": g.strategy.value,
        "description": g.description,
        "min": g.lower,
        "max": g.upper,
        "default": list(g.default),
        "options": list(g.options),
        "state": row.state,
        "selected": list(row.chosen),
        "file": g.origin.file,
    }


def _others(terms: tuple[str, ...], term: str) -> list[str]:
    return [t for t in terms if t != term]


def _option_rules(row: Any, option: str) -> list[str]:
    """What the rules say about ``option`` (or a group term), both ways, compound ``when``
    included: "requires …; required by …; conflicts with …"."""
    links = row.registry.model.rules_of(option)
    out = []
    for rule in links.outgoing:
        verb = "requires" if rule.kind is RuleKind.REQUIRES else "conflicts with"
        also = _others(rule.when, option)
        text = f"{verb} {' or '.join(rule.targets)}"
        out.append(text + (f" (with {' and '.join(also)})" if also else ""))
    for rule in links.incoming:
        when = " and ".join(rule.when)
        if rule.kind is RuleKind.CONFLICTS:
            out.append(f"conflicts with {when}" if when else "never allowed")
            continue
        alternatives = _others(rule.targets, option)
        text = f"required by {when}" if when else "always required"
        out.append(text + (f" (or {' or '.join(alternatives)})" if alternatives else ""))
    return out


def _relations_json(row: Any, term: str) -> dict[str, list[dict[str, Any]]]:
    """The JSON of :func:`_option_rules`: rules by relation, each with when, targets, origin."""
    from hpm.explain_text import origin_json

    links = row.registry.model.rules_of(term)

    def rule(r: Any) -> dict[str, Any]:
        return {"when": list(r.when), "targets": list(r.targets), "origin": origin_json(r.origin)}

    return {
        "requires": [rule(r) for r in links.outgoing if r.kind is RuleKind.REQUIRES],
        "conflicts_with": [rule(r) for r in links.outgoing if r.kind is RuleKind.CONFLICTS]
        + [rule(r) for r in links.incoming if r.kind is RuleKind.CONFLICTS],
        "required_by": [rule(r) for r in links.incoming if r.kind is RuleKind.REQUIRES],
    }


def _source_text(row: Any, option: str) -> str:
    if option in row.registry.bundles:
        return "; ".join(
            _package_text(row, p.name, p.source) for p in row.registry.packages(option)
        )
    return _package_text(row, option, row.registry.source(option), kind=True)


def _package_text(row: Any, name: str, src: Any, *, kind: bool = False) -> str:
    """``git URL@ref``, ``path DIR``, ``index name>=1``; a bundle's items start with the name."""
    head = "" if kind else f"{name} "
    if src.kind == "git":
        ref = f"@{src.ref}" if src.ref else ""
        return f"{head}git {src.git}{ref}"
    if src.kind == "path":
        shown = _registry_path(row, src.path)
        return f"{head}path {shown}" + (" (editable)" if src.editable else "")
    where = f" from {src.index}" if src.index else ""
    return f"{'index ' if kind else ''}{name}{src.version or ''}{where}"


def group_detail_text(row: Any, *, style: Style = plain) -> list[str]:
    """``hpm group show``: the group, its options with sources and rules."""
    g: Group = row.group
    head = f"{style(g.name, bold=True)} ({_strategy_text(g)})"
    lines = [head + (f": {g.description}" if g.description else "")]
    lines.append(f"  defined in {g.origin.file}")
    replaced = row.registry.overrides.get(g.name)
    if replaced:
        lines.append(f"  overrides {replaced}")
    lines.append(f"  selected: {_selected_text(row.state, row.chosen)}")
    if g.default:
        lines.append(f"  default: {', '.join(g.default)}")
    lines.append("  options:")
    body = []
    for option in g.options:
        mark = "*" if option in row.chosen else " "
        rules = [*_option_rules(row, option), *_machine_rule(row, option)]
        body.append([f"  {mark} {option}", _source_text(row, option), "; ".join(rules)])
    lines.extend("  " + line for line in table(body, ["", "SOURCE", "RULES"])[1:])
    lines.append(f"  {MARK_LEGEND}")
    for name, index in _group_indexes(row).items():
        where = index.url or _registry_path(row, index.path)
        lines.append(f"  index {name}: {where}{_index_kinds(index)}")
    own = _option_rules(row, g.name)
    if own:
        lines.append(f"  the group itself: {'; '.join(own)}")
    return lines


def _machine_rule(row: Any, option: str) -> list[str]:
    """``only where gpu nvidia, cuda >=13.0``: the option's ``machine:`` conditions, if any."""
    conditions = row.registry.conditions.get(option, ())
    return [f"only where {', '.join(c.text for c in conditions)}"] if conditions else []


def _group_indexes(row: Any) -> dict[str, Any]:
    """The indexes the group's options route packages to, by name, in first-use order."""
    names = [p.source.index for o in row.group.options for p in row.registry.packages(o)]
    return {n: row.registry.indexes[n] for n in dict.fromkeys(names) if n is not None}


def _index_kinds(index: Any) -> str:
    """`` (flat, explicit)``: an index's (or index entry's) format and explicitness, or ``""``."""
    kinds = [k for k in (index.format, "explicit" if index.explicit else "") if k]
    return f" ({', '.join(kinds)})" if kinds else ""


def _registry_path(row: Any, path: Any) -> str:
    """``path`` relative to the registry's root when it is inside it, else as it is."""
    try:
        return str(path.relative_to(row.registry.root).as_posix())
    except ValueError:
        return str(path)


def group_detail_json(row: Any) -> dict[str, object]:
    data = group_json(row)
    data["overrides"] = row.registry.overrides.get(row.group.name)
    data["sources"] = {o: _source_json(row, o) for o in row.group.options}
    data["rules"] = {o: _option_rules(row, o) for o in row.group.options}
    data["machine"] = {
        o: {c.fact: c.spec or list(c.values) for c in row.registry.conditions[o]}
        for o in row.group.options
        if o in row.registry.conditions
    }
    data["packages"] = {
        o: [{"name": p.name, **_package_json(p.source)} for p in row.registry.packages(o)]
        for o in row.group.options
    }
    data["indexes"] = {
        name: {
            "url": index.url,
            "path": None if index.path is None else str(index.path),
            "explicit": index.explicit,
            "format": index.format,
        }
        for name, index in _group_indexes(row).items()
    }
    data["relations"] = {t: _relations_json(row, t) for t in (row.group.name, *row.group.options)}
    return data


def _source_json(row: Any, option: str) -> dict[str, object]:
    if option in row.registry.bundles:
        return {"kind": "bundle"}
    return _package_json(row.registry.source(option))


def _package_json(src: Any) -> dict[str, object]:
    data: dict[str, object] = {"kind": src.kind}
    for key in ("git", "rev", "tag", "branch", "subdirectory", "version", "marker", "index"):
        value = getattr(src, key)
        if value:
            data[key] = value
    if src.path is not None:
        data["path"] = str(src.path)
        data["editable"] = src.editable
    if src.extras:
        data["extras"] = list(src.extras)
    return data


def group_change_text(change: Any) -> str:
    """One line saying what ``group add`` / ``group remove`` changed."""
    name = change.group
    after = ", ".join(change.after or ()) or "(open)"
    before = ", ".join(change.before or ()) or "(open)"
    stale = " (no longer in the registry)" if change.stale else ""
    if not change.is_listed:
        return f"removed group {name}{stale} (was {before}); run `hpm sync` to remove its packages"
    if stale:
        return f"{name}: {before} -> {after}{stale}; run `hpm sync` to apply"
    step = f"run `{change.next_step}`"
    if change.next_step != "hpm sync":
        why = [f"{', '.join(change.open_groups)} left open"] if change.open_groups else []
        if change.needed_groups:
            why.append(f"rules now require {', '.join(change.needed_groups)}")
        step += f" ({'; '.join(why)}: --auto chooses)"
    if not change.was_listed:
        return f"added {name} = {after}; {step} to install"
    if change.before == change.after:
        return f"{name} = {after} (unchanged)"
    return f"{name}: {before} -> {after}; {step} to apply"


# --------------------------------------------------------------------------- check
INVALID_MESSAGE = "the selection is invalid: these choices and rules cannot hold together"
INVALID_HINT = "change one of the choices above; `hpm explain GROUP` lists what fits"
MACHINE_MESSAGE = "this machine cannot run the selection"
MACHINE_HINT = (
    "choose what it can run (`hpm explain GROUP`); `--machine KEY=VALUE` checks for another "
    "machine, `--any-machine` ignores machine conditions"
)
INCOMPLETE_HINT = (
    "run `hpm sync --auto` to fill them (defaults first), or choose with `hpm group add`"
)


def invalid_message(conflict: Any) -> tuple[str, str]:
    """The error and hint for an invalid selection (one whose only obstacle is the machine, or
    not)."""
    from hpm.explain_text import is_machine_conflict

    if is_machine_conflict(conflict):
        return MACHINE_MESSAGE, MACHINE_HINT
    return INVALID_MESSAGE, INVALID_HINT


def incomplete_message(verdict: Any) -> str:
    """One sentence naming the open groups and the groups that rules pull in."""
    parts = []
    if verdict.open_groups:
        parts.append(f"open groups with no choice yet: {', '.join(verdict.open_groups)}")
    if verdict.needed_groups:
        parts.append(f"groups that rules require: {', '.join(verdict.needed_groups)}")
    return "the selection is incomplete: " + "; ".join(parts or ["choices are missing"])


def check_text(report: Any, *, style: Style = plain) -> list[str]:
    """``hpm check``: one verdict line, then the reason and a hint when it is not valid."""
    verdict = report.verdict
    lines: list[str] = []
    if verdict.status == "valid":
        lines.append(f"{style('ok', fg='green', bold=True)}: the selection is valid")
    elif verdict.status == "incomplete":
        lines.append(f"{style('error', fg='red', bold=True)}: {incomplete_message(verdict)}")
        lines.append(f"{style('hint', fg='cyan', bold=True)}: {INCOMPLETE_HINT}")
    else:
        from hpm.explain_text import render_conflict

        message, hint = invalid_message(verdict.conflict)
        lines.append(f"{style('error', fg='red', bold=True)}: {message}")
        lines.extend(f"  {line}" for line in render_conflict(verdict.conflict))
        lines.append(f"{style('hint', fg='cyan', bold=True)}: {hint}")
    if report.drift:
        lines.append(f"{style('error', fg='red', bold=True)}: hpm.lock is not up to date:")
        lines.extend(f"  - {d}" for d in report.drift)
        lines.append(f"{style('hint', fg='cyan', bold=True)}: run `hpm sync` and commit hpm.lock")
    return lines


def check_json(report: Any) -> dict[str, object]:
    """``hpm check --json``: see docs/json.md for the shape."""
    verdict = report.verdict
    data: dict[str, object] = {
        "ok": report.ok,
        "status": verdict.status,
        "open_groups": list(verdict.open_groups),
        "needed_groups": list(verdict.needed_groups),
        "conflict": None,
        "drift": list(report.drift),
    }
    if verdict.conflict is not None:
        from hpm.explain_text import conflict_to_json

        data["conflict"] = conflict_to_json(verdict.conflict)
    return data


# --------------------------------------------------------------------------- explain
def explain_text(report: Any, *, style: Style = plain) -> list[str]:
    """``hpm explain``: an aligned table of the group's options, then why each rejected one is."""
    from hpm.explain_text import render_conflict

    g: Group = report.group
    now = _selected_text(report.state, report.chosen)
    lines = [f"{style(g.name, bold=True)} ({_strategy_text(g)}), selected now: {now}"]
    body = []
    for option, conflict in report.results.items():
        verdict = style("possible", fg="green") if conflict is None else style("rejected", fg="red")
        mark = "*" if option in report.chosen else " "
        body.append([f"{mark} {option}", verdict])
    lines.extend("  " + line for line in table(body, ["", ""])[1:])
    lines.append(f"  {MARK_LEGEND}")
    for option, conflict in report.results.items():
        if conflict is not None:
            lines.append("")
            lines.append(f"why not {style(option, bold=True)}:")
            lines.extend(f"  {line}" for line in render_conflict(conflict, asked=option))
    return lines


def explain_json(report: Any) -> dict[str, object]:
    """``hpm explain --json``: see docs/json.md for the shape."""
    from hpm.explain_text import conflict_to_json

    return {
        "group": report.group.name,
        "strategy": report.group.strategy.value,
        "state": report.state,
        "selected": list(report.chosen),
        "options": [
            {
                "name": option,
                "possible": conflict is None,
                "conflict": None if conflict is None else conflict_to_json(conflict, asked=option),
            }
            for option, conflict in report.results.items()
        ],
    }


# --------------------------------------------------------------------------- sync
def plan_text(outcome: Any, *, dry_run: bool, style: Style = plain) -> list[str]:
    """What ``hpm sync`` is about to do, before uv's own output (or instead of it: --dry-run)."""
    plan = outcome.plan
    lines: list[str] = []
    reasons = outcome.reasons
    for group, value in outcome.write_back.items():
        shown = value if isinstance(value, str) else ", ".join(value)
        why = f"  ({fill_reason_text(reasons[group])})" if group in reasons else ""
        lines.append(f"{style('choose', fg='cyan')}   {group} = {shown}{why}")
    for group in outcome.dropped:
        lines.append(
            f"{style('drop', fg='red')}     {group}  (--auto activated it for a rule; "
            "nothing needs it any more)"
        )
    for name in plan.remove:
        lines.append(f"{style('remove', fg='red')}   {name}")
    routes = plan.routes
    for name, text in plan.additions():
        index = routes.sources.get(name)
        lines.append(
            f"{style('add', fg='green')}      {text}" + (f"  (index {index})" if index else "")
        )
    replaced = {e.name for e in routes.add_indexes}
    for name in routes.drop_indexes:
        if name not in replaced:
            lines.append(f"{style('index', fg='red')}    - {name}")
    for entry in routes.add_indexes:
        lines.append(
            f"{style('index', fg='green')}    + {entry.name} = {entry.url}{_index_kinds(entry)}"
        )
    lines.extend(kept_lines(plan, style=style))
    if plan.environment:
        lines.append(f"{style('environment', fg='cyan')} differs from uv.lock: uv sync repairs it")
        lines.extend(f"  {change}" for change in plan.environment)
    if plan.is_empty:
        lines.append("nothing to do: the project already matches its choices")
        return lines
    if dry_run:
        lines.append("would run:" if lines else "would run (nothing changes in pyproject.toml):")
        commands = [f"  {cmd}" for cmd in plan.command_lines]
        if not routes.is_empty:
            edit = "  (hpm edits pyproject.toml: [[tool.uv.index]], [tool.uv.sources])"
            commands.insert(plan.routes_at, edit)
        lines.extend(commands)
        if plan.uninstall:
            lines.append(
                "  uv pip uninstall --python .venv -- "
                + " ".join(plan.uninstall)
                + "  (what leaves uv.lock; unless a package being added needs it)"
            )
    return lines


def fill_reason_text(reason: Any) -> str:
    """Why ``--auto`` chose a group's options: the default, registry order, or a rule."""
    from hpm.explain_text import origin_text

    head = "activated: " if reason.activated else ""
    if reason.kind == "rule":
        said = f": {reason.message}" if reason.message else ""
        return f"{head}required by {origin_text(reason.origin)}{said}"
    if reason.kind == "default":
        return f"{head}the default"
    return f"{head}the first that fit, in registry order"


def kept_lines(plan: Any, *, style: Style = plain) -> list[str]:
    """The user's own packages that a choice names, left as written (and hand-edited ones)."""
    lines = []
    warn = style("warning", fg="yellow", bold=True)
    for kept in plan.kept:
        why = (
            "changed by hand since hpm added it; left as you wrote it"
            if kept.edited
            else "already a dependency of the project; left as you wrote it"
        )
        lines.append(f"{style('keep', fg='cyan')}     {kept.name}: {why}")
        if kept.differs:
            lines.append(
                f"{warn}: {kept.name}: the registry asks for `{kept.wanted}`, the project has "
                f"`{'`, `'.join(kept.entries)}`"
            )
    for name in plan.released:
        lines.append(
            f"{style('keep', fg='cyan')}     {name}: changed by hand since hpm added it; "
            "no longer chosen, left as you wrote it"
        )
    return lines


def plan_json(outcome: Any) -> dict[str, object]:
    """``hpm sync --dry-run --json``: see docs/json.md for the shape."""
    from hpm.explain_text import origin_json

    plan = outcome.plan
    return {
        "choices": {
            g: (list(opts) if opts is not None else None)
            for g, opts in outcome.resolution.choices.items()
        },
        "write_back": outcome.write_back,
        "reasons": {
            g: {
                "kind": r.kind,
                "activated": r.activated,
                "origin": origin_json(r.origin),
                "message": r.message,
            }
            for g, r in outcome.reasons.items()
        },
        "dropped": list(outcome.dropped),
        "remove": list(plan.remove),
        "add": list(plan.add),
        "add_editable": list(plan.add_editable),
        "unchanged": list(plan.unchanged),
        "kept": [
            {
                "name": k.name,
                "declared": list(k.entries),
                "registry": k.wanted,
                "edited": k.edited,
                "differs": k.differs,
            }
            for k in plan.kept
        ],
        "released": list(plan.released),
        "environment": list(plan.environment),
        "uninstall": list(plan.uninstall),
        "commands": [list(argv) for argv in plan.commands],
        "indexes": {
            "add": [e.fields() for e in plan.routes.add_indexes],
            "remove": list(plan.routes.drop_indexes),
        },
        "routes": dict(plan.routes.sources),
        "command_lines": list(plan.command_lines),
    }


def sync_done_text(outcome: Any, *, style: Style = plain) -> str:
    plan = outcome.plan
    if plan.is_empty:
        return f"{style('ok', fg='green', bold=True)}: hpm.lock is up to date"
    if outcome.locked:
        return f"{style('ok', fg='green', bold=True)}: synced from uv.lock; hpm.lock unchanged"
    added, removed = len(plan.add) + len(plan.add_editable), len(plan.remove)
    counts = f"{added} added, {removed} removed, {len(plan.unchanged)} unchanged"
    if plan.kept:
        counts += f", {len(plan.kept)} yours kept"
    return f"{style('ok', fg='green', bold=True)}: synced ({counts}); wrote hpm.lock"


# --------------------------------------------------------------------------- registry check
def registry_text(report: Any, *, style: Style = plain) -> list[str]:
    """``hpm registry check``: counts, then findings (void, dead defaults, dead options, rules
    that never apply or are redundant, core)."""
    from hpm.explain_text import describe, origin_text, render_conflict

    model, a = report.registry.model, report.analysis
    err, warn = style("error", fg="red", bold=True), style("warning", fg="yellow", bold=True)
    lines = [
        f"registry {report.registry.location}: {len(model.groups)} groups, "
        f"{len(model.options)} options, {len(model.rules)} rules"
    ]
    if a.void:
        lines.append(f"{err}: the registry is void: no selection satisfies its rules")
        if report.void_reason is not None:
            lines.extend(f"  {line}" for line in render_conflict(report.void_reason))
        return lines
    for group, option in a.dead_defaults:
        lines.append(f"{err}: default `{option}` of group `{group}` can never be chosen")
    for group in a.dead_groups:
        lines.append(f"{warn}: group `{group}` can never be activated (all its options are dead)")
    if a.dead:
        lines.append(
            f"{warn}: {_count(len(a.dead), 'dead option')} (in no valid selection): "
            f"{', '.join(a.dead)}"
        )
        for option, conflict in report.reasons.items():
            lines.append(f"  why `{option}` is dead:")
            lines.extend(f"    {line}" for line in render_conflict(conflict, asked=option))
        if len(a.dead) > len(report.reasons):
            lines.append(f"  ({len(a.dead) - len(report.reasons)} more: `hpm explain GROUP` each)")
    if report.rules is not None:
        for kind, indexes in (
            ("never applies", report.rules.never_applies),
            ("is redundant (the other rules imply it)", report.rules.redundant),
        ):
            for index in indexes[:RULES_SHOWN]:
                rule = model.rules[index]
                lines.append(f"{warn}: rule {kind}: {describe(rule)}  ({origin_text(rule.origin)})")
            if len(indexes) > RULES_SHOWN:
                lines.append(f"  ... {len(indexes) - RULES_SHOWN} more (see --json)")
    for item in report.registry.disagreements:
        first, second = (origin_text(o) for o in item.origins)
        lines.append(
            f"{warn}: `{item.options[0]}` and `{item.options[1]}` install `{item.package}` from "
            f"different sources, so they cannot be chosen together ({first}; {second})"
        )
    for index in report.registry.unused_indexes():
        lines.append(
            f"{warn}: index `{index.name}` is used by no option  ({origin_text(index.origin)})"
        )
    core = ", ".join(a.core) if a.core else "none"
    lines.append(f"core options (in every valid selection): {core}")
    verdict = style("ok", fg="green", bold=True) if report.ok else err
    lines.append(f"{verdict}: {'no errors' if report.ok else 'the registry has errors'}")
    return lines


def registry_json(report: Any) -> dict[str, object]:
    """``hpm registry check --json``: see docs/json.md for the shape."""
    from hpm.explain_text import conflict_to_json, origin_json

    model, a = report.registry.model, report.analysis
    return {
        "ok": report.ok,
        "registry": report.registry.location,
        "groups": len(model.groups),
        "options": len(model.options),
        "rules": len(model.rules),
        "void": a.void,
        "core": list(a.core),
        "dead": list(a.dead),
        "dead_groups": list(a.dead_groups),
        "dead_defaults": [{"group": g, "option": o} for g, o in a.dead_defaults],
        "reasons": {o: conflict_to_json(c, asked=o) for o, c in report.reasons.items()},
        "void_reason": None if report.void_reason is None else conflict_to_json(report.void_reason),
        "never_applies": _rules_json(model, report.rules.never_applies if report.rules else ()),
        "redundant": _rules_json(model, report.rules.redundant if report.rules else ()),
        "disagreements": [
            {
                "package": d.package,
                "options": list(d.options),
                "origins": [origin_json(o) for o in d.origins],
            }
            for d in report.registry.disagreements
        ],
        "unused_indexes": [
            {"name": i.name, **(origin_json(i.origin) or {})}
            for i in report.registry.unused_indexes()
        ],
    }


RULES_SHOWN = 10  # per kind of rule finding, in text; --json lists them all


def _rules_json(model: Any, indexes: Sequence[int]) -> list[dict[str, object]]:
    from hpm.explain_text import describe

    return [
        {
            "text": describe(model.rules[i]),
            "file": model.rules[i].origin.file,
            "key": model.rules[i].origin.key,
            "line": model.rules[i].origin.line,
        }
        for i in indexes
    ]


# --------------------------------------------------------------------------- errors
def error_text(error: Any, *, style: Style = plain) -> list[str]:
    """An :class:`hpm.errors.HpmError` as ``error:`` / ``hint:`` lines (for stderr)."""
    from hpm.errors import InputError, SelectionError, UvError

    err, hint = style("error", fg="red", bold=True), style("hint", fg="cyan", bold=True)
    if isinstance(error, InputError) and len(error.problems) > 1:
        lines = [f"{err}: {error.message}"]
        for problem in error.problems:
            lines.append(f"  {problem.location()}: {problem.message}")
            if problem.hint:
                lines.append(f"    {style('hint', fg='cyan')}: {problem.hint}")
        return lines
    lines = [f"{err}: {error.message}"]
    if isinstance(error, SelectionError) and error.explanation is not None:
        from hpm.explain_text import render_conflict

        lines.extend(f"  {line}" for line in render_conflict(error.explanation))
    if isinstance(error, UvError) and error.output.strip():
        lines.append(error.output.rstrip())
    if error.hint:
        lines.append(f"{hint}: {error.hint}")
    return lines


def error_json(error: Any) -> dict[str, object]:
    """``--json`` when a command fails: ``{"ok": false, "error", "hint", ...}`` (docs/json.md)."""
    from hpm.errors import InputError, SelectionError, UvError

    data: dict[str, object] = {"ok": False, "error": error.message, "hint": error.hint}
    if isinstance(error, InputError):
        data["problems"] = [
            {"file": p.file, "line": p.line, "key": p.key, "message": p.message, "hint": p.hint}
            for p in error.problems
        ]
    if isinstance(error, SelectionError) and error.explanation is not None:
        from hpm.explain_text import conflict_to_json

        data["conflict"] = conflict_to_json(error.explanation)
    if isinstance(error, UvError):
        data["uv"] = {"argv": error.argv, "returncode": error.returncode, "output": error.output}
    return data


def restored_text(restored: Sequence[str], *, style: Style = plain) -> list[str]:
    """The warning after an interrupted hpm run was rolled back (empty when nothing was)."""
    if not restored:
        return []
    warn = style("warning", fg="yellow", bold=True)
    return [f"{warn}: rolled back an interrupted hpm run; restored {', '.join(restored)}"]


def warning_text(message: str, *, style: Style = plain) -> list[str]:
    return [f"{style('warning', fg='yellow', bold=True)}: {message}"] if message else []


# --------------------------------------------------------------------------- init
def init_text(result: Any, *, style: Style = plain) -> list[str]:
    """``hpm init``: what was recorded, then the next steps."""
    lines = []
    if result.created:
        lines.append(f"created a uv project in {result.project}")
    state = "already uses" if result.already else "now uses"
    lines.append(f'{result.project / "pyproject.toml"} {state} registry = "{result.registry}"')
    if result.previous:
        lines.append(f"registry: {result.previous} -> {result.registry}")
    flag = f" --project {result.project_arg}" if result.project_arg else ""
    lines.append("next steps:")
    lines.append(f"  hpm{flag} group list                  # what the registry offers")
    lines.append(f"  hpm{flag} group add GROUP --option X  # choose (repeat per group)")
    lines.append(f"  hpm{flag} sync --auto                 # fill open choices, install with uv")
    return lines


def init_notes(result: Any, *, style: Style = plain) -> list[str]:
    if result.registry_exists:
        return []
    return warning_text(
        f"no registry at {result.registry} yet (it needs a groups/ directory)", style=style
    )


# --------------------------------------------------------------------------- status
def status_text(report: Any, *, style: Style = plain) -> list[str]:
    """``hpm status``: where things are, the choices, then ok or each problem with its fix."""
    lines = [f"project: {report.project}"]
    if report.workspace_root is not None:
        lines[0] += f" (a member of the uv workspace at {report.workspace_root})"
    lines.append(f"registry: {report.registry_location}")
    lines.extend(_pin_lines(report))
    uv = report.uv
    lines.append(f"uv: uv {uv.version or '(version unknown)'} ({uv.path}, {_UV_FOUND[uv.found]})")
    lines.append(f"selection: {report.selection}")
    for group, chosen in report.choices.items():
        lines.append(f"  {group} = {', '.join(chosen) if chosen else '(open)'}")
    installed = ", ".join(sorted(report.installed_by_hpm)) or "nothing"
    lines.append(f"installed by hpm: {installed}")
    for kept in report.yours:
        lines.append(f"yours (left as you wrote it): {kept.name} ({', '.join(kept.entries)})")
    env = report.environment
    lines.append(f"environment: {env.path}" + ("" if env.exists else " (missing)"))
    if env.extra:
        lines.append(f"  not in uv.lock (left alone): {', '.join(env.extra)}")
    lines.extend(machine_change_text(change) for change in report.machine)
    if report.ok:
        lines.append(
            f"{style('ok', fg='green', bold=True)}: the choices, hpm.lock, pyproject.toml, "
            "uv.lock and the environment agree"
        )
        return lines
    lines.append(f"{style('out of date', fg='red', bold=True)}:")
    lines.extend(f"  - {p.what}  (fix: {p.fix})" for p in report.problems)
    fixes = list(dict.fromkeys(p.fix for p in report.problems))
    lines.append(
        f"{style('hint', fg='cyan', bold=True)}: run {' then '.join(f'`{f}`' for f in fixes)}"
    )
    return lines


def _pin_lines(report: Any) -> list[str]:
    """Each git layer's pinned commit; with ``--remote``, whether its ref has moved since."""
    remote = {state.pin: state for state in report.remote or ()}
    lines: list[str] = []
    for pin in report.pins:
        where = f"{pin.url}@{pin.ref}" + (
            f"#subdirectory={pin.subdirectory}" if pin.subdirectory else ""
        )
        lines.append(f"  pinned: {where} at {pin.commit[:12]}")
        if pin in remote:
            lines.append(f"    remote: {_remote_text(remote[pin])}")
    if report.remote is not None and not report.pins:
        lines.append("  remote: no git-hosted registry layer, nothing to ask")
    return lines


def _remote_text(state: Any) -> str:
    ref = state.pin.ref
    if state.fixed:
        return f"pinned to the commit {ref}, which never moves"
    if state.remote is None:
        return f"the remote has no `{ref}` any more (hpm keeps reading the pinned commit)"
    if state.moved:
        return (
            f"`{ref}` has moved to {state.remote[:12]} "
            "(to take it: `hpm registry update`, then `hpm sync`)"
        )
    return f"`{ref}` is still at the pinned commit"


def _pin_json(pin: Any) -> dict[str, str]:
    return {"url": pin.url, "ref": pin.ref, "subdirectory": pin.subdirectory, "commit": pin.commit}


_UV_FOUND = {
    "HPM_UV": "from HPM_UV",
    "UV": "the uv running hpm (UV)",
    "PATH": "on PATH",
    "bundled": "bundled with hpm",
}


def status_json(report: Any) -> dict[str, object]:
    """``hpm status --json``: see docs/json.md."""
    env = report.environment
    return {
        "ok": report.ok,
        "project": str(report.project),
        "workspace_root": None if report.workspace_root is None else str(report.workspace_root),
        "registry": {
            "location": report.registry_location,
            "path": str(report.registry),
            "digest": report.registry_digest,
            "pins": [_pin_json(pin) for pin in report.pins],
            "remote": None
            if report.remote is None
            else [
                {**_pin_json(s.pin), "remote": s.remote, "moved": s.moved} for s in report.remote
            ],
        },
        "uv": {"path": report.uv.path, "version": report.uv.version, "found": report.uv.found},
        "selection": report.selection,
        "choices": {g: (list(c) if c is not None else None) for g, c in report.choices.items()},
        "installed_by_hpm": dict(report.installed_by_hpm),
        "yours": [
            {
                "name": k.name,
                "declared": list(k.entries),
                "registry": k.wanted,
                "differs": k.differs,
            }
            for k in report.yours
        ],
        "drift": [{"subject": d.subject, "message": d.message} for d in report.drift],
        "uv_lock": {"path": str(report.uv_lock), "up_to_date": report.uv_lock_current},
        "environment": {
            "path": str(env.path),
            "exists": env.exists,
            "missing": list(env.missing),
            "extra": list(env.extra),
        },
        "problems": [{"what": p.what, "fix": p.fix} for p in report.problems],
        "machine": [machine_change_json(change) for change in report.machine],
    }


def machine_change_text(change: Any) -> str:
    """``machine: accelerator = cu130 was chosen where cuda 13.0; here cuda 12.8, so
    `hpm sync --auto` would choose cu124 (hpm group add accelerator --option cu124)``."""
    there = ", ".join(f"{fact} {locked}" for fact, locked, _ in change.facts)
    here = ", ".join(f"{fact} {now}" for fact, _, now in change.facts)
    chose = f"{change.group} = {', '.join(change.recorded)} was chosen where {there}; here {here}"
    if change.now is None:
        return f"machine: {chose}, and no option of {change.group} fits this machine"
    now = ", ".join(change.now)
    flags = " ".join(f"--option {option}" for option in change.now)
    return (
        f"machine: {chose}, so `hpm sync --auto` would choose {now} "
        f"(to switch: hpm group add {change.group} {flags}, then hpm sync)"
    )


def machine_change_json(change: Any) -> dict[str, object]:
    return {
        "group": change.group,
        "recorded": list(change.recorded),
        "now": None if change.now is None else list(change.now),
        "facts": [
            {"fact": fact, "locked": locked, "here": here} for fact, locked, here in change.facts
        ],
    }


# --------------------------------------------------------------------------- one view per report
# --------------------------------------------------------------------------- machine
def machine_text(machine: Any, *, style: Style = plain) -> list[str]:
    """``hpm machine``: one fact a line, its value ("none" when absent) and where it came from."""
    width = max(len(fact.name) for fact in machine.facts)
    values = [fact.value or "none" for fact in machine.facts]
    value_width = max(len(value) for value in values)
    return [
        f"{fact.name:<{width}}  {style(f'{value:<{value_width}}', bold=True)}  {fact.origin()}"
        for fact, value in zip(machine.facts, values, strict=True)
    ]


def machine_json(machine: Any) -> object:
    """The facts (null when absent) and ``sources``: fact -> where it came from."""
    return machine.as_json()


def machine_notes(machine: Any, *, style: Style = plain) -> list[str]:
    return [line for warning in machine.warnings for line in warning_text(warning, style=style)]


def _never(_report: Any) -> bool:
    return False


def _not_ok(report: Any) -> bool:
    return not report.ok


def _raw_text(text: str, *, style: Style = plain) -> list[str]:
    return text.splitlines()


@dataclass(frozen=True, slots=True)
class View:
    """How the CLI shows one kind of report: text lines, JSON, warnings, and when it failed.

    A failed report exits 1 (its text goes to stderr when ``failed_to_stderr``).
    """

    text: Callable[..., list[str]]  # (report, *, style) -> lines for stdout
    json: Callable[[Any], object] | None = None  # None: the command has no --json
    notes: Callable[..., list[str]] | None = None  # (report, *, style) -> warnings for stderr
    failed: Callable[[Any], bool] = _never
    failed_to_stderr: bool = False


def _group_list_json(rows: Any) -> object:
    return [group_json(row) for row in rows]


def _group_change_lines(change: Any, *, style: Style = plain) -> list[str]:
    return [group_change_text(change)]


def _group_change_notes(change: Any, *, style: Style = plain) -> list[str]:
    return warning_text(change.warning, style=style)


def _plan_lines(report: Any, *, style: Style = plain) -> list[str]:
    return plan_text(report.outcome, dry_run=report.dry_run, style=style)


def _plan_json(report: Any) -> object:
    return plan_json(report.outcome)


def _synced_lines(report: Any, *, style: Style = plain) -> list[str]:
    return [sync_done_text(report.outcome, style=style)]


RAW = View(_raw_text)
GROUP_LIST = View(group_table, _group_list_json)
GROUP_SHOW = View(group_detail_text, group_detail_json)
GROUP_CHANGE = View(_group_change_lines, notes=_group_change_notes)
CHECK = View(check_text, check_json, failed=_not_ok, failed_to_stderr=True)
EXPLAIN = View(explain_text, explain_json)
PLAN = View(_plan_lines, _plan_json)
SYNCED = View(_synced_lines)
REGISTRY_CHECK = View(registry_text, registry_json, failed=_not_ok)
INIT = View(init_text, notes=init_notes)
STATUS = View(status_text, status_json, failed=_not_ok)


# -- hpm registry update -----------------------------------------------------------------------


def update_text(report: Any, *, style: Style = plain) -> list[str]:
    """``hpm registry update``: each git layer's move, then what changed in the registry."""
    from hpm.explain_text import describe, origin_text

    lines = []
    for move in report.moves:
        if move.old == move.new:
            lines.append(f"registry {move.registry}: already at {move.new[:12]}")
        else:
            old = move.old[:12] if move.old else "(not pinned)"
            lines.append(f"registry {move.registry}: {old} -> {style(move.new[:12], bold=True)}")
    c = report.changes
    add, drop, edit = style("+", fg="green"), style("-", fg="red"), style("~", fg="yellow")
    lines += [f"  {add} group {g}" for g in c.groups_added]
    lines += [f"  {drop} group {g}" for g in c.groups_removed]
    lines += [f"  {edit} group {g}: {', '.join(what)} changed" for g, what in c.groups_changed]
    lines += [f"  {add} option {o} (group {g})" for g, o in c.options_added]
    lines += [f"  {drop} option {o} (group {g})" for g, o in c.options_removed]
    lines += [
        f"  {edit} option {ch.option} (group {ch.group}): {', '.join(ch.what)} changed"
        for ch in c.options_changed
    ]
    lines += [f"  {add} rule: {describe(r)} ({origin_text(r.origin)})" for r in c.rules_added]
    lines += [f"  {drop} rule: {describe(r)} ({origin_text(r.origin)})" for r in c.rules_removed]
    if report.moved and c.empty:
        lines.append("  no group, option or rule changed")
    if report.written:
        lines.append("hpm.lock updated: run `hpm sync` to apply the new registry")
    return lines


def update_json(report: Any) -> dict[str, object]:
    from hpm.explain_text import describe, origin_json

    c = report.changes

    def rules(found: Iterable[Any]) -> list[dict[str, object]]:
        return [{"text": describe(r), "origin": origin_json(r.origin)} for r in found]

    return {
        "ok": True,
        "layers": [{"registry": m.registry, "old": m.old, "new": m.new} for m in report.moves],
        "updated": report.written,
        "changes": {
            "groups_added": list(c.groups_added),
            "groups_removed": list(c.groups_removed),
            "groups_changed": {g: list(what) for g, what in c.groups_changed},
            "options_added": [{"group": g, "option": o} for g, o in c.options_added],
            "options_removed": [{"group": g, "option": o} for g, o in c.options_removed],
            "options_changed": [
                {"group": ch.group, "option": ch.option, "what": list(ch.what)}
                for ch in c.options_changed
            ],
            "rules_added": rules(c.rules_added),
            "rules_removed": rules(c.rules_removed),
        },
    }


REGISTRY_UPDATE = View(update_text, update_json)
MACHINE = View(machine_text, machine_json, notes=machine_notes)
