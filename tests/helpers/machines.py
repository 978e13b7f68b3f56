"""Fake machines for detection tests: a root directory (/sys, /proc, /opt, /dev) and a bin/.

``nvidia-smi`` in bin/ is a stand-in that serves recorded outputs: the table
(``nvidia-smi.txt``), ``-q`` (``nvidia-smi-q.txt``) and ``--query-gpu=F,... --format=csv,noheader``
answered column by column from ``nvidia-smi-query.csv`` (the captured
``--query-gpu=name,driver_version,compute_cap,memory.total --format=csv``).
"""

from __future__ import annotations

import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

H200 = Path(__file__).resolve().parents[1] / "machine" / "data" / "nvidia-h200"
# (system, machine) as Python's platform reported them there: "x86_64 Linux 3.12.3"
_ARCH, _SYSTEM, _ = (H200 / "python-platform.txt").read_text().split()
H200_PLATFORM = (_SYSTEM, _ARCH)

STAND_IN = """\
import csv, pathlib, sys
data = pathlib.Path(sys.argv[1])
args = sys.argv[2:]
if not args:
    sys.stdout.write((data / "nvidia-smi.txt").read_text())
elif args == ["-q"]:
    sys.stdout.write((data / "nvidia-smi-q.txt").read_text())
elif args[0].startswith("--query-gpu=") and args[1:] == ["--format=csv,noheader"]:
    rows = list(csv.reader((data / "nvidia-smi-query.csv").read_text().splitlines(),
                           skipinitialspace=True))
    header = [name.split(" [")[0] for name in rows[0]]
    fields = args[0].removeprefix("--query-gpu=").split(",")
    for field in fields:
        if field not in header:
            sys.exit(f'Field "{field}" is not a valid field to query.')
    for row in rows[1:]:
        print(", ".join(row[header.index(field)] for field in fields))
else:
    sys.exit(f"stand-in nvidia-smi: unexpected arguments {args}")
"""


@dataclass(frozen=True)
class FakeMachine:
    root: Path
    bin: Path

    @property
    def path(self) -> str:
        return str(self.bin)

    def write(self, path: str, text: str) -> None:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def tool(self, name: str, script: str) -> Path:
        """A shell script ``name`` on this machine's PATH."""
        target = self.bin / name
        target.write_text("#!/bin/sh\n" + script, encoding="utf-8")
        target.chmod(target.stat().st_mode | stat.S_IXUSR)
        return target

    def nvidia_smi(self, data: Path) -> None:
        """The stand-in ``nvidia-smi`` serving the recorded outputs in ``data``."""
        server = self.bin.parent / "nvidia_smi_stand_in.py"
        server.write_text(STAND_IN, encoding="utf-8")
        self.tool("nvidia-smi", f'exec "{sys.executable}" "{server}" "{data}" "$@"\n')


def bare_machine(tmp: Path) -> FakeMachine:
    """A machine with nothing: no driver, no tools."""
    machine = FakeMachine(tmp / "root", tmp / "bin")
    machine.root.mkdir(parents=True)
    machine.bin.mkdir(parents=True)
    return machine


def h200_machine(tmp: Path, *, with_smi: bool = True) -> FakeMachine:
    """The recorded NVIDIA H200 (driver 580.159.04): its /sys and /proc files and nvidia-smi."""
    machine = bare_machine(tmp)
    machine.write(
        "/sys/module/nvidia/version", (H200 / "sys_module_nvidia_version.txt").read_text()
    )
    machine.write(
        "/proc/driver/nvidia/version", (H200 / "proc_driver_nvidia_version.txt").read_text()
    )
    if with_smi:
        machine.nvidia_smi(H200)
    return machine


def nvidia_machine(tmp: Path, driver: str, cuda: str, capabilities: list[str]) -> FakeMachine:
    """A made-up NVIDIA machine: ``driver`` in /sys, an nvidia-smi reporting ``cuda`` and GPUs."""
    machine = bare_machine(tmp)
    machine.write("/sys/module/nvidia/version", driver + "\n")
    data = tmp / "smi"
    data.mkdir()
    table = (H200 / "nvidia-smi.txt").read_text()
    table = table.replace("580.159.04", driver).replace(
        "CUDA Version: 13.0", f"CUDA Version: {cuda}"
    )
    (data / "nvidia-smi.txt").write_text(table)
    rows = "".join(f"Made-up GPU, {driver}, {cap}, 16384 MiB\n" for cap in capabilities)
    (data / "nvidia-smi-query.csv").write_text(
        "name, driver_version, compute_cap, memory.total [MiB]\n" + rows
    )
    machine.nvidia_smi(data)
    return machine


def copy_h200(target: Path) -> Path:
    shutil.copytree(H200, target)
    return target


ACCELERATOR = """\
name: accelerator
strategy: 1-of-N
options:                      # registry order = preference for --auto
  - name: cu130
    machine: {gpu: nvidia, cuda: ">=13.0", compute_capability: ">=7.5"}
  - name: cu124
    machine: {gpu: nvidia, cuda: ">=12.4"}
  - name: cpu
"""


def accelerator_registry(root: Path, group: str = ACCELERATOR) -> Path:
    """A registry with the PyTorch-like accelerator group (options are index packages)."""
    (root / "groups").mkdir(parents=True)
    (root / "groups" / "accelerator.yaml").write_text(group, encoding="utf-8")
    return root
