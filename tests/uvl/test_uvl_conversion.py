"""The UVL reader and the registry converter: syntax, mapping, exact meaning, errors."""

from __future__ import annotations

import random
from itertools import product
from pathlib import Path

import pytest
from helpers.brute_force import configurations
from helpers.uvl_samples import SAMPLE

from benchmarks import uvl_model
from benchmarks.uvl_model import Feature, FeatureModel, UvlError, parse_uvl, to_clauses
from benchmarks.uvl_registry import (
    AUX_DESCRIPTION,
    AUX_GROUP,
    RuleSpec,
    plan_registry,
    plan_to_model,
    render_rules,
    slug,
)
from benchmarks.uvl_to_registry import main as convert_main
from solver.model import RuleKind, Strategy


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.uvl"
    path.write_text(text, encoding="utf-8")
    return path


def _uvl_valid(fm: FeatureModel, selected: set[str]) -> bool:
    """UVL semantics, straight from the tree and the formulas."""

    def value(f: tuple) -> bool:
        op = f[0]
        if op == "var":
            return f[1] in selected
        if op == "clause":
            return any((name in selected) == positive for name, positive in f[1])
        if op == "not":
            return not value(f[1])
        a, b = value(f[1]), value(f[2])
        return {"and": a and b, "or": a or b, "implies": (not a) or b, "iff": a == b}[op]

    if fm.root.name not in selected:
        return False

    def tree_ok(feature: Feature) -> bool:
        on = feature.name in selected
        for g in feature.groups:
            count = sum(c.name in selected for c in g.children)
            if not on and count:
                return False
            if on:
                if g.kind == "mandatory" and count != len(g.children):
                    return False
                if g.kind == "alternative" and count != 1:
                    return False
                if g.kind == "or" and count < 1:
                    return False
                high = len(g.children) if g.max is None else g.max
                if g.kind == "cardinality" and not g.min <= count <= high:
                    return False
            if not all(tree_ok(c) for c in g.children):
                return False
        return True

    return tree_ok(fm.root) and all(value(f) for _, f in fm.constraints)


def test_reads_names_attributes_cardinalities_and_multiline_constraints(tmp_path):
    fm = parse_uvl(_write(tmp_path, SAMPLE))
    names = [f.name for f in fm.features()]
    assert names == [
        "Shop",
        "Pay ment",
        "Card",
        "card",
        "Cash",
        "Extras",
        "Gift",
        "Wrap",
        "Bow",
        "Fast",
        "Slow",
    ]
    assert fm.namespace == "Shop"
    assert fm.root.abstract and fm.features()[1].abstract and not fm.features()[4].abstract
    card = fm.features()[5].groups[0]
    assert (card.kind, card.min, card.max) == ("cardinality", 2, 3)
    assert len(fm.constraints) == 3


def test_maps_features_to_unique_pep503_names_and_groups(tmp_path):
    plan = plan_registry(parse_uvl(_write(tmp_path, SAMPLE)))
    assert plan.option_of_feature == {
        "Shop": "shop",
        "Pay ment": "pay-ment",
        "Card": "card",
        "card": "card-2",
        "Cash": "cash",
        "Extras": "extras",
        "Gift": "gift",
        "Wrap": "wrap",
        "Bow": "bow",
        "Fast": "fast",
        "Slow": "slow",
    }
    by_name = {g.name: g for g in plan.groups}
    assert by_name["g-0-shop"].strategy is Strategy.ONE
    assert by_name["g-3-pay-ment"].strategy is Strategy.ONE
    assert (by_name["g-4-extras"].min, by_name["g-4-extras"].max) == (2, 3)
    assert by_name["g-5-extras"].min == 1
    option_names = set(plan.option_of_feature.values())
    assert not option_names & set(by_name)
    assert [o.description for o in by_name["g-1-shop"].options] == ["Pay ment"]


def test_clauses_become_rules_without_helper_variables(tmp_path):
    plan = plan_registry(parse_uvl(_write(tmp_path, SAMPLE)))
    rules = {(r.when, r.kind, r.targets) for r in plan.rules}
    assert ((), RuleKind.REQUIRES, ("shop",)) in rules
    assert (("cash",), RuleKind.CONFLICTS, ("gift",)) in rules  # !Gift | !Cash, names sorted
    assert (("bow",), RuleKind.REQUIRES, ("fast",)) in rules
    assert (("fast", "pay-ment"), RuleKind.REQUIRES, ("bow",)) in rules
    assert ((), RuleKind.REQUIRES, ("card",)) in rules
    assert (("shop",), RuleKind.REQUIRES, ("g-3-pay-ment",)) not in rules  # not under shop
    assert (("pay-ment",), RuleKind.REQUIRES, ("g-3-pay-ment",)) in rules


