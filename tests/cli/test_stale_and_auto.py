"""Choices over time, with the real uv offline: a choice the registry no longer has can be
removed; the advice after `group add` says `hpm sync --auto` when that is what is needed; `--auto`
says why it chose each group; a group it activated only for a rule leaves again when nothing
needs it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from helpers.cli import hpm_output
from helpers.projects import can_import, use_registry, write_package, write_project, write_registry

ENGINE = """\
name: engine
strategy: 1-of-N
options:
  - name: fast
    requires: [accel]
  - name: slow
"""

ACCEL = """\
name: accel
strategy: 1-of-N
default: cpu-accel
options:
  - name: gpu-accel
  - name: cpu-accel
"""

TOOLS = """\
name: tools
strategy: M-of-N
default: [fmt]
options:
  - name: fmt
  - name: lint
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    registry = tmp_path / "registry"
    write_registry(registry, {"engine": ENGINE, "accel": ACCEL, "tools": TOOLS})
    for name in ("fast", "slow", "gpu-accel", "cpu-accel", "fmt", "lint"):
        write_package(registry / "pkgs" / name, name)
    for name, text in (("engine", ENGINE), ("accel", ACCEL), ("tools", TOOLS)):
        body = text.replace("  - name: ", "  - path: pkgs/{n}\n    name: ")
        lines = []
        for line in body.splitlines():  # give each option its path
            if line.startswith("    name: "):
                option = line.split(": ", 1)[1]
                lines[-1] = lines[-1].replace("{n}", option)
            lines.append(line)
        (registry / "groups" / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return use_registry(write_project(tmp_path / "app"), "../registry")


hpm = hpm_output


def manifest(project: Path) -> dict:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    return data["tool"]["hpm"].get("groups", {})


def lock(project: Path) -> dict:
    return tomllib.loads((project / "hpm.lock").read_text())


def test_advice_and_reasons_and_auto_groups_that_leave_again(app: Path) -> None:
    out = hpm(app, "group", "add", "engine", "--option", "fast")
    assert "run `hpm sync --auto` (rules now require accel: --auto chooses) to install" in out
    hpm(app, "sync", code=1)  # plain sync stops: accel is needed

    out = hpm(app, "group", "add", "tools")
    assert "run `hpm sync --auto` (tools left open; rules now require accel" in out

    dry = hpm(app, "sync", "--auto", "--dry-run")
    assert "choose   tools = fmt  (the default)" in dry
    assert "choose   accel = cpu-accel  (activated: required by groups/engine.yaml:" in dry
    hpm(app, "sync", "--auto")
    assert manifest(app)["accel"] == "cpu-accel"
    assert lock(app)["auto-groups"] == ["accel"]
    assert can_import(app, "cpu_accel")

    out = hpm(app, "group", "add", "engine", "--option", "slow")
    assert "run `hpm sync` to apply" in out
    out = hpm(app, "sync")
    assert "drop     accel  (--auto activated it for a rule; nothing needs it any more)" in out
    assert "accel" not in manifest(app)
    assert "auto-groups" not in lock(app) and "accel" not in lock(app)["groups"]
    assert not can_import(app, "cpu_accel")


def test_a_group_the_user_chose_is_never_dropped(app: Path) -> None:
    hpm(app, "group", "add", "engine", "--option", "fast")
    hpm(app, "group", "add", "accel", "--option", "gpu-accel")
    hpm(app, "sync")
    assert "auto-groups" not in lock(app)
    hpm(app, "group", "add", "engine", "--option", "slow")
    hpm(app, "sync")
    assert manifest(app)["accel"] == "gpu-accel"


def test_a_choice_the_registry_no_longer_has_can_be_removed(app: Path) -> None:
    hpm(app, "group", "add", "tools", "--option", "fmt", "--option", "lint")
    hpm(app, "group", "add", "engine", "--option", "slow")
    hpm(app, "sync")
    registry = app.parent / "registry"
    tools = registry / "groups" / "tools.yaml"
    tools.write_text(tools.read_text().split("  - path: pkgs/lint")[0])  # option lint deleted
    hpm(app, "check", code=2)
    out = hpm(app, "group", "remove", "tools", "--option", "lint")
    assert "tools: fmt, lint -> fmt (no longer in the registry)" in out
    hpm(app, "sync")
    assert not can_import(app, "lint") and can_import(app, "fmt")

    (registry / "groups" / "engine.yaml").unlink()  # the whole group deleted
    hpm(app, "check", code=2)
    out = hpm(app, "group", "remove", "engine")
    assert "removed group engine (no longer in the registry)" in out
    hpm(app, "sync")
    assert not can_import(app, "slow")
    hpm(app, "check", "--locked")


def test_init_again_keeps_the_registry_or_says_what_changed(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    write_registry(tmp_path / "registry", {"tools": TOOLS})
    write_registry(tmp_path / "other", {"tools": TOOLS})
    hpm(project, "init", "--registry", "../registry")
    out = hpm(project, "init")
    assert 'already uses registry = "../registry"' in out
    out = hpm(project, "init", "--registry", "../other")
    assert "registry: ../registry -> ../other" in out
    assert tomllib.loads((project / "pyproject.toml").read_text())["tool"]["hpm"] == {
        "registry": "../other"
    }


def test_a_max_violation_points_at_the_max_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    write_registry(
        tmp_path / "registry",
        {"tools": "name: tools\nstrategy: M-of-N\nmax: 2\noptions: [fmt, lint, types]\n"},
    )
    use_registry(project, "../registry")
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.hpm.groups]\ntools = ["fmt", "lint", "types"]\n')
    out = hpm(project, "check", code=1)
    line = next(x for x in out.splitlines() if "takes at most" in x)
    # the location's separator before the key is ", " or ": " (one formatter, being unified)
    assert line.strip().startswith("tools takes at most 2 options  (groups/tools.yaml:3")
    assert line.endswith(" max)")
