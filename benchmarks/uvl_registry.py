"""Turn a parsed UVL feature model into an hpm registry (as a plan, a Model, or YAML files).

The registry means exactly what the feature model means (one valid selection per
configuration):

- every feature is an option (abstract ones and the root included), named by a PEP 503 slug of
  its UVL name (``-2``, ``-3`` ... on collision) with the original name as its description;
- the root is the only option of its own 1-of-N group, and ``rules.yaml`` starts with
  ``requires: [root]`` (no ``when``): the root is always selected;
- each UVL group under a parent P becomes an hpm group named ``g-<n>-<P's slug>``:
  alternative -> 1-of-N; or -> M-of-N min 1; optional and mandatory -> M-of-N;
  ``[n..m]`` -> M-of-N min n max m. Every child requires P (an option-level ``requires``);
  a mandatory child is required ``when: [P]``; alternative/or/``[n..m]`` with n >= 1 are
  required ``when: [P]`` as a group ("some option of the group");
- each cross-tree constraint becomes CNF clauses by distribution; a clause
  ``!a | !b | c | d`` is ``{when: [a, b], requires: [{any: [c, d]}]}``, an all-negative clause
  ``!a | !b | !c`` is ``{when: [a, b], conflicts: [c]}``, a positive unit ``{requires: [x]}``;
- where distributing would multiply clauses (large constraints, as in the Linux and CVE
  models), a subformula ``g`` gets an auxiliary option ``x`` with ``x <=> g`` (a Tseitin
  definition, see ``uvl_model.to_clauses``). Auxiliary options live in one M-of-N group
  (``AUX_GROUP``, description starting with ``AUX_DESCRIPTION``) and are listed in
  ``RegistryPlan.auxiliary``: their value is fixed by the features', so the configurations and
  the core and dead *features* are unchanged, but an analysis of the registry also reports
  the auxiliary options that are core or dead: leave them out when comparing with a feature
  model's figures.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from benchmarks.uvl_model import (
    FeatureModel,
    Formula,
    UvlError,
    formula_text,
    parse_uvl,
    to_clauses,
)
from hpm.gcpause import collector_paused
from solver.model import Group, Model, Origin, Rule, RuleKind, Strategy


class OptionSpec(NamedTuple):
    """One option of a group file.

    A named tuple, not a frozen dataclass: a converted registry has tens of thousands of these
    and of :class:`RuleSpec`, and a frozen dataclass's ``__init__`` (one ``object.__setattr__``
    per field) was a fifth of the conversion; :data:`_option` builds one from a tuple in C.
    """

    name: str
    description: str
    requires: tuple[str, ...] = ()
    requires_any: tuple[tuple[str, ...], ...] = ()  # each item: {any: [...]}
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """One ``groups/<name>.yaml`` file."""

    name: str
    strategy: Strategy
    options: tuple[OptionSpec, ...]
    description: str
    min: int = 0
    max: int | None = None
    default: tuple[str, ...] = ()


class RuleSpec(NamedTuple):
    """One ``rules.yaml`` entry: when all of ``when``, ``requires`` any of / ``conflicts`` all.

    A named tuple for the reason :class:`OptionSpec` is; :data:`_rule` builds one in C.
    """

    when: tuple[str, ...]
    kind: RuleKind
    targets: tuple[str, ...]


#: ``OptionSpec`` / ``RuleSpec`` from a tuple of all their fields, without a Python ``__new__``
_option: Callable[[tuple[str, str, tuple[str, ...], tuple[()], tuple[()]]], OptionSpec] = (
    functools.partial(tuple.__new__, OptionSpec)
)
_rule: Callable[[tuple[tuple[str, ...], RuleKind, tuple[str, ...]]], RuleSpec] = functools.partial(
    tuple.__new__, RuleSpec
)


@dataclass(frozen=True, slots=True)
class RegistryPlan:
    """The registry a UVL model converts to, before it is written or turned into a Model."""

    groups: tuple[GroupSpec, ...]
    rules: tuple[RuleSpec, ...]
    option_of_feature: dict[str, str]
    auxiliary: frozenset[str] = frozenset()  # options that stand for subformulas


AUX_GROUP = "g-aux"
AUX_DESCRIPTION = "auxiliary options of the UVL conversion"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A PEP 503-normal option name for a UVL feature name (``feature`` if nothing is left)."""
    return _NOT_SLUG.sub("-", name.lower()).strip("-") or "feature"


def _unique(base: str, used: set[str]) -> str:
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


