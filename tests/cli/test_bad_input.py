"""The bad-input corpus: every case under ``tests/cases/bad_input/<case>/`` through the real CLI.

A case directory holds ``project/`` (the project; ``pyproject.toml`` is usually there), an
optional ``registry/`` beside it (``[tool.hpm] registry = "../registry"``) and ``case.json``:

- ``args``: the hpm arguments, run with the copied ``project/`` as the working directory;
- ``exit``: the expected exit code; ``stderr``: substrings that must all appear in stderr;
- ``registry: "example"``: start from a copy of the example registry (the case's own
  ``registry/`` files, if any, are laid over it);
- ``generate``: a generator below that adds files too large or too odd to commit.

Whatever the case, hpm must not print a traceback and must leave every file byte-identical
(hpm's private ``project/.hpm/`` lock directory aside). The registry scenarios of
``tests/cases/registry/`` that expect problems run through ``hpm registry check`` likewise.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, tree_bytes
from helpers.projects import EXAMPLE_REGISTRY

CASES = Path(__file__).resolve().parents[1] / "cases" / "bad_input"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "case.json").is_file())
REGISTRY_CASES = Path(__file__).resolve().parents[1] / "cases" / "registry"
PRIVATE = ("project/.hpm",)


# --------------------------------------------------------------------------- generators
def _group_file(root: Path, text: str) -> None:
    path = root / "registry" / "groups" / "a.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _huge_yaml(root: Path) -> None:
    """A 6 MB group file (one long description): over hpm's size limit."""
    text = "name: a\nstrategy: 1-of-N\noptions:\n  - x\ndescription: " + "y" * (6 << 20) + "\n"
    _group_file(root, text)


def _many_values_yaml(root: Path) -> None:
    """Under the size limit, 120,000 options (more values than the old cap of 100,000, which
    stopped real registries): read in full, and a mistake at the end is found at its line."""
    lines = ["name: a", "strategy: M-of-N", "options:"]
    lines += [f"  - o{i}" for i in range(120_000)]
    lines += ["  - name: last", "    requires: [nowhere]"]
    _group_file(root, "\n".join(lines) + "\n")


def _deep_yaml(root: Path) -> None:
    """An option whose ``requires`` is nested 5,000 lists deep (flow style)."""
    deep = "[" * 5000 + "x" + "]" * 5000
    text = f"name: a\nstrategy: 1-of-N\noptions:\n  - name: x\n    requires: {deep}\n  - y\n"
    _group_file(root, text)


def _symlink(root: Path) -> None:
    """``registry/pkgs/link`` points outside the registry."""
    (root / "registry" / "pkgs").mkdir(parents=True, exist_ok=True)
    os.symlink(root / "outside", root / "registry" / "pkgs" / "link")


def _read_only_pyproject(root: Path) -> None:
    """``chmod 0444 pyproject.toml``: read-only by its mode bits (tests run as root, which could
    write it anyway; hpm honours the bits for everyone)."""
    (root / "project" / "pyproject.toml").chmod(0o444)


def _replace(path: Path, make: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    make(path)


def _fifo(relative: str) -> Callable[[Path], None]:
    """A named pipe where a registry file should be (reading it would block forever)."""
    return lambda root: _replace(root / "registry" / relative, os.mkfifo)


def _link_to(relative: str, target: str) -> Callable[[Path], None]:
    """A registry file that is a symlink to a device or a kernel file."""
    return lambda root: _replace(root / "registry" / relative, lambda p: p.symlink_to(target))


GENERATORS: dict[str, Callable[[Path], None]] = {
    "huge_yaml": _huge_yaml,
    "many_values_yaml": _many_values_yaml,
    "deep_yaml": _deep_yaml,
    "symlink": _symlink,
    "read_only_pyproject": _read_only_pyproject,
    "fifo_group": _fifo("groups/zz.yaml"),
    "fifo_rules": _fifo("rules.yaml"),
    "dev_zero_group": _link_to("groups/zero.yaml", "/dev/zero"),
    "dev_urandom_package": _link_to("packages/metric-bleu.yaml", "/dev/urandom"),
    "proc_pagemap_rules": _link_to("rules.yaml", "/proc/self/pagemap"),
}


def prepare(case: str, tmp_path: Path) -> tuple[Path, dict]:
    """Copy the case into ``tmp_path`` (with the example registry if asked); its spec."""
    spec = json.loads((CASES / case / "case.json").read_text())
    root = tmp_path / case
    if spec.get("registry") == "example":
        shutil.copytree(EXAMPLE_REGISTRY, root / "registry")
    shutil.copytree(CASES / case, root, dirs_exist_ok=True, symlinks=True)
    (root / "case.json").unlink()
    if "generate" in spec:
        GENERATORS[spec["generate"]](root)
    return root, spec


def test_corpus_is_large_enough() -> None:
    assert len(NAMES) >= 30
    for name in NAMES:
        spec = json.loads((CASES / name / "case.json").read_text())
        assert spec["stderr"], f"{name}: no expected stderr substrings"
        assert spec.get("generate") in (None, *GENERATORS), name


@pytest.mark.parametrize("case", NAMES)
def test_bad_input(case: str, tmp_path: Path, hpm: RunHpm) -> None:
    root, spec = prepare(case, tmp_path)
    before = tree_bytes(root)
    done = hpm(*spec["args"], cwd=root / "project")
    shown = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == spec["exit"], shown
    assert_clean(done)
    for needle in spec["stderr"]:
        assert needle in done.stderr, f"{needle!r} missing\n{shown}"
    if (CASES / case / "project" / ".hpm").exists():  # the case is about hpm's own state
        skip: tuple[str, ...] = ("project/.hpm/lock", "project/.hpm/.gitignore")
        before = {k: v for k, v in before.items() if k not in skip}
        assert tree_bytes(root, skip=skip) == before
    else:
        assert tree_bytes(root, skip=PRIVATE) == before


# --------------------------------------------------------------------------- registry scenarios
def _problem_cases() -> list[str]:
    out = []
    for path in sorted(REGISTRY_CASES.iterdir()):
        expect = path / "expect.json"
        if expect.is_file() and "problems" in json.loads(expect.read_text()):
            out.append(path.name)
    return out


@pytest.mark.parametrize("case", _problem_cases())
def test_registry_scenario_through_cli(case: str, tmp_path: Path, hpm: RunHpm) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(REGISTRY_CASES / case, registry, symlinks=True)
    (registry / "expect.json").unlink()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    before = tree_bytes(tmp_path)
    done = hpm("--registry", str(registry), "registry", "check", cwd=elsewhere)
    assert done.returncode == 2, done.stdout + done.stderr
    assert_clean(done)
    for problem in json.loads((REGISTRY_CASES / case / "expect.json").read_text())["problems"]:
        if "file" in problem:
            assert problem["file"] in done.stderr, (problem, done.stderr)
        if problem.get("key"):
            assert problem["key"] in done.stderr, (problem, done.stderr)
    assert tree_bytes(tmp_path) == before


def test_registry_option_after_the_subcommand(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("registry", "check", "--registry", str(EXAMPLE_REGISTRY), cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_registry_from_environment(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm(
        "registry", "check", cwd=tmp_path, env={"HPM_REGISTRY": str(REGISTRY_CASES / "bounds")}
    )
    assert done.returncode == 2 and "groups/a.yaml:3: min" in done.stderr
