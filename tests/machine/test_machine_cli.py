"""The machine end to end: hpm sync --auto, check, explain, group add, registry check, hpm machine.

Detection reads a fake root (``HPM_MACHINE_ROOT``) and a ``PATH`` of stand-in tools, so the
answers do not depend on the machine running the tests; uv runs for real, offline.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

import pytest
from helpers.cli import invoke_hpm, make_demo, set_groups
from helpers.machines import ACCELERATOR, FakeMachine, bare_machine, h200_machine
from helpers.projects import (
    can_import,
    module_attribute,
    use_registry,
    write_package,
    write_project,
    write_registry,
)

from hpm.machine.facts import FACTS
from hpm.project.lockfile import read_lock

OPTIONS = ("cu130", "cu124", "cpu")


def _registry(root: Path) -> Path:
    """The accelerator group, each option a tiny local package (``import cu130``...)."""
    group = ACCELERATOR
    for name in OPTIONS:
        write_package(root / "pkgs" / name, name)
        group = group.replace(f"  - name: {name}\n", f"  - name: {name}\n    path: pkgs/{name}\n")
    return write_registry(root, {"accelerator": group})


def _project(tmp: Path, choice: str = "") -> Path:
    _registry(tmp / "registry")
    project = use_registry(write_project(tmp / "project"), "../registry")
    set_groups(project, f'accelerator = "{choice}"\n')
    return project


def _env(machine: FakeMachine, **extra: str) -> dict[str, str]:
    """Detect on ``machine``: its root, its tools first on PATH, then only this Python's bin."""
    path = os.pathsep.join([machine.path, str(Path(sys.executable).parent)])
    return {"HPM_MACHINE_ROOT": str(machine.root), "PATH": path, **extra}


def _chosen(project: Path) -> str:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    return data["tool"]["hpm"]["groups"]["accelerator"]