@collector_paused(promote=True)
def plan_registry(fm: FeatureModel) -> RegistryPlan:
    """The registry for ``fm`` (see the module docstring for the mapping)."""
    features = fm.features()
    names = list(map(_NAME_OF, features))
    used: set[str] = set()
    opt = _option_names(names, used)
    root = fm.root
    groups: list[GroupSpec] = []
    rules: list[RuleSpec] = [RuleSpec((), RuleKind.REQUIRES, (opt[root.name],))]
    groups.append(
        GroupSpec(
            _unique(f"g-0-{opt[root.name]}", used),
            Strategy.ONE,
            (OptionSpec(opt[root.name], root.name),),
            f"root feature {root.name}",
        )
    )
    counter = 0
    for parent in features:  # file order is the tree depth first
        if not parent.groups:
            continue
        p = opt[parent.name]
        for g in parent.groups:
            counter += 1
            name = _unique(f"g-{counter}-{p}", used)
            children = list(map(_NAME_OF, g.children))
            slugs = list(map(opt.__getitem__, children))
            requires = itertools.repeat((p,))
            options = tuple(
                map(_option, zip(slugs, children, requires, _NONE, _NONE, strict=False))
            )
            if g.kind == "alternative":
                spec = GroupSpec(name, Strategy.ONE, options, f"alternative under {parent.name}")
            elif g.kind == "or":
                spec = GroupSpec(name, Strategy.MANY, options, f"or under {parent.name}", min=1)
            elif g.kind == "cardinality":
                text = f"[{g.min}..{'*' if g.max is None else g.max}] under {parent.name}"
                spec = GroupSpec(name, Strategy.MANY, options, text, min=g.min, max=g.max)
            else:
                spec = GroupSpec(name, Strategy.MANY, options, f"{g.kind} under {parent.name}")
            groups.append(spec)
            if g.kind == "mandatory":
                rules.extend(map(_rule, zip(requires, _REQUIRES, zip(slugs), strict=False)))
            elif spec.strategy is Strategy.ONE or spec.min >= 1:
                rules.append(RuleSpec((p,), RuleKind.REQUIRES, (name,)))
    aux: list[OptionSpec] = []

    def fresh(g: Formula) -> str:
        """A new auxiliary option; its key in ``opt`` (NUL-prefixed) is no UVL feature name."""
        name = _unique(f"aux-{len(aux) + 1}", used)
        text = formula_text(g)
        aux.append(OptionSpec(name, text if len(text) <= 200 else text[:197] + "..."))
        opt["\0" + name] = name
        return "\0" + name

    for line, formula in fm.constraints:
        rule = _literal_rule(formula[1], opt) if formula[0] == "clause" else None
        if rule is not None:
            rules.append(rule)
            continue
        for clause in to_clauses(formula, fresh):
            rules.append(_clause_rule(fm.path, line, clause, opt))
    if aux:
        description = f"{AUX_DESCRIPTION}: each stands for the subformula in its description"
        groups.append(GroupSpec(_unique(AUX_GROUP, used), Strategy.MANY, tuple(aux), description))
    option_of_feature = dict(zip(names, map(opt.__getitem__, names), strict=True))
    return RegistryPlan(
        tuple(groups), tuple(rules), option_of_feature, frozenset(o.name for o in aux)
    )


_NAME_OF = operator.attrgetter("name")


def _option_names_of(group: GroupSpec) -> list[str]:
    return list(map(_NAME_OF, group.options))


_NONE = itertools.repeat(())
_REQUIRES = itertools.repeat(RuleKind.REQUIRES)
_REQUIRES_KIND, _CONFLICTS_KIND = RuleKind.REQUIRES, RuleKind.CONFLICTS
_NOT_SLUG_LINES = re.compile(r"[^a-z0-9\n]+")
#: ASCII bytes kept as they are in a slug (and the line break between names); the rest "-"
_DASHED = bytes(c if c in b"0123456789abcdefghijklmnopqrstuvwxyz\n" else 45 for c in range(256))


def _option_names(features: list[str], used: set[str]) -> dict[str, str]:
    """The option name of each feature name: its :func:`slug`, made unique in file order.

    The slugs are made in one pass over all the names joined by line breaks (which no feature
    name holds); when they come out distinct and none is empty, as they nearly always do, no
    name needs :func:`_unique`'s search.
    """
    joined = "\n".join(features).lower()
    if joined.isascii():  # every other character a "-" (bytes.translate), runs made one
        joined = joined.encode().translate(_DASHED).decode()
        while "--" in joined:
            joined = joined.replace("--", "-")
    else:
        joined = _NOT_SLUG_LINES.sub("-", joined)
    slugs = list(map(str.strip, joined.split("\n"), itertools.repeat("-")))
    if len(slugs) == len(features) and not used and "" not in slugs:
        distinct = set(slugs)
        if len(distinct) == len(slugs):
            used.update(distinct)
            return dict(zip(features, slugs, strict=True))
    return {name: _unique(slug(name), used) for name in features}


