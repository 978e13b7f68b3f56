"""resolve_reference: full names, short names, group:option, groups, and its errors."""

from __future__ import annotations

import pytest

from hpm.errors import UsageError
from hpm.registry import UnresolvedReference, resolve_reference
from solver.model import Group, Model, Strategy

MODEL = Model(
    (
        Group(
            "inference", Strategy.ONE, ("vlm-adapter-qwen", "vlm-adapter-deepseek", "vllm-backend")
        ),
        Group("metrics", Strategy.MANY, ("metric-accuracy", "metric-latency", "metric-bleu")),
        Group("net", Strategy.MANY, ("net-latency", "latency-probe")),
    )
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vllm-backend", "vllm-backend"),
        ("VLLM_Backend", "vllm-backend"),  # PEP 503 normalisation before lookup
        ("accuracy", "metric-accuracy"),  # unique short name in the whole registry
        ("qwen", "vlm-adapter-qwen"),
        ("metrics:latency", "metric-latency"),  # short name inside the named group
        ("net:latency", "net-latency"),
        ("metrics:metric-bleu", "metric-bleu"),
        ("metrics", "metrics"),  # a group
        ("latency-probe", "latency-probe"),
    ],
)
def test_resolves(text: str, expected: str) -> None:
    assert resolve_reference(MODEL, text) == expected


def test_group_context_narrows_short_names() -> None:
    assert resolve_reference(MODEL, "latency", group="metrics") == "metric-latency"
    assert resolve_reference(MODEL, "latency", group="net") == "net-latency"


def test_ambiguous_short_name_names_every_candidate() -> None:
    with pytest.raises(UnresolvedReference) as caught:
        resolve_reference(MODEL, "latency")
    assert caught.value.candidates == ("metric-latency", "net-latency")
    assert "metric-latency" in caught.value.message and "net-latency" in caught.value.message
    assert isinstance(caught.value, UsageError)  # the CLI shows it as a usage error (exit 2)


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UnresolvedReference) as caught:
        resolve_reference(MODEL, "metric-acuracy")
    assert "unknown option" in caught.value.message
    assert caught.value.hint.startswith("did you mean `metric-accuracy`")


def test_unknown_prefix_suggests_containing_names() -> None:
    with pytest.raises(UnresolvedReference) as caught:
        resolve_reference(MODEL, "vllm", group="inference")
    assert "`vllm-backend`" in caught.value.hint


def test_option_of_another_group_is_refused_in_context() -> None:
    with pytest.raises(UnresolvedReference, match="option of group `metrics`, not of `inference`"):
        resolve_reference(MODEL, "metric-bleu", group="inference")
    with pytest.raises(UnresolvedReference, match="option of group `metrics`, not of `inference`"):
        resolve_reference(MODEL, "bleu", group="inference")  # a short name of another group
    with pytest.raises(UnresolvedReference, match="names group `metrics`"):
        resolve_reference(MODEL, "metrics:bleu", group="inference")


def test_group_names_only_where_allowed() -> None:
    with pytest.raises(UnresolvedReference, match="is a group; an option is expected"):
        resolve_reference(MODEL, "metrics", allow_group=False)
    with pytest.raises(UnresolvedReference, match="is a group"):
        resolve_reference(MODEL, "net", group="net")


@pytest.mark.parametrize("text", ["", "  ", "-x", "a b", "a:", ":b", "metrics:-x"])
def test_malformed(text: str) -> None:
    with pytest.raises(UnresolvedReference):
        resolve_reference(MODEL, text)


def test_unknown_group_prefix() -> None:
    with pytest.raises(UnresolvedReference, match="unknown group `metric`") as caught:
        resolve_reference(MODEL, "metric:bleu")
    assert "`metrics`" in caught.value.hint


def test_full_name_wins_over_short_name() -> None:
    model = Model((Group("g", Strategy.MANY, ("latency", "metric-latency")),))
    assert resolve_reference(model, "latency") == "latency"


def test_unknown_context_group() -> None:
    with pytest.raises(UnresolvedReference, match="unknown group `metric`"):
        resolve_reference(MODEL, "bleu", group="metric")


TOOLS = Model(
    (
        Group("tools", Strategy.MANY, ("tomli-w", "hello-git")),
        Group("net", Strategy.ONE, ("net-fast", "slow")),
    )
)


@pytest.mark.parametrize(("text", "candidate"), [("w", "tomli-w"), ("git", "hello-git")])
def test_a_name_that_only_ends_in_the_text_is_no_short_name(text: str, candidate: str) -> None:
    """A short name follows a prefix two options share, or the group's name: never a fragment."""
    for group in (None, "tools"):
        with pytest.raises(UnresolvedReference, match=f"unknown option `{text}`") as caught:
            resolve_reference(TOOLS, text, group=group)
        assert caught.value.candidates[:1] == (candidate,)
        assert caught.value.hint == f"did you mean `{candidate}`?"


def test_the_group_name_is_a_shared_prefix() -> None:
    assert resolve_reference(TOOLS, "fast", group="net") == "net-fast"
    assert resolve_reference(TOOLS, "net:fast") == "net-fast"


def test_short_names_follow_shared_prefixes_only() -> None:
    from hpm.registry.references import short_names

    assert short_names(MODEL.group("inference")) == {
        "adapter-qwen": ("vlm-adapter-qwen",),
        "qwen": ("vlm-adapter-qwen",),
        "adapter-deepseek": ("vlm-adapter-deepseek",),
        "deepseek": ("vlm-adapter-deepseek",),
    }
    assert short_names(TOOLS.group("tools")) == {}


def test_a_group_is_named_by_its_name_only() -> None:
    from hpm.registry import ReferenceResolver

    refs = ReferenceResolver(MODEL)
    assert refs.group("Metrics").name == "metrics"
    with pytest.raises(UnresolvedReference, match="unknown group `metric`") as caught:
        refs.group("metric")
    assert caught.value.hint == "did you mean `metrics`?"
    with pytest.raises(UnresolvedReference, match="is an option, not a group") as caught:
        refs.group("metric-bleu")
    assert "group `metrics`" in caught.value.hint
