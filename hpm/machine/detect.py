"""Detect the facts of the machine hpm runs on. Standard library only; never fails.

Where each fact comes from (the first that answers wins):

- ``os``, ``arch``: Python's ``platform``.
- ``python``: the project's environment (``.venv/pyvenv.cfg``, or ``$UV_PROJECT_ENVIRONMENT``),
  else the project's ``.python-version``, else ``$UV_PYTHON`` when it is a version, else the
  Python running hpm. Cheap on purpose: no interpreter is started.
- ``gpu``, ``cuda_driver``: ``/sys/module/nvidia/version``, ``/proc/driver/nvidia/version``, then
  ``nvidia-smi --query-gpu=driver_version,compute_cap --format=csv,noheader`` (as uv's
  ``uv-torch`` does); ``amd`` when ``/dev/kfd`` exists or ``rocminfo`` lists a GPU agent.
- ``cuda``: ``nvidia-smi``'s own "CUDA Version", else the driver through NVIDIA's table
  (``hpm.machine.cuda``).
- ``compute_capability``: the query above; the lowest when the GPUs differ.
- ``rocm``: ``/opt/rocm/.info/version``, else ``amd-smi version`` (on an AMD machine).

A missing tool means "not this kind of GPU"; a tool that fails, hangs (``timeout``) or prints
something unexpected leaves the fact unknown and adds a warning. ``root`` (default ``/``) and
``path`` (default ``$PATH``) say where to look, so tests can serve recorded machines.

Run ``python3 -m hpm.machine.detect [--json]`` to print the facts with no other dependency.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hpm.machine.cuda import cuda_for_driver, parse_driver
from hpm.machine.facts import (
    FACTS,
    NVIDIA_FACTS,
    Fact,
    Machine,
    MachineSpecError,
    overrides_from,
)

if TYPE_CHECKING:
    import subprocess

ROOT_ENV_VAR = "HPM_MACHINE_ROOT"  # read the machine's files under this directory (for tests)
DEFAULT_TIMEOUT = 10.0  # seconds per tool run; nvidia-smi can be slow without persistence mode

SYS_DRIVER = "/sys/module/nvidia/version"
PROC_DRIVER = "/proc/driver/nvidia/version"
ROCM_INFO = "/opt/rocm/.info/version"
KFD = "/dev/kfd"
NVIDIA_QUERY = ("--query-gpu=driver_version,compute_cap", "--format=csv,noheader")

_CUDA_VERSION = re.compile(r"CUDA Version:\s*(\d+\.\d+)")
_PROC_DRIVER = re.compile(r"Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)\s")
_ROCM_VERSION = re.compile(r"ROCm version:\s*(\d+(?:\.\d+)+)")
_VERSION_PREFIX = re.compile(r"\d+(?:\.\d+)+")


@dataclass(frozen=True, slots=True)
class Probe:
    """Where detection looks: a root directory for /sys, /proc, /opt, /dev; a PATH for tools."""

    root: Path = Path("/")
    path: str | None = None  # None: $PATH
    project: Path | None = None  # the project whose environment gives ``python``
    timeout: float = DEFAULT_TIMEOUT
    platform: tuple[str, str] | None = None  # (system, machine); None: this Python's platform
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def probe_from_env(project: Path | None = None) -> Probe:
    """The default probe: ``/`` (or ``$HPM_MACHINE_ROOT``) and ``$PATH``."""
    root = os.environ.get(ROOT_ENV_VAR)
    return Probe(root=Path(root) if root else Path("/"), project=project)


def detect(probe: Probe | None = None, overrides: Mapping[str, Fact] | None = None) -> Machine:
    """The facts of the machine ``probe`` describes, with ``overrides`` replacing detection."""
    probe = probe or probe_from_env()
    overrides = overrides or {}
    warnings: list[str] = []
    found = _platform_facts(probe)
    if "python" not in overrides:
        found["python"] = _python_fact(probe)
    gpu = overrides.get("gpu")
    if gpu is None:
        found.update(_gpu_facts(probe, warnings))
    else:
        for name in (*NVIDIA_FACTS, "rocm"):
            found[name] = Fact(name, None, "", f"not detected: gpu={gpu.value} from {gpu.source}")
    found.update(overrides)
    if gpu is None and found["gpu"].value != "nvidia":
        implied = next((overrides[n] for n in NVIDIA_FACTS if n in overrides), None)
        if implied is not None and implied.value is not None:
            found["gpu"] = Fact(
                "gpu", "nvidia", implied.source, f"implied by {implied.name}={implied.value}"
            )
    return Machine(tuple(found[name] for name in FACTS), tuple(warnings))


# --------------------------------------------------------------------------- os, arch, python
_SYSTEMS = {"linux": "linux", "darwin": "macos", "windows": "windows"}
_MACHINES = {"amd64": "x86_64", "x64": "x86_64"}


def _platform_facts(probe: Probe) -> dict[str, Fact]:
    system, machine = probe.platform or (platform.system(), platform.machine())
    os_name = _SYSTEMS.get(system.lower(), system.lower())
    arch = _MACHINES.get(machine.lower(), machine.lower())
    return {
        "os": Fact("os", os_name or None, "platform.system()"),
        "arch": Fact("arch", arch or None, "platform.machine()"),
    }


def _python_fact(probe: Probe) -> Fact:
    if probe.project is not None:
        env_dir = Path(probe.environ.get("UV_PROJECT_ENVIRONMENT") or ".venv")
        cfg = probe.project / env_dir / "pyvenv.cfg"
        version = _pyvenv_version(_read(cfg))
        if version:
            return Fact("python", version, str(env_dir / "pyvenv.cfg"))
        pinned = _version_prefix((_read(probe.project / ".python-version") or "").strip())
        if pinned:
            return Fact("python", pinned, ".python-version")
    requested = _version_prefix(probe.environ.get("UV_PYTHON", "").strip())
    if requested:
        return Fact("python", requested, "UV_PYTHON")
    running = ".".join(str(part) for part in sys.version_info[:3])
    return Fact("python", running, sys.executable, "the Python running hpm")


def _pyvenv_version(text: str | None) -> str | None:
    for line in (text or "").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            version = _version_prefix(value.strip())
            if version:
                return version
    return None


def _version_prefix(text: str) -> str | None:
    """``"3.12.3.final.0"`` -> ``"3.12.3"``; ``"6.2.4-120"`` -> ``"6.2.4"``; None if no version."""
    match = _VERSION_PREFIX.match(text)
    if match is None or text[match.end() : match.end() + 1].isalnum():
        return None
    return match.group(0)


# --------------------------------------------------------------------------- GPUs
def _gpu_facts(probe: Probe, warnings: list[str]) -> dict[str, Fact]:
    driver, driver_source = _driver_from_files(probe, warnings)
    smi = shutil.which("nvidia-smi", path=probe.path)
    rows: list[tuple[str, str]] = []
    cuda_reported: str | None = None
    if smi is not None:
        query = _run([smi, *NVIDIA_QUERY], probe, warnings)
        if query is not None:
            rows = _query_rows(query, warnings)
            table = _run([smi], probe, warnings)
            match = _CUDA_VERSION.search(table or "")
            cuda_reported = match.group(1) if match else None
    if driver is None and rows:
        driver, driver_source = rows[0][0], "nvidia-smi"
    if driver is None:
        return _non_nvidia_facts(probe, warnings)
    detail = f"nvidia driver {driver}"
    if cuda_reported is not None:
        cuda = Fact("cuda", cuda_reported, "nvidia-smi", detail)
    else:
        cuda = Fact("cuda", cuda_for_driver(driver), driver_source, detail)
    return {
        "gpu": Fact("gpu", "nvidia", driver_source, detail),
        "cuda": cuda,
        "cuda_driver": Fact("cuda_driver", driver, driver_source),
        "compute_capability": _compute_capability(rows),
        "rocm": _rocm_fact(probe, warnings, amd=False),
    }


def _driver_from_files(probe: Probe, warnings: list[str]) -> tuple[str | None, str]:
    text = _read(_under(probe, SYS_DRIVER))
    if text is not None:
        if parse_driver(text):
            return text.strip(), SYS_DRIVER
        warnings.append(f"{SYS_DRIVER} holds no driver version: {_excerpt(text)}")
    text = _read(_under(probe, PROC_DRIVER))
    if text is not None:
        match = _PROC_DRIVER.search(text)
        if match:
            return match.group(1), PROC_DRIVER
        warnings.append(f"{PROC_DRIVER} holds no driver version: {_excerpt(text)}")
    return None, ""


def _query_rows(output: str, warnings: list[str]) -> list[tuple[str, str]]:
    """``"580.159.04, 9.0"`` per GPU -> ``[("580.159.04", "9.0")]``; a warning for anything else."""
    rows: list[tuple[str, str]] = []
    for line in output.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 2 and parse_driver(parts[0]) and parse_driver(parts[1]):
            rows.append((parts[0], parts[1]))
        else:
            warnings.append(
                f"nvidia-smi {' '.join(NVIDIA_QUERY)} printed something unexpected: "
                f"{_excerpt(line)}; the GPU's compute capability is unknown"
            )
            return []
    if not rows:
        warnings.append(f"nvidia-smi {' '.join(NVIDIA_QUERY)} printed nothing")
    return rows


def _compute_capability(rows: list[tuple[str, str]]) -> Fact:
    if not rows:
        return Fact("compute_capability", None, "", "nvidia-smi did not report it")
    capabilities = sorted({cap for _, cap in rows}, key=lambda cap: parse_driver(cap) or ())
    detail = f"lowest of {', '.join(capabilities)}" if len(capabilities) > 1 else ""
    return Fact("compute_capability", capabilities[0], "nvidia-smi --query-gpu=compute_cap", detail)


def _non_nvidia_facts(probe: Probe, warnings: list[str]) -> dict[str, Fact]:
    none = {name: Fact(name, None, "", "no NVIDIA driver") for name in NVIDIA_FACTS}
    gpu = Fact("gpu", "none", "", "no NVIDIA driver or AMD GPU found")
    if _under(probe, KFD).exists():
        gpu = Fact("gpu", "amd", KFD)
    elif (rocminfo := shutil.which("rocminfo", path=probe.path)) is not None:
        output = _run([rocminfo], probe, warnings) or ""
        if re.search(r"Device Type:\s*GPU", output):
            gpu = Fact("gpu", "amd", "rocminfo")
    return {"gpu": gpu, **none, "rocm": _rocm_fact(probe, warnings, amd=gpu.value == "amd")}


def _rocm_fact(probe: Probe, warnings: list[str], *, amd: bool) -> Fact:
    text = _read(_under(probe, ROCM_INFO))
    if text is not None:
        version = _version_prefix(text.strip())
        if version:
            detail = text.strip() if text.strip() != version else ""
            return Fact("rocm", version, ROCM_INFO, detail)
        warnings.append(f"{ROCM_INFO} holds no version: {_excerpt(text)}")
    if amd and (amd_smi := shutil.which("amd-smi", path=probe.path)) is not None:
        match = _ROCM_VERSION.search(_run([amd_smi, "version"], probe, warnings) or "")
        if match:
            return Fact("rocm", match.group(1), "amd-smi version")
    return Fact("rocm", None, "", "no ROCm found")


# --------------------------------------------------------------------------- reading, running
def _under(probe: Probe, path: str) -> Path:
    return probe.root / path.lstrip("/")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _excerpt(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return repr(first[:80] + ("..." if len(first) > 80 else ""))


def _run(argv: list[str], probe: Probe, warnings: list[str]) -> str | None:
    """The standard output of a tool that succeeded; otherwise None and a warning.

    The tool runs in its own session so that a hung tool and its children are killed together.
    """
    import subprocess  # only when a tool is there to run (most machines: none)

    name = " ".join([Path(argv[0]).name, *argv[1:]])
    env = {**probe.environ, "LC_ALL": "C"}
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        warnings.append(f"could not run {name}: {error.strerror or error}")
        return None
    try:
        out, err = process.communicate(timeout=probe.timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        warnings.append(f"{name} did not answer within {probe.timeout:g} s; ignoring it")
        return None
    if process.returncode != 0:
        reason = _excerpt(err or out) if (err or out).strip() else "no output"
        warnings.append(f"{name} failed (exit {process.returncode}): {reason}")
        return None
    return out


def _kill(process: subprocess.Popen[str]) -> None:
    import signal
    import subprocess

    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # Windows: no process groups here
            process.kill()
    except OSError:
        pass
    with contextlib.suppress(subprocess.TimeoutExpired):  # stuck in the kernel: leave it
        process.communicate(timeout=1)


# --------------------------------------------------------------------------- python -m
def main(argv: Sequence[str] | None = None) -> int:
    """Print the facts of this machine (text, or ``--json``); exit 2 on a bad override."""
    import argparse  # only for `python -m hpm.machine.detect`, not when hpm detects
    import json

    parser = argparse.ArgumentParser(prog="python -m hpm.machine.detect", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--root", help="read /sys, /proc, /opt, /dev under this directory")
    parser.add_argument("--project", help="the project whose environment gives `python`")
    parser.add_argument("--machine", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    probe = probe_from_env(Path(args.project) if args.project else None)
    if args.root:
        probe = Probe(root=Path(args.root), project=probe.project)
    try:
        overrides = overrides_from(args.machine, os.environ)
    except MachineSpecError as error:
        print(f"error: {error}\nhint: {error.hint}", file=sys.stderr)
        return 2
    machine = detect(probe, overrides)
    for warning in machine.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(machine.as_json(), indent=2))
    else:
        print("\n".join(machine.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