def _literal_rule(literals: tuple[tuple[str, bool], ...], opt: dict[str, str]) -> RuleSpec | None:
    """The rule of a parsed clause (the shape of most constraints) without building its CNF:
    what ``_clause_rule`` makes of ``to_clauses``' one clause. None for a clause that names a
    feature twice (a repeat or a tautology: ``to_clauses`` settles it).

    Written with plain loops and unpacking: on Python 3.11 these run as specialised bytecode,
    cheaper than ``zip``/``map``/``sorted`` calls on tuples of two or three literals.
    """
    if len(literals) == 1:
        ((name, positive),) = literals
        return _rule(((), _REQUIRES_KIND if positive else _CONFLICTS_KIND, (opt[name],)))
    if len(literals) == 2:  # the next most common shape: a => b, !(a & b), a | b
        (a, on_a), (b, on_b) = literals
        if a == b:
            return None
        x, y = opt[a], opt[b]
        if on_a != on_b:
            return _rule(((y,), _REQUIRES_KIND, (x,)) if on_a else ((x,), _REQUIRES_KIND, (y,)))
        if y < x:
            x, y = y, x
        return _rule(((), _REQUIRES_KIND, (x, y)) if on_a else ((x,), _CONFLICTS_KIND, (y,)))
    negatives: list[str] = []
    positives: list[str] = []
    for name, positive in literals:
        if positive:
            positives.append(opt[name])
        else:
            negatives.append(opt[name])
    if len({*negatives, *positives}) < len(literals):
        return None
    positives.sort()
    if not negatives:  # the Kconfig models' clauses are all positive
        return _rule(((), _REQUIRES_KIND, tuple(positives)))
    negatives.sort()
    if positives:
        return _rule((tuple(negatives), _REQUIRES_KIND, tuple(positives)))
    return _rule((tuple(negatives[:-1]), _CONFLICTS_KIND, tuple(negatives[-1:])))


def _clause_rule(
    path: str, line: int, clause: frozenset[tuple[str, bool]], opt: dict[str, str]
) -> RuleSpec:
    negatives = tuple(sorted([opt[n] for n, positive in clause if not positive]))
    positives = tuple(sorted([opt[n] for n, positive in clause if positive]))
    if positives:
        return RuleSpec(negatives, RuleKind.REQUIRES, positives)
    if not negatives:
        raise UvlError(path, line, "a constraint that can never hold (empty clause)")
    return RuleSpec(negatives[:-1], RuleKind.CONFLICTS, negatives[-1:])


@collector_paused(promote=True)
def plan_to_model(plan: RegistryPlan) -> Model:
    """The Model the hpm loader should build from the written registry (same rule order)."""
    groups = tuple(
        Group(
            name=g.name,
            strategy=g.strategy,
            options=tuple(o.name for o in g.options),
            default=g.default,
            min=g.min,
            max=g.max,
            origin=Origin(f"groups/{g.name}.yaml", ""),
            description=g.description,
        )
        for g in plan.groups
    )
    rules: list[Rule] = []
    for g in plan.groups:
        for i, o in enumerate(g.options):
            where = f"groups/{g.name}.yaml"
            items = [(t,) for t in o.requires] + list(o.requires_any)
            for j, targets in enumerate(items):
                origin = Origin(where, f"options[{i}].requires[{j}]")
                rules.append(Rule(RuleKind.REQUIRES, (o.name,), targets, origin))
            for j, target in enumerate(o.conflicts):
                origin = Origin(where, f"options[{i}].conflicts[{j}]")
                rules.append(Rule(RuleKind.CONFLICTS, (o.name,), (target,), origin))
    for k, r in enumerate(plan.rules):
        rules.append(Rule(r.kind, r.when, r.targets, Origin("rules.yaml", f"rules[{k}]")))
    return Model(groups, tuple(rules))


def auxiliary_options(registry: str | Path) -> frozenset[str]:
    """The auxiliary options of a registry this converter wrote (from its ``AUX_GROUP`` file)."""
    import yaml

    found: set[str] = set()
    for path in Path(registry, "groups").glob(f"{AUX_GROUP}*.yaml"):
        data = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if str(data.get("description", "")).startswith(AUX_DESCRIPTION):
            found.update(o["name"] for o in data["options"])
    return frozenset(found)


def uvl_to_model(path: str | Path) -> Model:
    """Read a UVL file and return the Model of its converted registry."""
    return plan_to_model(plan_registry(parse_uvl(path)))