def _both_configurations(fm: FeatureModel) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """The converted registry's configurations (as features) and the UVL ones (brute force)."""
    plan = plan_registry(fm)
    model = plan_to_model(plan)
    feature_of = {v: k for k, v in plan.option_of_feature.items()}
    got = {frozenset(feature_of[o] for o in c) for c in configurations(model)}
    names = [f.name for f in fm.features()]
    expected = set()
    for bits in product((False, True), repeat=len(names)):
        selected = {n for n, b in zip(names, bits, strict=True) if b}
        if _uvl_valid(fm, selected):
            expected.add(frozenset(selected))
    return got, expected


def test_registry_has_exactly_the_uvl_configurations(tmp_path):
    got, expected = _both_configurations(parse_uvl(_write(tmp_path, SAMPLE)))
    assert got == expected
    assert expected  # the sample is not void


CLAUSES = """\
features
\tRoot
\t\toptional
\t\t\tA
\t\t\tB
\t\t\t"C D"
\t\t\ta&b
constraints
\tA | !B
\t!"B" | "C D" | "a&b"
\tA | A | !B
\tB | !B
\t!  A | "C D"
\t!A | !"a&b"
\t!"C D"
"""


def test_clauses_read_in_one_pass_mean_what_the_full_parser_reads(tmp_path):
    """Clause constraints skip the formula parser and the CNF step; repeats, tautologies and
    odd spellings still mean what UVL says (brute force), and each formula is the parser's."""
    fm = parse_uvl(_write(tmp_path, CLAUSES))
    known = {f.name for f in fm.features()}
    lines = CLAUSES.split("constraints\n")[1].splitlines()
    for (number, formula), text in zip(fm.constraints, lines, strict=True):
        assert formula == uvl_model._FormulaParser("m", number, text.strip(), known).parse()
    got, expected = _both_configurations(fm)
    assert got == expected and expected
    bare = CLAUSES.replace('!A | !"a&b"', "!A | a&b")  # a bare a&b is a formula over a and b
    with pytest.raises(UvlError, match="unknown feature 'a'"):
        parse_uvl(_write(tmp_path, bare))


def test_cnf_by_distribution():
    f = ("iff", ("var", "a"), ("and", ("var", "b"), ("or", ("var", "c"), ("var", "d"))))
    clauses = {frozenset(c) for c in to_clauses(f)}
    assert clauses == {
        frozenset({("a", False), ("b", True)}),
        frozenset({("a", False), ("c", True), ("d", True)}),
        frozenset({("b", False), ("c", False), ("a", True)}),
        frozenset({("b", False), ("d", False), ("a", True)}),
    }
    assert to_clauses(("or", ("var", "a"), ("not", ("var", "a")))) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("imports\n\tother as o\nfeatures\n\tA\n", "'imports' is not supported"),
        ("features\n\tA\n\t\toptional\n\t\t\tInteger size\n", "typed feature"),
        ("features\n\tA\n\t\toptional\n\t\t\tB cardinality [1..3]\n", "feature cardinality"),
        ("features\n\tA\nconstraints\n\tsize > 3\n", "unsupported token"),
        ("features\n\tA\nconstraints\n\tB => A\n", "unknown feature 'B'"),
        ("features\n\tA\n\tB\n", "a second root"),
        ("features\n\tA\n\t\tB\n", "not inside a group keyword"),
    ],
)
def test_unsupported_input_is_reported_with_its_line(tmp_path, text, message):
    with pytest.raises(UvlError, match=message):
        parse_uvl(_write(tmp_path, text))


def test_command_line_writes_a_registry_and_refuses_what_it_cannot_convert(tmp_path, capsys):
    out = tmp_path / "registry"
    assert convert_main([str(_write(tmp_path, SAMPLE)), str(out)]) == 0
    assert (out / "groups" / "g-0-shop.yaml").read_text().startswith("name: g-0-shop\n")
    rules = (out / "rules.yaml").read_text()
    assert rules.startswith("- requires: [shop]\n")
    assert "- when: [fast, pay-ment]\n  requires: [bow]\n" in rules
    assert "- when: [pay-ment]\n  requires: [g-3-pay-ment]\n" in rules
    bad = tmp_path / "bad.uvl"
    bad.write_text("include\n\tx\n", encoding="utf-8")
    assert convert_main([str(bad), str(tmp_path / "x")]) == 2
    assert "error:" in capsys.readouterr().err


def test_slug_is_a_valid_option_name():
    assert slug('"Odd" name__1.x') == "odd-name-1-x"
    assert slug("___") == "feature"


