"""Reading [tool.hpm]: good manifests, and every kind of bad one reported with file, key, line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpm.errors import InputError
from hpm.project.manifest import Manifest, read_manifest, remove_group, set_group, set_registry

HEADER = '[project]\nname = "demo"\n\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text.encode())
    return path


def test_reads_groups_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + '[tool.hpm]\nregistry = "reg"\n\n[tool.hpm.groups]\n'
        'metrics = ["metric-accuracy", "metric-latency"]\ninference = "vlm-adapter-qwen"\n'
        'storage = ""\nextra = []\n',
    )
    manifest = read_manifest(path)
    assert manifest == Manifest(
        path,
        "reg",
        {
            "metrics": ("metric-accuracy", "metric-latency"),
            "inference": "vlm-adapter-qwen",
            "storage": "",
            "extra": (),
        },
    )
    assert list(manifest.groups) == ["metrics", "inference", "storage", "extra"]
    assert manifest.line("tool.hpm.groups.inference") == 9


def test_no_hpm_table_is_an_empty_manifest(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "[tool.ruff]\nline-length = 100\n")
    assert read_manifest(path) == Manifest(path, None, {})


def test_dotted_and_inline_forms_read_the_same(tmp_path: Path) -> None:
    dotted = read_manifest(write(tmp_path, 'tool.hpm.groups.inference = "a"\n'))
    inline = read_manifest(write(tmp_path, '[tool]\nhpm = { groups = { inference = "a" } }\n'))
    assert dotted.groups == inline.groups == {"inference": "a"}


def test_missing_file_hints_at_uv_init(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_manifest(tmp_path / "pyproject.toml")
    problem = info.value.problems[0]
    assert problem.file == "pyproject.toml"
    assert "uv init" in problem.hint and "hpm init" in problem.hint


def test_crlf_manifest_reads(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.hpm.groups]\r\ninference = "a"\r\n')
    assert read_manifest(path).groups == {"inference": "a"}


BAD = {
    # name: (text, key, line, words in the message)
    "not_toml": (HEADER + "[tool.hpm.groups]\ninference = \n", "", 5, "invalid TOML"),
    "unclosed_table": (HEADER + "[tool.hpm.groups\n", "", 4, "invalid TOML"),
    "group_is_number": (
        HEADER + "[tool.hpm.groups]\ninference = 3\n",
        "tool.hpm.groups.inference",
        5,
        "found a number",
    ),
    "group_is_bool": (
        HEADER + "[tool.hpm.groups]\n\ninference = true\n",
        "tool.hpm.groups.inference",
        6,
        "found a boolean",
    ),
    "group_is_table": (
        HEADER + "[tool.hpm.groups.inference]\noption = 'a'\n",
        "tool.hpm.groups.inference",
        4,
        "found a table",
    ),
    "group_is_inline_table": (
        HEADER + "[tool.hpm.groups]\ninference = { option = 'a' }\n",
        "tool.hpm.groups.inference",
        5,
        "found a table",
    ),
    "list_with_a_number": (
        HEADER + "[tool.hpm.groups]\nmetrics = [\n  'metric-bleu',\n  2,\n]\n",
        "tool.hpm.groups.metrics",
        5,
        "item 1 is a number",
    ),
    "hpm_not_a_table": (HEADER + '[tool]\nhpm = "yes"\n', "tool.hpm", 5, "must be a table"),
    "groups_not_a_table": (
        HEADER + '[tool.hpm]\ngroups = ["a"]\n',
        "tool.hpm.groups",
        5,
        "must be a table",
    ),
    "registry_not_a_string": (
        HEADER + "[tool.hpm]\nregistry = 1\n",
        "tool.hpm.registry",
        5,
        "must be a string",
    ),
    "unknown_key": (
        HEADER + '[tool.hpm]\nregistyr = "reg"\n',
        "tool.hpm.registyr",
        5,
        "unknown key",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_manifest(name: str, tmp_path: Path) -> None:
    text, key, line, words = BAD[name]
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_manifest(path)
    [problem] = info.value.problems
    assert (problem.file, problem.key, problem.line) == ("pyproject.toml", key, line)
    assert words in problem.message
    assert problem.hint
    assert path.read_bytes() == text.encode()


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_manifest(write(tmp_path, '[tool.hpm]\ngroup = {}\nregistyr = "r"\n'))
    hints = [p.hint for p in info.value.problems]
    assert hints == ["did you mean `groups`?", "did you mean `registry`?"]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = "[tool.hpm]\nregistry = 2\n[tool.hpm.groups]\na = 1\nb = true\nc = 'fine'\n"
    with pytest.raises(InputError) as info:
        read_manifest(write(tmp_path, text))
    assert [(p.key, p.line) for p in info.value.problems] == [
        ("tool.hpm.registry", 2),
        ("tool.hpm.groups.a", 4),
        ("tool.hpm.groups.b", 5),
    ]
    assert str(info.value) == "3 problems found"


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: set_group(p, "inference", "a"),
        lambda p: remove_group(p, "inference"),
        lambda p: set_registry(p, "registry"),
    ],
)
def test_edits_refuse_a_file_that_is_not_toml(edit, tmp_path: Path) -> None:
    text = HEADER + "[tool.hpm.groups]\ninference = \n"
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        edit(path)
    assert info.value.problems[0].line == 5
    assert path.read_bytes() == text.encode()


def test_edit_refuses_a_groups_value_that_is_not_a_table(tmp_path: Path) -> None:
    text = '[tool.hpm]\ngroups = "x"\n'
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        set_group(path, "inference", "a")
    assert info.value.problems[0].key == "tool.hpm.groups"
    assert path.read_bytes() == text.encode()


def test_edit_of_a_missing_file_hints_at_uv_init(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        set_group(tmp_path / "pyproject.toml", "inference", "a")
    assert "uv init" in info.value.hint
    assert not (tmp_path / "pyproject.toml").exists()


def test_edit_keeps_file_mode_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER)
    path.chmod(0o640)
    set_group(path, "inference", "a")
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_set_group_rejects_values_that_are_not_names(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER)
    with pytest.raises(TypeError):
        set_group(path, "inference", 3)  # type: ignore[arg-type]
    assert path.read_bytes() == HEADER.encode()
