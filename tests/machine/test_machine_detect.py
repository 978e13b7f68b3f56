"""Detection of machine facts against recorded and made-up machines (a fake root + PATH)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.machines import H200, FakeMachine, bare_machine, h200_machine, nvidia_machine

from hpm.machine.cuda import cuda_for_driver
from hpm.machine.detect import Probe, detect
from hpm.machine.facts import FACTS, MachineSpecError, overrides_from, parse_env

REPO = Path(__file__).resolve().parents[2]


def probe(machine: FakeMachine, **extra: object) -> Probe:
    return Probe(root=machine.root, path=machine.path, environ={}, **extra)  # type: ignore[arg-type]


def test_h200_recorded_outputs(tmp_path: Path) -> None:
    facts = detect(probe(h200_machine(tmp_path)))
    assert facts.warnings == ()
    assert facts.value("gpu") == "nvidia"
    assert facts.value("cuda") == "13.0"
    assert facts.value("cuda_driver") == "580.159.04"
    assert facts.value("compute_capability") == "9.0"
    assert facts.value("rocm") is None
    assert facts.fact("cuda").origin() == "nvidia driver 580.159.04, from nvidia-smi"
    assert facts.fact("cuda_driver").source == "/sys/module/nvidia/version"
    assert facts.fact("compute_capability").source == "nvidia-smi --query-gpu=compute_cap"


def test_h200_without_nvidia_smi_uses_the_driver_table(tmp_path: Path) -> None:
    facts = detect(probe(h200_machine(tmp_path, with_smi=False)))
    assert facts.value("cuda") == "13.0"
    assert (
        facts.fact("cuda").origin() == "nvidia driver 580.159.04, from /sys/module/nvidia/version"
    )
    assert facts.value("compute_capability") is None
    assert facts.warnings == ()


def test_driver_from_proc_when_sys_is_absent(tmp_path: Path) -> None:
    machine = h200_machine(tmp_path, with_smi=False)
    (machine.root / "sys/module/nvidia/version").unlink()
    facts = detect(probe(machine))
    assert facts.value("cuda_driver") == "580.159.04"
    assert facts.fact("cuda_driver").source == "/proc/driver/nvidia/version"
    assert facts.value("cuda") == "13.0"


def test_older_driver_in_sys_gives_its_cuda(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    machine.write("/sys/module/nvidia/version", "535.104.05\n")
    facts = detect(probe(machine))
    assert (facts.value("gpu"), facts.value("cuda")) == ("nvidia", "12.2")
    assert (
        facts.fact("cuda").origin() == "nvidia driver 535.104.05, from /sys/module/nvidia/version"
    )


def test_older_driver_with_nvidia_smi_and_mixed_gpus(tmp_path: Path) -> None:
    facts = detect(probe(nvidia_machine(tmp_path, "535.104.05", "12.2", ["8.6", "7.5", "8.6"])))
    assert facts.value("cuda") == "12.2"
    assert facts.value("compute_capability") == "7.5"
    assert facts.fact("compute_capability").detail == "lowest of 7.5, 8.6"


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [
        ("580.159.04", "13.0"),
        ("580.65.06", "13.0"),
        ("580.65.05", "12.9"),
        ("570.124.06", "12.8"),
        ("550.54.14", "12.4"),
        ("535.104.05", "12.2"),
        ("535.54.03", "12.2"),
        ("525.60.13", "12.0"),
        ("470.82.01", "11.4"),
        ("375.74", "8.0"),
        ("340.108", None),
        ("not-a-driver", None),
    ],
)
def test_driver_to_cuda_table(driver: str, cuda: str | None) -> None:
    assert cuda_for_driver(driver) == cuda


def test_no_gpu(tmp_path: Path) -> None:
    facts = detect(probe(bare_machine(tmp_path)))
    assert facts.value("gpu") == "none"
    assert [facts.value(n) for n in ("cuda", "cuda_driver", "compute_capability", "rocm")] == [
        None
    ] * 4
    assert facts.warnings == ()


def test_failing_nvidia_smi_is_a_warning(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    machine.tool(
        "nvidia-smi",
        'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\n'
        "exit 9\n",
    )
    facts = detect(probe(machine))
    assert facts.value("gpu") == "none"
    assert len(facts.warnings) == 1
    assert "failed (exit 9)" in facts.warnings[0]
    assert "couldn't communicate" in facts.warnings[0]


def test_garbage_from_nvidia_smi_is_a_warning(tmp_path: Path) -> None:
    machine = h200_machine(tmp_path, with_smi=False)
    machine.tool("nvidia-smi", "echo 'hello, I am not a GPU'\n")
    facts = detect(probe(machine))
    assert facts.value("gpu") == "nvidia"
    assert facts.value("cuda") == "13.0"  # from the driver table: the table output had no CUDA
    assert facts.value("compute_capability") is None
    assert len(facts.warnings) == 1
    assert "unexpected" in facts.warnings[0]


def test_hanging_nvidia_smi_is_killed_with_its_children(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    pid_file = tmp_path / "child.pid"
    machine.tool("nvidia-smi", f"sleep 600 &\necho $! > '{pid_file}'\nwait\n")
    facts = detect(probe(machine, timeout=0.5))
    assert facts.value("gpu") == "none"
    assert len(facts.warnings) == 1
    assert "did not answer within 0.5 s" in facts.warnings[0]
    child = int(pid_file.read_text())
    stat = Path(f"/proc/{child}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")


def test_amd_machine(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    machine.write("/dev/kfd", "")
    machine.write("/opt/rocm/.info/version", "6.2.4-120\n")
    facts = detect(probe(machine))
    assert (facts.value("gpu"), facts.value("rocm"), facts.value("cuda")) == ("amd", "6.2.4", None)
    assert facts.fact("rocm").origin() == "6.2.4-120, from /opt/rocm/.info/version"


def test_overrides_replace_detection(tmp_path: Path) -> None:
    facts = detect(probe(h200_machine(tmp_path)), overrides_from(["cuda=12.8"], {}))
    assert facts.value("cuda") == "12.8"
    assert facts.fact("cuda").origin() == "from --machine"
    assert facts.value("compute_capability") == "9.0"  # still detected


def test_cuda_override_implies_an_nvidia_gpu(tmp_path: Path) -> None:
    env = {"HPM_MACHINE": "cuda=12.8"}
    facts = detect(probe(bare_machine(tmp_path)), overrides_from([], env))
    assert (facts.value("gpu"), facts.value("cuda")) == ("nvidia", "12.8")
    assert facts.fact("gpu").origin() == "implied by cuda=12.8, from HPM_MACHINE"


def test_gpu_override_skips_gpu_detection(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    ran = tmp_path / "ran"
    machine.tool("nvidia-smi", f"touch '{ran}'\n")
    facts = detect(probe(machine), overrides_from(["gpu=none"], {"HPM_MACHINE": "gpu=nvidia"}))
    assert facts.value("gpu") == "none"
    assert facts.fact("gpu").source == "--machine"  # the command line wins over HPM_MACHINE
    assert not ran.exists()


def test_env_overrides() -> None:
    facts = parse_env("gpu=nvidia, cuda=12.4,")
    assert {name: fact.value for name, fact in facts.items()} == {"gpu": "nvidia", "cuda": "12.4"}
    assert parse_env("cuda=none")["cuda"].value is None


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("gpux=nvidia", "unknown fact 'gpux'"),
        ("cuda=twelve", "cuda must be a version"),
        ("gpu=intel", "gpu must be one of nvidia, amd, none"),
        ("os=Plan 9", "os must be one of"),
        ("arch=x 86", "arch must be a word"),
        ("cuda", "expected KEY=VALUE"),
    ],
)
def test_bad_overrides(item: str, message: str) -> None:
    with pytest.raises(MachineSpecError) as caught:
        overrides_from([item], {})
    assert caught.value.message.startswith(message)
    assert caught.value.hint


def test_python_from_the_project_environment(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    project = tmp_path / "project"
    (project / ".venv").mkdir(parents=True)
    (project / ".python-version").write_text("3.13\n")
    assert detect(probe(machine, project=project)).fact("python").source == ".python-version"
    (project / ".venv/pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.12.3.final.0\n")
    python = detect(probe(machine, project=project)).fact("python")
    assert (python.value, python.source) == ("3.12.3", ".venv/pyvenv.cfg")


def test_python_without_a_project_is_the_running_one(tmp_path: Path) -> None:
    python = detect(probe(bare_machine(tmp_path))).fact("python")
    assert python.value == "{}.{}.{}".format(*sys.version_info[:3])


def test_detection_runs_on_the_standard_library_alone(tmp_path: Path) -> None:
    """``python -S``: no site-packages, so no yaml, tomlkit, click, packaging..."""
    machine = h200_machine(tmp_path)
    result = subprocess.run(
        [sys.executable, "-S", "-m", "hpm.machine.detect", "--json", "--root", str(machine.root)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "PATH": machine.path},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert (facts["gpu"], facts["cuda"], facts["compute_capability"]) == ("nvidia", "13.0", "9.0")
    assert facts["sources"]["cuda_driver"] == "from /sys/module/nvidia/version"
    assert set(facts) == {*FACTS, "sources"}


def test_bad_override_on_the_module_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-S", "-m", "hpm.machine.detect", "--machine", "cuda=x"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --machine 'cuda=x': cuda must be a version")
    assert "\nhint: " in result.stderr


def test_recorded_h200_files_are_present() -> None:
    assert (H200 / "nvidia-smi-query.csv").read_text().startswith("name, driver_version")


def test_device_check_script_on_the_recorded_h200(tmp_path: Path) -> None:
    """scripts/device-machine-check.sh, as it runs on the GPU machine, against the recordings."""
    machine = h200_machine(tmp_path)
    out = tmp_path / "out"
    env = {
        **os.environ,
        "OUT": str(out),
        "HPM_MACHINE_ROOT": str(machine.root),
        "PATH": f"{machine.path}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
        + os.environ["PATH"],
    }
    result = subprocess.run(
        ["bash", str(REPO / "scripts/device-machine-check.sh")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads((out / "facts.json").read_text())
    assert (facts["gpu"], facts["cuda"], facts["compute_capability"]) == ("nvidia", "13.0", "9.0")
    assert (out / "compare.txt").read_text().count(": same") == 4
    assert (out / "nvidia-smi-query.txt").read_text() == "9.0, 580.159.04\n"