def _random_formula(rng: random.Random, names: list[str], depth: int) -> tuple:
    if depth == 0 or rng.random() < 0.2:
        return ("var", rng.choice(names))
    op = rng.choice(["and", "or", "implies", "iff", "not"])
    if op == "not":
        return ("not", _random_formula(rng, names, depth - 1))
    return (op, _random_formula(rng, names, depth - 1), _random_formula(rng, names, depth - 1))


def _holds(f: tuple, values: dict[str, bool]) -> bool:
    op = f[0]
    if op == "var":
        return values[f[1]]
    if op == "lit":
        return values[f[1]] == f[2]
    if op == "not":
        return not _holds(f[1], values)
    a, b = _holds(f[1], values), _holds(f[2], values)
    return {"and": a and b, "or": a or b, "implies": (not a) or b, "iff": a == b}[op]


def test_tseitin_clauses_have_exactly_one_extension_per_model(monkeypatch):
    """With auxiliary variables, each assignment of the formula's variables that satisfies it
    extends to exactly one assignment of the auxiliary ones, and one that does not, to none."""
    monkeypatch.setattr(uvl_model, "DISTRIBUTE_UP_TO", 2)  # so that small formulas get some
    rng = random.Random(7)
    names = ["a", "b", "c", "d"]
    defined_some = 0
    for _ in range(300):
        f = _random_formula(rng, names, 4)
        aux: dict[str, tuple] = {}

        def fresh(g: tuple, aux: dict[str, tuple] = aux) -> str:
            aux[f"x{len(aux)}"] = g
            return f"x{len(aux) - 1}"

        clauses = to_clauses(f, fresh)
        defined_some += bool(aux)
        for bits in product((False, True), repeat=len(names)):
            values = dict(zip(names, bits, strict=True))
            # the extension the definitions x <=> g describe satisfies the clauses iff f holds
            ext = {**values, **{x: _holds(g, values) for x, g in aux.items()}}
            assert all(any(ext[v] == p for v, p in c) for c in clauses) == _holds(f, values)
            if len(aux) <= 6:  # and no other extension does (brute force)
                count = sum(
                    all(any({**values, **dict(zip(aux, xs, strict=True))}[v] == p for v, p in c)
                        for c in clauses)
                    for xs in product((False, True), repeat=len(aux))
                )  # fmt: skip
                assert count == _holds(f, values)
    assert defined_some > 50


def test_large_constraints_get_auxiliary_options_in_their_own_group(tmp_path):
    wide = " | ".join(f"(A{i} & B{i})" for i in range(6))  # 2^6 clauses by distribution
    names = "\n".join(f"\t\t\tA{i}\n\t\t\tB{i}" for i in range(6))
    text = f"features\n\tRoot\n\t\toptional\n{names}\nconstraints\n\t{wide}\n"
    plan = plan_registry(parse_uvl(_write(tmp_path, text)))
    assert plan.auxiliary and len(plan.rules) < 64
    (aux_group,) = [g for g in plan.groups if g.name == AUX_GROUP]
    assert {o.name for o in aux_group.options} == plan.auxiliary
    assert aux_group.description.startswith(AUX_DESCRIPTION)
    model = plan_to_model(plan)
    feature_of = {v: k for k, v in plan.option_of_feature.items()}
    configs = configurations(model)
    got = {frozenset(feature_of[o] for o in c if o in feature_of) for c in configs}
    assert len(got) == len(configs)  # one selection per configuration
    assert all(any(f"A{i}" in c and f"B{i}" in c for i in range(6)) for c in got)
    assert len(got) == 4**6 - 3**6  # subsets of the 12 features holding some A_i & B_i pair


def test_rules_text_quotes_the_names_yaml_would_misread() -> None:
    """A few such names are quoted in the finished text, many rule by rule: the same YAML."""
    rules = (
        RuleSpec(("yes",), RuleKind.REQUIRES, ("8139cp", "no")),
        RuleSpec((), RuleKind.CONFLICTS, ("true",)),
        RuleSpec(("plain",), RuleKind.REQUIRES, ("a-b",)),
    )
    assert render_rules(rules) == (
        '- when: ["yes"]\n  requires: [{any: ["8139cp", "no"]}]\n'
        '- conflicts: ["true"]\n- when: [plain]\n  requires: [a-b]\n'
    )
    many = tuple(RuleSpec((), RuleKind.REQUIRES, (f"{i}x", "yes")) for i in range(30))
    assert render_rules(many) == "".join(
        f'- requires: [{{any: ["{i}x", "yes"]}}]\n' for i in range(30)
    )
