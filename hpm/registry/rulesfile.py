"""Reading ``rules.yaml``: registry-wide rules that no single option carries (unresolved)."""

from __future__ import annotations

from dataclasses import dataclass

from hpm.registry.checks import FileChecker, type_name
from hpm.registry.groups import Ref, RefItem, read_ref_items

RULE_KEYS = ("when", "requires", "conflicts", "message")


@dataclass(frozen=True, slots=True)
class RawRule:
    when: tuple[Ref, ...]
    requires: tuple[RefItem, ...]
    conflicts: tuple[RefItem, ...]
    message: str
    key: str  # "rules[3]"
    line: int | None


def read_rules(check: FileChecker) -> list[RawRule]:
    """Every rule in ``check.doc`` (a list of mappings); problems go to ``check``."""
    data = check.doc.data
    if not isinstance(data, list):
        check.report((), f"rules.yaml must be a list of rules, not {type_name(data)}")
        return []
    rules = []
    for i, item in enumerate(data):
        path = (i,)
        if not isinstance(item, dict):
            check.report(path, f"a rule is a mapping, not {type_name(item)}")
            continue
        check.check_keys(item, path, RULE_KEYS)
        when = read_ref_items(check, item, path, "when", allow_any=False)
        requires = read_ref_items(check, item, path, "requires", allow_any=True)
        conflicts = read_ref_items(check, item, path, "conflicts", allow_any=False)
        message = check.get_str(item, path, "message") or ""
        if "requires" not in item and "conflicts" not in item:
            check.report(path, "a rule needs `requires` or `conflicts`")
        rules.append(
            RawRule(
                when=tuple(ref for entry in when for ref in entry.refs),
                requires=requires,
                conflicts=conflicts,
                message=message,
                key=check.key(path),
                line=check.line(path),
            )
        )
    return rules
