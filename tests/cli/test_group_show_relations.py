"""``hpm group show`` says what the rules say about each option, both ways (the model's rule
index by term): "requires …; required by …; conflicts with …", compound ``when`` included."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from helpers.projects import example_registry

from hpm.cli.commands.group import GroupRow
from hpm.views import group_detail_json, group_detail_text
from solver import Model, Origin, Rule, RuleKind

RULES = (
    Rule(RuleKind.REQUIRES, ("vllm-backend",), ("metric-latency",), Origin("rules.yaml", "r[0]")),
    Rule(
        RuleKind.REQUIRES,
        ("vlm-adapter-qwen", "metric-bleu"),
        ("metric-accuracy", "vllm-backend"),
        Origin("rules.yaml", "r[1]", 4),
    ),
    Rule(
        RuleKind.CONFLICTS,
        ("metric-bleu",),
        ("vlm-adapter-deepseek",),
        Origin("rules.yaml", "r[2]"),
    ),
    Rule(
        RuleKind.CONFLICTS,
        (),
        ("vlm-adapter-deepseek",),
        Origin("<machine>", "gpu", None, "no GPU"),
    ),
)


def _row(tmp_path: Path, group: str) -> GroupRow:
    registry = example_registry(tmp_path)
    registry = replace(registry, model=Model(registry.model.groups, RULES))
    return GroupRow(registry.model.group(group), "absent", (), registry)


def test_text_lists_outgoing_and_incoming_rules(tmp_path: Path) -> None:
    text = "\n".join(group_detail_text(_row(tmp_path, "inference")))
    assert "requires metric-accuracy or vllm-backend (with metric-bleu)" in text
    assert (
        "requires metric-latency; required by vlm-adapter-qwen and metric-bleu (or metric-accuracy)"
        in text
    )
    assert "conflicts with metric-bleu; never allowed" in text


def test_json_lists_the_relations_of_each_option(tmp_path: Path) -> None:
    data = group_detail_json(_row(tmp_path, "metrics"))
    bleu = data["relations"]["metric-bleu"]  # type: ignore[index]
    assert [r["targets"] for r in bleu["requires"]] == [["metric-accuracy", "vllm-backend"]]
    assert [r["targets"] for r in bleu["conflicts_with"]] == [["vlm-adapter-deepseek"]]
    latency = data["relations"]["metric-latency"]  # type: ignore[index]
    assert [r["when"] for r in latency["required_by"]] == [["vllm-backend"]]
    assert data["rules"]["metric-accuracy"] == [  # type: ignore[index]
        "required by vlm-adapter-qwen and metric-bleu (or vllm-backend)"
    ]