_PLAIN = re.compile(r"[a-z][a-z0-9-]*")
#: ``json.dumps`` of a string (ASCII-escaped, double-quoted: valid YAML), without its dispatch
_quoted = json.encoder.encode_basestring_ascii
# Words YAML 1.1 reads as booleans or null: a name spelt like one must be quoted.
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


@functools.cache
def _scalar(name: str) -> str:
    """A name as YAML: plain when safe, otherwise JSON-quoted (valid YAML)."""
    if _PLAIN.fullmatch(name) and name not in _RESERVED:
        return name
    return _quoted(name)


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_scalar, items)) + "]"


def render_group(g: GroupSpec) -> str:
    """The YAML text of one group file (names are slugs; free text is JSON-quoted)."""
    lines = [f"name: {_scalar(g.name)}", "type: group", f"strategy: {g.strategy.value}"]
    lines.append(f"description: {_quoted(g.description)}")
    if g.strategy is Strategy.MANY and g.min:
        lines.append(f"min: {g.min}")
    if g.strategy is Strategy.MANY and g.max is not None:
        lines.append(f"max: {g.max}")
    if g.default and g.strategy is Strategy.ONE:
        lines.append(f"default: {_scalar(g.default[0])}")
    elif g.default:
        lines.append(f"default: {_flow(g.default)}")
    lines.append("options:")
    for name, description, requires, requires_any, conflicts in g.options:
        lines.append(f"  - name: {_scalar(name)}\n    description: {_quoted(description)}")
        if requires_any:
            items = [*map(_scalar, requires), *(f"{{any: {_flow(t)}}}" for t in requires_any)]
            lines.append(f"    requires: [{', '.join(items)}]")
        elif requires:
            lines.append(f"    requires: [{', '.join(map(_scalar, requires))}]")
        if conflicts:
            lines.append(f"    conflicts: {_flow(conflicts)}")
    return "\n".join(lines) + "\n"


def render_rules(rules: tuple[RuleSpec, ...], names: Iterable[str] | None = None) -> str:
    """The YAML text of ``rules.yaml``.

    ``names``: every name the rules use, when the caller knows them (the plan's groups and
    options: fewer to look at than the rules' own). The few that YAML must quote (``yes``,
    ``8139cp``) are quoted in the text at the end, where each is a whole item of a flow list;
    many, or ones of other characters, are quoted rule by rule.
    """
    if names is None:
        names = [name for when, _, targets in rules for name in (*when, *targets)]
    quoted = {name for name in set(names) if _scalar(name) != name}  # "yes", "8139cp": a few
    few = len(quoted) <= 20 and all(_PLAIN_CHARS.fullmatch(name) for name in quoted)
    out = []
    for when, kind, targets in rules:
        if quoted and not few:
            when, targets = tuple(map(_scalar, when)), tuple(map(_scalar, targets))
        listed = ", ".join(targets)
        if kind is RuleKind.CONFLICTS:
            body = f"conflicts: [{listed}]"
        elif len(targets) == 1:
            body = f"requires: [{listed}]"
        else:
            body = f"requires: [{{any: [{listed}]}}]"
        out.append(f"- when: [{', '.join(when)}]\n  {body}" if when else f"- {body}")
    text = "\n".join(out) + "\n"
    if quoted and few:  # each is a whole item of a flow list: after "[" or " ", before "," or "]"
        for name in quoted:
            yaml = _scalar(name)
            for before, after in (("[", "]"), ("[", ","), (" ", ","), (" ", "]")):
                text = text.replace(before + name + after, before + yaml + after)
    return text


#: a name that the rules' text holds only as a whole item of a flow list
_PLAIN_CHARS = re.compile(r"[a-z0-9-]+")


def write_registry(plan: RegistryPlan, out_dir: str | Path) -> None:
    """Write ``groups/*.yaml`` and ``rules.yaml`` (if any rule) under ``out_dir``."""
    root = Path(out_dir)
    (root / "groups").mkdir(parents=True, exist_ok=True)
    groups = os.path.join(root, "groups", "")
    for g in plan.groups:
        _write(f"{groups}{g.name}.yaml", render_group(g))
    if plan.rules:  # hpm refuses an empty rules.yaml; the file is optional
        names = [g.name for g in plan.groups]
        names += itertools.chain.from_iterable(map(_option_names_of, plan.groups))
        _write(os.path.join(root, "rules.yaml"), render_rules(plan.rules, names))


def _write(path: str, text: str) -> None:
    """``Path.write_text(text, encoding="utf-8")`` in plain system calls: a converted registry
    has up to a few thousand group files, and the text layer's set-up cost more than the write.
    """
    data = memoryview(text.encode())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
