"""Build throwaway uv projects, local packages, git repositories and registries for tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hpm.names import normalize
from hpm.registry.catalog import Registry, Source
from solver.model import Group, Model, Selection, Strategy

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_REGISTRY = REPO / "registry"
PROJECT_FILES = ("pyproject.toml", "uv.lock", "hpm.lock")

INFERENCE = ("vlm-adapter-qwen", "vlm-adapter-deepseek", "vllm-backend")
METRICS = ("metric-accuracy", "metric-latency", "metric-bleu")


def write_project(directory: Path, name: str = "app") -> Path:
    """A bare uv project (virtual: no build system) with no dependencies."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n"
    )
    return directory


def write_package(directory: Path, name: str, version: str = "0.1.0") -> Path:
    """A tiny importable package built by uv's own backend (no download needed)."""
    module = name.replace("-", "_")
    (directory / "src" / module).mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.11"\n'
        'dependencies = []\n\n[build-system]\nrequires = ["uv_build>=0.8.0,<1"]\n'
        'build-backend = "uv_build"\n'
    )
    (directory / "src" / module / "__init__.py").write_text(f'NAME = "{name}"\n')
    return directory


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and no user configuration."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "hpm tests",
        "GIT_AUTHOR_EMAIL": "tests@hpm.invalid",
        "GIT_COMMITTER_NAME": "hpm tests",
        "GIT_COMMITTER_EMAIL": "tests@hpm.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def git_package(directory: Path, name: str, tag: str = "v1.0.0") -> Path:
    """A git repository holding package ``name`` under ``pkg/``, tagged ``tag``."""
    write_package(directory / "pkg", name)
    git(directory, "init", "-q", "-b", "main")
    git(directory, "add", ".")
    git(directory, "commit", "-q", "-m", "first")
    git(directory, "tag", tag)
    return directory


def copy_example_registry(destination: Path) -> Path:
    """A copy of the repository's example registry (its packages are local paths)."""
    shutil.copytree(EXAMPLE_REGISTRY, destination)
    return destination


def example_registry(root: Path, extra_sources: dict[str, Source] | None = None) -> Registry:
    """The example registry's model built by hand, every option a path under ``root/pkgs``."""
    model = Model(
        groups=(
            Group("inference", Strategy.ONE, INFERENCE),
            Group("metrics", Strategy.MANY, METRICS, default=METRICS[:2]),
        )
    )
    sources = {name: Source(path=root / "pkgs" / name) for name in (*INFERENCE, *METRICS)}
    sources.update(extra_sources or {})
    return Registry(root=root, model=model, sources=sources, digest="test")


def selection(inference: str | None = None, metrics: tuple[str, ...] | None = None) -> Selection:
    """A resolved selection with the given choices (None leaves the group out)."""
    choices: dict[str, tuple[str, ...]] = {}
    if inference is not None:
        choices["inference"] = (inference,)
    if metrics is not None:
        choices["metrics"] = metrics
    return Selection(choices)


def snapshot(project: Path) -> dict[str, bytes | None]:
    """The bytes of the project files hpm must restore on failure (None: absent)."""
    out: dict[str, bytes | None] = {}
    for name in PROJECT_FILES:
        path = project / name
        out[name] = path.read_bytes() if path.exists() else None
    return out


def venv_python(project: Path) -> Path:
    return project / ".venv" / "bin" / "python"


def can_import(project: Path, module: str) -> bool:
    """Whether ``module`` imports in the project's .venv."""
    done = subprocess.run(
        [str(venv_python(project)), "-c", f"import {module}"], capture_output=True, check=False
    )
    return done.returncode == 0


