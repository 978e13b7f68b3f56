"""Reading one ``groups/<group>.yaml`` file into a :class:`RawGroup` (references unresolved).

Names are checked (PEP 508) and normalised (PEP 503) here; references are kept as written,
with their key path and line, for :mod:`hpm.registry.loader` to resolve once every group is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpm.machine.conditions import Condition
from hpm.names import did_you_mean
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.conditions import read_machine
from hpm.registry.sources import SOURCE_KEYS
from hpm.registry.yamlfile import KeyPath, key_text
from solver.model import Strategy

GROUP_KEYS = (
    "name", "type", "strategy", "description", "default", "min", "max", "options", "override",
)  # fmt: skip
OPTION_KEYS = (
    "name",
    "description",
    "requires",
    "conflicts",
    "machine",
    *SOURCE_KEYS,
    "index",
    "packages",
)
_FIELD_KEYS = frozenset((*SOURCE_KEYS, "index", "packages"))  # an option's own source or bundle

_STRATEGIES = {strategy.value: strategy for strategy in Strategy}
# Spellings people reach for, mapped to the strategy they mean (for the hint only).
_STRATEGY_HINTS = {
    "1-of-n": Strategy.ONE,
    "one-of": Strategy.ONE,
    "one-of-n": Strategy.ONE,
    "oneof": Strategy.ONE,
    "one": Strategy.ONE,
    "exclusive": Strategy.ONE,
    "m-of-n": Strategy.MANY,
    "many-of": Strategy.MANY,
    "many-of-n": Strategy.MANY,
    "many": Strategy.MANY,
    "any": Strategy.MANY,
    "several": Strategy.MANY,
}


@dataclass(frozen=True, slots=True)
class Ref:
    """One reference as written: its text and where."""

    text: str
    key: str
    line: int | None


@dataclass(frozen=True, slots=True)
class RefItem:
    """One ``requires``/``conflicts`` item: a plain reference, or ``{any: [...]}`` (several)."""

    refs: tuple[Ref, ...]
    key: str
    line: int | None


@dataclass(frozen=True, slots=True)
class RawOption:
    name: str
    description: str
    requires: tuple[RefItem, ...]
    conflicts: tuple[RefItem, ...]
    fields: dict | None  # the option's mapping when it carries source fields or `packages`
    path: KeyPath
    line: int | None
    machine: tuple[Condition, ...] = ()  # the machines that can run it (all must hold)

    @property
    def key(self) -> str:
        """Where it is in its group file, e.g. ``options[2]`` (made when a message needs it)."""
        return key_text(self.path)


@dataclass(frozen=True, slots=True)
class RawGroup:
    name: str
    declared: bool  # False: no valid `name` key, the file stem stands in (already reported)
    strategy: Strategy | None
    description: str
    default: tuple[Ref, ...]
    min: int | None
    max: int | None
    options: tuple[RawOption, ...]
    option_count: int  # as written, valid or not (for the max <= options check)
    line: int | None
    override: bool = False  # replaces a group of the same name in an earlier registry layer


def read_group(check: FileChecker, stem: str) -> RawGroup | None:
    """The group in ``check.doc``; problems go to ``check``. None when the root is no mapping."""
    data = check.doc.data
    if not isinstance(data, dict):
        check.report((), f"a group file must be a mapping, not {type_name(data)}")
        return None
    check.check_keys(data, (), GROUP_KEYS)
    name = check.get_name(data, ())
    if "type" in data and data["type"] != "group":
        check.report(("type",), f"`type` must be `group`, not `{data['type']}`")
    strategy = _strategy(check, data)
    description = check.get_str(data, (), "description") or ""
    options, count = _options(check, data)
    bounds = [_bound(check, data, key, strategy) for key in ("min", "max")]
    return RawGroup(
        name=name or stem,
        declared=name is not None,
        strategy=strategy,
        description=description,
        default=_default(check, data, strategy),
        min=bounds[0],
        max=bounds[1],
        options=options,
        option_count=count,
        line=check.line(("name",)),
        override=read_override(check, data),
    )


def read_override(check: FileChecker, data: dict) -> bool:
    """The file's ``override`` flag (a boolean; false when absent)."""
    value = check.get(data, (), "override", bool)
    return value is True


def read_ref_items(
    check: FileChecker, data: dict, path: KeyPath, key: str, *, allow_any: bool
) -> tuple[RefItem, ...]:
    """``data[key]`` as reference items: a list of names and, if allowed, ``{any: [...]}``."""
    if key not in data:
        return ()
    value = data[key]
    here = (*path, key)
    if isinstance(value, str):  # a single reference stands for a list of one
        return (_plain_item(check, value, here),)
    if not isinstance(value, list):
        check.report(here, f"`{key}` must be a list, not {type_name(value)}")
        return ()
    items = []
    for i, item in enumerate(value):
        at = (*here, i)
        if isinstance(item, str):
            items.append(_plain_item(check, item, at))
        elif isinstance(item, dict) and allow_any:
            refs = _any(check, item, at)
            if refs:
                items.append(RefItem(refs, check.key(at), check.line(at)))
        elif isinstance(item, dict):
            check.report(
                at,
                f"`{key}` items are option or group names",
                "`{any: [...]}` is only meaningful under `requires`",
            )
        else:
            check.report(at, f"expected a name or `{{any: [...]}}`, not {type_name(item)}")
    return tuple(items)


