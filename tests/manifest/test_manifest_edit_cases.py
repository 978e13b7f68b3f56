"""Byte-exact edits of pyproject.toml: one scenario per directory under tests/cases/manifest/.

Each case holds ``before.toml``, the edit to apply (``edit.json``) and ``after.toml``, the exact
bytes expected afterwards.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from hpm.names import normalize
from hpm.project.manifest import read_manifest, remove_group, set_group, set_groups, set_registry

CASES = Path(__file__).parent.parent / "cases" / "manifest"


def _apply(pyproject: Path, edit: dict) -> None:
    op = edit["op"]
    if op == "set_group":
        set_group(pyproject, edit["group"], edit["value"])
    elif op == "set_groups":
        set_groups(pyproject, edit["groups"])
    elif op == "remove_group":
        remove_group(pyproject, edit["group"])
    elif op == "set_registry":
        set_registry(pyproject, edit["registry"])
    else:  # pragma: no cover - a typo in a case file
        raise ValueError(op)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_edit_case(case: str, tmp_path: Path) -> None:
    here = CASES / case
    edit = json.loads((here / "edit.json").read_text(encoding="utf-8"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes((here / "before.toml").read_bytes())

    _apply(pyproject, edit)

    assert pyproject.read_bytes() == (here / "after.toml").read_bytes()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_edit_case_reads_back(case: str, tmp_path: Path) -> None:
    """The edited file still parses, and the manifest says what the edit asked for."""
    here = CASES / case
    edit = json.loads((here / "edit.json").read_text(encoding="utf-8"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes((here / "after.toml").read_bytes())
    tomllib.loads(pyproject.read_text(encoding="utf-8"))
    manifest = read_manifest(pyproject)
    groups = {normalize(k): v for k, v in manifest.groups.items()}  # the file keeps its spelling
    if edit["op"] == "set_group":
        expected = edit["value"]
        got = groups[normalize(edit["group"])]
        assert got == (tuple(expected) if isinstance(expected, list) else expected)
    elif edit["op"] == "set_groups":
        for group, value in edit["groups"].items():
            assert groups[normalize(group)] == (tuple(value) if isinstance(value, list) else value)
    elif edit["op"] == "remove_group":
        assert normalize(edit["group"]) not in groups
    else:
        assert manifest.registry == edit["registry"]


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_edit_case_is_idempotent(case: str, tmp_path: Path) -> None:
    """Applying the same edit to the expected result changes nothing."""
    here = CASES / case
    edit = json.loads((here / "edit.json").read_text(encoding="utf-8"))
    pyproject = tmp_path / "pyproject.toml"
    after = (here / "after.toml").read_bytes()
    pyproject.write_bytes(after)
    _apply(pyproject, edit)
    assert pyproject.read_bytes() == after
