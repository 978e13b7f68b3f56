"""The data the engine reasons about: groups, options, rules and a selection.

Everything here is frozen. Names are plain strings that the application has already
normalised and resolved: an option name is unique across the whole model, a group name is
unique among groups, and no group shares its name with an option. A rule *term* is either an
option name ("that option is selected") or a group name ("some option of that group is
selected").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType


class Strategy(Enum):
    """How many options of an active group are selected."""

    ONE = "1-of-N"  # exactly one: a virtual package
    MANY = "M-of-N"  # between min and max: a feature set


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a group or a rule was written, so that a message can point at it."""

    file: str  # path relative to the registry root, e.g. "groups/inference.yaml"
    key: str  # e.g. "options[2].requires[0]", "rules[3]", "strategy"
    line: int | None = None  # 1-based, when the YAML parser gave one
    #: for a fact that no registry file states (e.g. "option X is unavailable on this machine":
    #: a rule with no ``when``), where it came from, e.g. "nvidia-smi not found"
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A group of options with its strategy.

    Inactive, a group selects none of its options. Active, a 1-of-N group selects exactly one;
    an M-of-N group selects between ``min`` and ``max`` (``max`` None means all of them).
    """

    name: str
    strategy: Strategy
    options: tuple[str, ...]  # registry order: the order of preference after the default
    default: tuple[str, ...] = ()  # full option names; at most one for 1-of-N
    min: int = 0  # M-of-N only
    max: int | None = None  # M-of-N only; None = len(options)
    origin: Origin = Origin("", "")
    description: str = ""

    @property
    def upper(self) -> int:
        """The largest number of options this group may select when active."""
        if self.strategy is Strategy.ONE:
            return 1
        return len(self.options) if self.max is None else self.max

    @property
    def lower(self) -> int:
        """The smallest number of options this group selects when active."""
        return 1 if self.strategy is Strategy.ONE else self.min


class RuleKind(Enum):
    REQUIRES = "requires"  # when all of `when` hold, at least one of `targets` holds
    CONFLICTS = "conflicts"  # when all of `when` hold, none of `targets` holds


@dataclass(frozen=True, slots=True)
class Rule:
    """One cross-group condition, with where it came from.

    ``when`` is a conjunction of terms (empty: the rule always applies). For ``REQUIRES``,
    ``targets`` is a disjunction (``{any: [...]}`` has several, a plain item has one). For
    ``CONFLICTS``, no target may hold. An option-level ``requires: [x]`` on option ``a`` is
    ``Rule(REQUIRES, when=("a",), targets=("x",))``; the loader emits one rule per list item so
    that explanations stay minimal.
    """

    kind: RuleKind
    when: tuple[str, ...]
    targets: tuple[str, ...]
    origin: Origin = Origin("", "")
    message: str = ""  # optional text from rules.yaml, shown in explanations


@dataclass(frozen=True, slots=True)
class TermRules:
    """The rules that mention one term: ``outgoing`` have it in ``when`` (what it requires or
    conflicts with), ``incoming`` among their targets (what requires it or conflicts with it).
    Registry order; a term's group is not the term (``rules_of("g")`` lists the rules written
    on ``g`` itself)."""

    outgoing: tuple[Rule, ...] = ()
    incoming: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Model:
    """A registry as the engine sees it."""

    groups: tuple[Group, ...]
    rules: tuple[Rule, ...] = ()
    _group_by_name: Mapping[str, Group] = field(init=False, repr=False, compare=False)
    _group_of_option: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _by_term: dict[str, TermRules] = field(init=False, repr=False, compare=False)
    _options: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {g.name: g for g in self.groups}
        of_option = {o: g.name for g in self.groups for o in g.options}
        object.__setattr__(self, "_group_by_name", MappingProxyType(by_name))
        object.__setattr__(self, "_group_of_option", MappingProxyType(of_option))
        object.__setattr__(self, "_by_term", {})  # built on first use of rules_of
        object.__setattr__(self, "_options", tuple(o for g in self.groups for o in g.options))

    def rules_of(self, term: str) -> TermRules:
        """The rules with ``term`` in their ``when`` and those with it among their targets.

        As Kconfiglib keeps a symbol's reverse dependencies: both directions are indexed once,
        on first use, over every rule (compound ``when`` included).
        """
        if not self._by_term and self.rules:
            outgoing: dict[str, list[Rule]] = {}
            incoming: dict[str, list[Rule]] = {}
            for rule in self.rules:
                for t in dict.fromkeys(rule.when):
                    outgoing.setdefault(t, []).append(rule)
                for t in dict.fromkeys(rule.targets):
                    incoming.setdefault(t, []).append(rule)
            for t in outgoing.keys() | incoming.keys():
                self._by_term[t] = TermRules(tuple(outgoing.get(t, ())), tuple(incoming.get(t, ())))
        return self._by_term.get(term, TermRules())

    def group(self, name: str) -> Group:
        """The group called ``name`` (KeyError if there is none)."""
        return self._group_by_name[name]

    def group_of(self, option: str) -> Group:
        """The group that offers ``option`` (KeyError if no group does)."""
        return self._group_by_name[self._group_of_option[option]]

    def is_group(self, term: str) -> bool:
        return term in self._group_by_name

    def is_option(self, term: str) -> bool:
        return term in self._group_of_option

    @property
    def options(self) -> tuple[str, ...]:
        """Every option, in registry order (built once: 18,618 options took ~2 ms a read)."""
        return self._options


@dataclass(frozen=True, slots=True)
class Selection:
    """What a project asked for, per group.

    A group missing from ``choices`` is *absent* (it selects nothing, unless completion must
    activate it to satisfy a rule). A group mapped to ``None`` is *open*: active, the choice left
    to ``complete``. A group mapped to a tuple is *chosen*: exactly those options (one for 1-of-N).
    """

    choices: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", MappingProxyType(dict(self.choices)))

    def state(self, group: str) -> str:
        """``"absent"``, ``"open"`` or ``"chosen"``."""
        if group not in self.choices:
            return "absent"
        return "open" if self.choices[group] is None else "chosen"

    @property
    def chosen_options(self) -> tuple[str, ...]:
        return tuple(o for opts in self.choices.values() if opts for o in opts)