def _any(check: FileChecker, item: dict, at: KeyPath) -> tuple[Ref, ...]:
    check.check_keys(item, at, ("any",))
    if "any" not in item:
        check.report(at, "missing key `any`", "write `{any: [option-a, option-b]}`")
        return ()
    listed = item["any"]
    if not isinstance(listed, list) or not listed:
        check.report((*at, "any"), "`any` must be a non-empty list of names")
        return ()
    refs = []
    for j, ref in enumerate(listed):
        if isinstance(ref, str):
            refs.append(_ref(check, ref, (*at, "any", j)))
        else:
            check.report((*at, "any", j), f"expected a name, not {type_name(ref)}")
    return tuple(refs)


def _ref(check: FileChecker, text: str, path: KeyPath) -> Ref:
    return Ref(text, check.key(path), check.line(path))


def _plain_item(check: FileChecker, text: str, path: KeyPath) -> RefItem:
    """An item that is one reference: the item and its reference share their place."""
    key, line = check.key(path), check.line(path)
    return RefItem((Ref(text, key, line),), key, line)


def _strategy(check: FileChecker, data: dict) -> Strategy | None:
    text = check.get_str(data, (), "strategy", required=True)
    if text is None:
        return None
    strategy = _STRATEGIES.get(text)
    if strategy is not None:
        return strategy
    meant = _STRATEGY_HINTS.get(text.strip().lower().replace("_", "-").replace(" ", "-"))
    hint = f"did you mean `{meant.value}`?" if meant else did_you_mean(text, ["1-of-N", "M-of-N"])
    check.report(
        ("strategy",),
        f"unknown strategy `{text}` (expected `1-of-N` or `M-of-N`)",
        hint or "`1-of-N`: exactly one option; `M-of-N`: a set of options",
    )
    return None


def _default(check: FileChecker, data: dict, strategy: Strategy | None) -> tuple[Ref, ...]:
    if "default" not in data:
        return ()
    value = data["default"]
    if isinstance(value, str):
        return (_ref(check, value, ("default",)),)
    if isinstance(value, list) and strategy is Strategy.ONE:
        check.report(("default",), "a 1-of-N group's default is one option, not a list")
        return ()
    if not isinstance(value, list):
        check.report(("default",), f"`default` must be a name or a list, not {type_name(value)}")
        return ()
    refs = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            refs.append(_ref(check, item, ("default", i)))
        else:
            check.report(("default", i), f"expected an option name, not {type_name(item)}")
    return tuple(refs)


def _bound(check: FileChecker, data: dict, key: str, strategy: Strategy | None) -> int | None:
    if key not in data:
        return None
    if strategy is Strategy.ONE:
        check.report((key,), f"`{key}` is only meaningful for an M-of-N group")
        return None
    value = check.get(data, (), key, int)
    if isinstance(value, int) and value < 0:
        check.report((key,), f"`{key}` must be 0 or more, not {value}")
        return None
    return value if isinstance(value, int) else None


def _options(check: FileChecker, data: dict) -> tuple[tuple[RawOption, ...], int]:
    value = data.get("options")
    if "options" not in data:
        check.report((), "missing required key `options`")
        return (), 0
    if not isinstance(value, list) or not value:
        what = "an empty list" if value == [] else type_name(value)
        check.report(("options",), f"`options` must be a non-empty list, not {what}")
        return (), 0
    options = []
    for i, item in enumerate(value):
        option = _option(check, item, ("options", i))
        if option is not None:
            options.append(option)
    return tuple(options), len(value)


def _option(check: FileChecker, item: object, path: KeyPath) -> RawOption | None:
    if isinstance(item, str):
        name = check.check_name(item, path, "option name")
        if name is None:
            return None
        return RawOption(name, "", (), (), None, path, check.line(path))
    if not isinstance(item, dict):
        check.report(path, f"an option is a name or a mapping, not {type_name(item)}")
        return None
    check.check_keys(item, path, OPTION_KEYS)
    name = check.get_name(item, path)
    description = check.get_str(item, path, "description") or ""
    requires = read_ref_items(check, item, path, "requires", allow_any=True)
    conflicts = read_ref_items(check, item, path, "conflicts", allow_any=False)
    machine = read_machine(check, item, path)
    if name is None:
        return None
    fields = None if _FIELD_KEYS.isdisjoint(item) else item
    line = check.line(path)
    return RawOption(name, description, requires, conflicts, fields, path, line, machine)
