"""hpm.lock: exact rendering, round trip, corrupt files, drift for --locked."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpm.errors import InputError
from hpm.project.lockfile import LockState, group_changes, read_lock, render_lock, write_lock

STATE = LockState(
    registry="registry",
    digest="sha256:abc",
    groups={"metrics": ("metric-latency", "metric-accuracy"), "inference": "vlm-adapter-qwen"},
    packages={
        "vlm-adapter-qwen": "vlm-adapter-qwen @ ./registry/packages/vlm-adapter-qwen",
        "metric-accuracy": "metric-accuracy>=0.3",
        "metric-latency": 'metric-latency @ git+https://e.org/m.git@v1 ; python_version >= "3.11"',
    },
)

GOLDEN = """\
# This file is written by hpm sync. Do not edit it by hand.
version = 1
registry = "registry"
registry-digest = "sha256:abc"

[groups]
inference = "vlm-adapter-qwen"
metrics = ["metric-latency", "metric-accuracy"]

[packages]
metric-accuracy = "metric-accuracy>=0.3"
metric-latency = "metric-latency @ git+https://e.org/m.git@v1 ; python_version >= \\"3.11\\""
vlm-adapter-qwen = "vlm-adapter-qwen @ ./registry/packages/vlm-adapter-qwen"
"""


def test_render_is_exact_and_sorted() -> None:
    assert render_lock(STATE).decode() == GOLDEN


def test_round_trip(tmp_path: Path) -> None:
    write_lock(tmp_path, STATE)
    assert (tmp_path / "hpm.lock").read_bytes() == GOLDEN.encode()
    assert read_lock(tmp_path) == STATE


def test_empty_state_round_trips(tmp_path: Path) -> None:
    state = LockState("../shared/registry", "sha256:0")
    write_lock(tmp_path, state)
    assert read_lock(tmp_path) == state


def test_no_lock_yet(tmp_path: Path) -> None:
    assert read_lock(tmp_path) is None


names = st.text(alphabet="abcxyz-._ \"'\\é", min_size=1, max_size=8)


@given(
    groups=st.dictionaries(
        names, st.one_of(names, st.lists(names, max_size=3).map(tuple)), max_size=4
    ),
    packages=st.dictionaries(names, names, max_size=4),
)
def test_any_state_round_trips(tmp_path_factory, groups, packages) -> None:
    state = LockState("reg", "sha256:1", groups, packages)
    directory = tmp_path_factory.mktemp("lock")
    write_lock(directory, state)
    assert read_lock(directory) == state
    assert render_lock(state) == render_lock(LockState("reg", "sha256:1", groups, packages))


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("version = 1\nregistry = \n", "", 2),
        ('version = 1\nregistry-digest = "x"\n', "registry", None),
        ('version = 9\nregistry = "r"\nregistry-digest = "x"\n', "version", None),
        ('version = 1\nregistry = "r"\nregistry-digest = "x"\n[groups]\na = 1\n', "groups.a", None),
        ('version = 1\nregistry = "r"\nregistry-digest = "x"\npackages = 3\n', "packages", None),
    ],
)
def test_corrupt_lock(tmp_path: Path, text: str, key: str, line: int | None) -> None:
    (tmp_path / "hpm.lock").write_text(text)
    with pytest.raises(InputError) as info:
        read_lock(tmp_path)
    problem = info.value.problems[0]
    assert (problem.file, problem.key, problem.line) == ("hpm.lock", key, line)
    assert "delete hpm.lock" in problem.hint


def test_no_drift() -> None:
    manifest = {"inference": "vlm-adapter-qwen", "metrics": ["metric-accuracy", "metric-latency"]}
    assert group_changes(STATE, manifest) == []


def test_drift_names_every_difference() -> None:
    manifest = {"inference": "vllm-backend", "storage": "store-s3"}
    assert group_changes(STATE, manifest) == [
        ("storage", "in pyproject.toml but not in hpm.lock"),
        ("metrics", "in hpm.lock but no longer in pyproject.toml"),
        ("inference", 'hpm.lock has "vlm-adapter-qwen", pyproject.toml has "vllm-backend"'),
    ]


def test_open_group_is_drift() -> None:
    drift = group_changes(STATE, {"inference": "", "metrics": ()})
    assert drift == [
        ("inference", 'hpm.lock has "vlm-adapter-qwen", pyproject.toml has ""'),
        ("metrics", 'hpm.lock has ["metric-latency", "metric-accuracy"], pyproject.toml has []'),
    ]