def module_attribute(project: Path, module: str, attribute: str) -> str | None:
    """``module.attribute`` as the project's .venv prints it; None when ``module`` does not import
    there (the stand-in packages of the tests carry ``VERSION`` or ``NAME``)."""
    done = subprocess.run(
        [str(venv_python(project)), "-c", f"import {module}; print({module}.{attribute})"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def uv_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the test session's uv in ``project`` (for setting up a user's own changes)."""
    from hpm.apply.uv import find_uv

    done = subprocess.run(
        [find_uv(), *args], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"uv {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done


PYTHON = sys.executable


def flat_index(directory: Path, packages: dict[str, tuple[str, ...]]) -> Path:
    """A local flat index (a directory of wheels) with each package at each version, built by
    uv's own backend offline."""
    from hpm.apply.uv import find_uv

    directory.mkdir(parents=True, exist_ok=True)
    for name, versions in packages.items():
        for version in versions:
            source = write_package(
                directory.parent / "wheel-src" / f"{name}-{version}", name, version
            )
            subprocess.run(
                [find_uv(), "build", "--wheel", "-q", "-o", str(directory), str(source)],
                capture_output=True,
                check=True,
            )
    return directory


def write_registry(root: Path, groups: dict[str, str]) -> Path:
    """A registry whose ``groups/<name>.yaml`` files hold the given YAML texts."""
    (root / "groups").mkdir(parents=True, exist_ok=True)
    for name, text in groups.items():
        (root / "groups" / f"{name}.yaml").write_text(text)
    return root


def use_registry(project: Path, registry: str) -> Path:
    """Point the project at ``registry`` (``[tool.hpm] registry``)."""
    path = project / "pyproject.toml"
    path.write_text(path.read_text() + f'\n[tool.hpm]\nregistry = "{registry}"\n')
    return project


def installed(project: Path) -> dict[str, str]:
    """Normalised name -> version of what is installed in the environment uv uses."""
    from hpm.project.workspace import find_workspace

    environment = find_workspace(project).environment
    done = uv_run(project, "pip", "list", "--python", str(environment), "--format", "json")
    import json

    return {normalize(p["name"]): p["version"] for p in json.loads(done.stdout)}


GATED_BACKEND = '''\
"""A PEP 517 backend that can hold a build until the test releases it (no network needed).

With GATE_DIR set and the hook named in GATE_HOLD (metadata, build), the hook appends its name to
GATE_DIR/started, then waits for GATE_DIR/release (at most a minute, so a broken test ends);
if GATE_DIR/fail exists by then, the hook fails.
"""
import base64, hashlib, os, time, zipfile

NAME, MODULE, VERSION = {name!r}, {module!r}, "0.1.0"
DIST = f"{{MODULE}}-{{VERSION}}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n"


def _gate(hook):
    gate = os.environ.get("GATE_DIR")
    if not gate or hook not in os.environ.get("GATE_HOLD", "").split(","):
        return
    with open(os.path.join(gate, "started"), "a") as log:
        log.write(f"{{hook}} {{os.getpid()}}\\n")
    for _ in range(1200):
        if os.path.exists(os.path.join(gate, "release")):
            break
        time.sleep(0.05)
    else:
        with open(os.path.join(gate, "started"), "a") as log:
            log.write(f"{{hook}} timed out\\n")
    if os.path.exists(os.path.join(gate, "fail")):
        raise SystemExit(f"{{hook}} failed on purpose")


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _gate("metadata")
    os.makedirs(os.path.join(metadata_directory, DIST), exist_ok=True)
    with open(os.path.join(metadata_directory, DIST, "METADATA"), "w") as out:
        out.write(METADATA)
    return DIST


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _gate("build")
    files = {{
        f"{{MODULE}}/__init__.py": f"NAME = {{NAME!r}}\\n".encode(),
        f"{{DIST}}/METADATA": METADATA.encode(),
        f"{{DIST}}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: gated\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }}
    wheel = f"{{MODULE}}-{{VERSION}}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{{path}},sha256={{digest.decode()}},{{len(data)}}")
        record.append(f"{{DIST}}/RECORD,,")
        archive.writestr(f"{{DIST}}/RECORD", "\\n".join(record) + "\\n")
    return wheel


build_editable = build_wheel
'''


def write_gated_package(directory: Path, name: str) -> Path:
    """A package whose metadata and build hooks can be held (see ``GATED_BACKEND``).

    Its version is dynamic, so ``uv add`` must ask the backend for metadata; ``uv sync`` builds it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    module = name.replace("-", "_")
    (directory / "gated_backend.py").write_text(GATED_BACKEND.format(name=name, module=module))
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\ndynamic = ["version"]\nrequires-python = ">=3.11"\n'
        'dependencies = []\n\n[build-system]\nrequires = []\nbuild-backend = "gated_backend"\n'
        'backend-path = ["."]\n'
    )
    return directory