def test_no_gpu_auto_picks_cpu(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = invoke_hpm("sync", "--auto", cwd=project, env=_env(bare_machine(tmp_path / "m")))
    assert done.returncode == 0, done.stderr
    assert _chosen(project) == "cpu"
    assert can_import(project, "cpu") and not can_import(project, "cu130")
    assert "warning" not in done.stderr


def test_cuda_12_8_from_env_picks_cu124_and_explains_cu130(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _env(bare_machine(tmp_path / "m"), HPM_MACHINE="gpu=nvidia,cuda=12.8")
    done = invoke_hpm("sync", "--auto", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert _chosen(project) == "cu124"
    assert can_import(project, "cu124")
    done = invoke_hpm("explain", "accelerator", "cu130", cwd=project, env=env)
    assert (
        "this machine: cuda 12.8 (from HPM_MACHINE); cu130 needs cuda >=13.0 "
        "(groups/accelerator.yaml:6)" in done.stdout
    ), done.stdout


def test_cuda_12_8_from_the_command_line(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _env(bare_machine(tmp_path / "m"))
    done = invoke_hpm("sync", "--auto", "--dry-run", "--machine", "cuda=12.8", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert "cu124" in done.stdout and "cu130" not in done.stdout
    done = invoke_hpm("explain", "accelerator", "--machine", "cuda=12.8", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert "cuda 12.8 (from --machine); cu130 needs cuda >=13.0" in done.stdout


def test_recorded_h200_auto_picks_cu130(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _env(h200_machine(tmp_path / "m"))
    facts = json.loads(invoke_hpm("machine", "--json", cwd=project, env=env).stdout)
    assert (facts["gpu"], facts["cuda"], facts["compute_capability"]) == ("nvidia", "13.0", "9.0")
    assert facts["sources"]["cuda_driver"] == "from /sys/module/nvidia/version"
    done = invoke_hpm("sync", "--auto", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert _chosen(project) == "cu130"
    assert can_import(project, "cu130")
    decided = {"compute_capability": "9.0", "cuda": "13.0", "gpu": "nvidia"}
    assert read_lock(project).machine == {"accelerator": decided}  # type: ignore[union-attr]
    assert (
        'accelerator = { compute_capability = "9.0", cuda = "13.0", gpu = "nvidia" }'
        in (project / "hpm.lock").read_text()
    )
    # a plain sync keeps what decided the choice; a new --auto choice replaces it
    assert invoke_hpm("sync", cwd=project, env=env).returncode == 0
    assert read_lock(project).machine == {"accelerator": decided}  # type: ignore[union-attr]


def test_check_a_choice_this_machine_cannot_run(tmp_path: Path) -> None:
    project = _project(tmp_path, choice="cu130")
    env = _env(bare_machine(tmp_path / "m"))
    done = invoke_hpm("check", cwd=project, env=env)
    assert done.returncode == 1
    assert "this machine: gpu none (no NVIDIA driver or AMD GPU found); cu130 needs gpu nvidia" in (
        done.stderr
    )
    gpu_box = ("--machine", "gpu=nvidia", "--machine", "cuda=13.0")
    done = invoke_hpm(
        "check", *gpu_box, "--machine", "compute_capability=9.0", cwd=project, env=env
    )
    assert done.returncode == 0, done.stderr
    assert invoke_hpm("check", "--any-machine", cwd=project, env=env).returncode == 0


def test_group_add_refuses_what_this_machine_cannot_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _env(bare_machine(tmp_path / "m"))
    before = (project / "pyproject.toml").read_bytes()
    done = invoke_hpm("group", "add", "accelerator", "--option", "cu124", cwd=project, env=env)
    assert done.returncode == 1
    assert "cu124 needs gpu nvidia" in done.stderr
    assert (project / "pyproject.toml").read_bytes() == before
    args = ("group", "add", "accelerator", "--option", "cu124", "--any-machine")
    assert invoke_hpm(*args, cwd=project, env=env).returncode == 0
    assert _chosen(project) == "cu124"


def test_registry_check_any_machine_by_default(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "registry")
    env = _env(bare_machine(tmp_path / "m"))
    done = invoke_hpm("registry", "check", "--json", cwd=registry.parent, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dead"] == []
    done = invoke_hpm("registry", "check", "--json", "--machine", "gpu=none", cwd=tmp_path, env=env)
    assert json.loads(done.stdout)["dead"] == ["cu124", "cu130"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("check", "--machine", "cdua=12.4"), {}, "error: --machine 'cdua=12.4': unknown fact"),
        (("sync", "--auto", "--machine", "cuda=new"), {}, "cuda must be a version"),
        (
            ("explain", "accelerator"),
            {"HPM_MACHINE": "gpu=intel"},
            "error: HPM_MACHINE 'gpu=intel'",
        ),
        (("check", "--machine", "cuda=12.4", "--any-machine"), {}, "contradict"),
        (("machine", "--machine", "os=beos"), {}, "os must be one of linux, macos, windows"),
    ],
)
def test_bad_machine_input(tmp_path: Path, args: tuple[str, ...], env: dict, message: str) -> None:
    project = _project(tmp_path)
    before = (project / "pyproject.toml").read_bytes()
    done = invoke_hpm(*args, cwd=project, env={**_env(bare_machine(tmp_path / "m")), **env})
    assert done.returncode == 2
    assert message in done.stderr
    assert "\nhint: " in done.stderr
    assert (project / "pyproject.toml").read_bytes() == before


def test_machine_text_and_warnings(tmp_path: Path) -> None:
    machine = h200_machine(tmp_path / "m", with_smi=False)
    machine.tool("nvidia-smi", "echo 'garbage'\n")
    done = invoke_hpm("machine", cwd=tmp_path, env=_env(machine))
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert tuple(line.split()[0] for line in lines) == FACTS
    assert (
        "cuda                13.0        nvidia driver 580.159.04, from /sys/module/nvidia/version"
        in lines
    )
    assert done.stderr.startswith("warning: nvidia-smi --query-gpu")


# --------------------------------------------------------------------------- the example: PyTorch
def _torch(project: Path) -> str | None:
    """The ``torch`` build installed in the project's environment (the stand-in wheels say)."""
    return module_attribute(project, "torch", "VERSION")


@pytest.mark.parametrize(
    ("machine", "overrides", "option", "torch"),
    [
        ("bare", {}, "cpu", "2.5.0+cpu"),
        ("bare", {"HPM_MACHINE": "gpu=nvidia,cuda=12.8"}, "cu124", "2.5.0+cu124"),
        ("h200", {}, "cu130", "2.9.0+cu130"),
    ],
)
def test_example_pytorch_case(
    tmp_path: Path, machine: str, overrides: dict[str, str], option: str, torch: str
) -> None:
    demo = make_demo(tmp_path)
    set_groups(demo, 'accelerator = ""\n')
    fake = h200_machine(tmp_path / "m") if machine == "h200" else bare_machine(tmp_path / "m")
    done = invoke_hpm("sync", "--auto", cwd=demo, env=_env(fake, **overrides))
    assert done.returncode == 0, done.stderr
    assert _chosen(demo) == option
    assert _torch(demo) == torch


def test_group_show_lists_the_machine_conditions(tmp_path: Path) -> None:
    demo = make_demo(tmp_path)
    text = invoke_hpm("group", "show", "accelerator", cwd=demo).stdout
    assert "only where gpu nvidia, cuda >=13.0, compute_capability >=7.5" in text
    data = json.loads(invoke_hpm("group", "show", "accelerator", "--json", cwd=demo).stdout)
    assert data["machine"]["cu124"] == {"gpu": ["nvidia"], "cuda": ">=12.4"}
    assert "cpu" not in data["machine"]


def test_status_says_when_this_machine_would_choose_differently(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _env(h200_machine(tmp_path / "m"))
    done = invoke_hpm("sync", "--auto", "--machine", "cuda=12.8", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert _chosen(project) == "cu124"
    done = invoke_hpm("status", cwd=project, env=env)  # the H200 itself: cuda 13.0
    assert done.returncode == 0, done.stdout + done.stderr  # a note, not a problem
    assert (
        "machine: accelerator = cu124 was chosen where compute_capability 9.0, cuda 12.8, "
        "gpu nvidia; here"
    ) not in done.stdout  # only the facts that differ are named
    assert (
        "machine: accelerator = cu124 was chosen where cuda 12.8; here cuda 13.0, so "
        "`hpm sync --auto` would choose cu130 (to switch: hpm group add accelerator --option "
        "cu130, then hpm sync)"
    ) in done.stdout
    data = json.loads(invoke_hpm("status", "--json", cwd=project, env=env).stdout)
    assert data["machine"] == [
        {
            "group": "accelerator",
            "recorded": ["cu124"],
            "now": ["cu130"],
            "facts": [{"fact": "cuda", "locked": "12.8", "here": "13.0"}],
        }
    ]
    same = invoke_hpm("status", "--json", "--machine", "cuda=12.9", cwd=project, env=env)
    assert json.loads(same.stdout)["machine"] == []  # differs, but the choice would not
