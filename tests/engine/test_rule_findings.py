"""Rules that never apply, and redundant rules, agree with brute-force enumeration."""

from __future__ import annotations

from helpers.brute_force import configurations, term_holds
from helpers.models import models
from hypothesis import given

from solver import Group, Model, Rule, RuleKind, Strategy, rule_findings


def _valid(model: Model) -> set[frozenset[str]]:
    return set(configurations(model))


def _without(model: Model, index: int) -> Model:
    return Model(model.groups, model.rules[:index] + model.rules[index + 1 :])


@given(models())
def test_rule_findings_match_brute_force(model: Model) -> None:
    valid = _valid(model)
    findings = rule_findings(model)
    if not valid:  # a void registry: reported by analyse, no rule findings
        assert findings.never_applies == findings.redundant == ()
        return
    never = {
        i
        for i, rule in enumerate(model.rules)
        if not any(
            all(term_holds(model, t, c) for t in rule.when) for c in _valid(_without(model, i))
        )
    }
    assert set(findings.never_applies) == never
    redundant = {
        i for i in range(len(model.rules)) if i not in never and _valid(_without(model, i)) == valid
    }
    assert set(findings.redundant) == redundant
    assert not set(findings.redundant) & set(findings.never_applies)


def test_named_cases() -> None:
    model = Model(
        (
            Group("g", Strategy.ONE, ("a", "b", "c")),
            Group("h", Strategy.MANY, ("x", "y")),
        ),
        (
            Rule(RuleKind.REQUIRES, ("a",), ("x",)),  # 0: needed
            Rule(RuleKind.REQUIRES, ("a",), ("x", "y")),  # 1: implied by 0
            Rule(RuleKind.CONFLICTS, ("b",), ("x",)),  # 2: needed
            Rule(RuleKind.REQUIRES, ("b",), ("x",)),  # 3: with 2, b is dead
            Rule(RuleKind.REQUIRES, ("b", "y"), ("c",)),  # 4: b is dead: never applies
            Rule(RuleKind.CONFLICTS, ("a",), ("b",)),  # 5: 1-of-N already says so
        ),
    )
    findings = rule_findings(model)
    assert findings.never_applies == (4,)  # 2 and 3 apply: together they make b dead
    assert findings.redundant == (1, 5)
