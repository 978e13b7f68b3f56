"""Bundles from named indexes, end to end with the real uv and local flat indexes (offline).

The issue's "done when": choose `accelerator = "cu124"`, sync, switch to "cpu", sync; then
pyproject.toml, uv.lock and .venv hold exactly the CPU bundle from its index, nothing of the
CUDA one, and everything the user wrote by hand.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean
from helpers.projects import module_attribute, snapshot
from helpers.wheels import write_wheel

from hpm.project.lockfile import read_lock

GROUP = """\
name: accelerator
strategy: 1-of-N
default: cpu
options:
  - name: cu124
    packages:
      - {name: torch, version: ">=2.5", index: accel-cu124}
      - {name: torchvision, index: accel-cu124}
      - {name: nvidia-cuda-runtime, index: accel-cu124}
  - name: cpu
    packages:
      - {name: torch, version: ">=2.5", index: accel-cpu}
      - {name: torchvision, index: accel-cpu}
"""
INDEXES = """\
- {name: accel-cu124, url: wheels/cu124, format: flat}
- {name: accel-cpu, url: wheels/cpu, format: flat}
"""
USER_PART = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["mylib"]  # mine, from my own index

[[tool.uv.index]]
name = "mine"
url = "../mine"
format = "flat"
explicit = true

[tool.uv.sources]
mylib = { index = "mine" }  # keep this
"""


@pytest.fixture
def app(tmp_path: Path, accelerator_wheels: Path) -> Path:
    registry = tmp_path / "registry"
    (registry / "groups").mkdir(parents=True)
    (registry / "groups" / "accelerator.yaml").write_text(GROUP)
    (registry / "indexes.yaml").write_text(INDEXES)
    shutil.copytree(accelerator_wheels, registry / "wheels")
    write_wheel(tmp_path / "mine", "mylib", "1.0.0")
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        USER_PART + '\n[tool.hpm]\nregistry = "../registry"\n\n'
        '[tool.hpm.groups]\naccelerator = "cu124"\n'
    )
    return project


def _choose(project: Path, option: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text()
    path.write_text(text.replace('accelerator = "cu124"', f'accelerator = "{option}"'))


def _installed(project: Path, module: str) -> str | None:
    return module_attribute(project, module, "VERSION")


def _uv(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())["tool"]["uv"]


def _locked(project: Path) -> dict[str, str]:
    lock = tomllib.loads((project / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def test_switching_the_bundle_swaps_packages_indexes_and_routes(app: Path, hpm: RunHpm) -> None:
    done = hpm("sync", cwd=app)
    assert_clean(done)
    assert done.returncode == 0, done.stdout + done.stderr
    uv = _uv(app)
    assert [i["name"] for i in uv["index"]] == ["mine", "accel-cu124"]
    assert uv["index"][1] == {
        "name": "accel-cu124",
        "url": "../registry/wheels/cu124",
        "format": "flat",
        "explicit": True,
    }
    assert uv["sources"]["torch"] == {"index": "accel-cu124"}
    assert _locked(app)["torch"] == "2.5.0+cu124"
    assert _installed(app, "torch") == "2.5.0+cu124"
    assert _installed(app, "nvidia_cuda_runtime") == "12.4.127"
    state = read_lock(app)
    assert state is not None
    assert dict(state.sources) == {
        "torch": "accel-cu124",
        "torchvision": "accel-cu124",
        "nvidia-cuda-runtime": "accel-cu124",
    }
    assert list(state.indexes) == ["accel-cu124"]

    _choose(app, "cpu")
    done = hpm("sync", cwd=app)
    assert_clean(done)
    assert done.returncode == 0, done.stdout + done.stderr

    text = (app / "pyproject.toml").read_text()
    assert text.startswith(USER_PART.split("[[tool.uv.index]]")[0].split("dependencies")[0])
    assert "# mine, from my own index" in text and 'mylib = { index = "mine" }  # keep this' in text
    assert "cu124" not in text.replace('accelerator = "cpu"', "")
    uv = _uv(app)
    assert uv["index"] == [
        {"name": "mine", "url": "../mine", "format": "flat", "explicit": True},
        {"name": "accel-cpu", "url": "../registry/wheels/cpu", "format": "flat", "explicit": True},
    ]
    assert uv["sources"] == {
        "mylib": {"index": "mine"},
        "torch": {"index": "accel-cpu"},
        "torchvision": {"index": "accel-cpu"},
    }
    project = tomllib.loads(text)["project"]
    assert sorted(project["dependencies"])[0] == "mylib"
    assert not any(d.startswith("nvidia") for d in project["dependencies"])

    locked = _locked(app)
    assert locked["torch"] == "2.5.0+cpu" and locked["torchvision"] == "0.20.0+cpu"
    assert locked["mylib"] == "1.0.0"
    assert "nvidia-cuda-runtime" not in locked
    assert "cu124" not in (app / "uv.lock").read_text()

    assert _installed(app, "torch") == "2.5.0+cpu"
    assert _installed(app, "torchvision") == "0.20.0+cpu"
    assert _installed(app, "mylib") == "1.0.0"
    assert _installed(app, "nvidia_cuda_runtime") is None

    state = read_lock(app)
    assert state is not None
    assert dict(state.sources) == {"torch": "accel-cpu", "torchvision": "accel-cpu"}
    assert list(state.indexes) == ["accel-cpu"]


def test_dry_run_shows_the_index_entries_it_would_write(app: Path, hpm: RunHpm) -> None:
    before = (app / "pyproject.toml").read_bytes()
    done = hpm("sync", "--dry-run", cwd=app)
    assert_clean(done)
    assert done.returncode == 0
    assert "index    + accel-cu124 = ../registry/wheels/cu124 (flat, explicit)" in done.stdout
    assert "add      torch>=2.5  (index accel-cu124)" in done.stdout
    assert "(hpm edits pyproject.toml: [[tool.uv.index]], [tool.uv.sources])" in done.stdout
    data = json.loads(hpm("sync", "--dry-run", "--json", cwd=app).stdout)
    assert data["indexes"]["add"] == [
        {
            "name": "accel-cu124",
            "url": "../registry/wheels/cu124",
            "format": "flat",
            "explicit": True,
        }
    ]
    assert data["routes"]["torchvision"] == "accel-cu124"
    assert (app / "pyproject.toml").read_bytes() == before
    assert not (app / "uv.lock").exists()


def test_group_show_and_graph_show_bundles_and_indexes(tmp_path: Path, hpm: RunHpm) -> None:
    from helpers.projects import EXAMPLE_REGISTRY

    registry = str(EXAMPLE_REGISTRY)
    text = hpm("group", "show", "accelerator", "--registry", registry, cwd=tmp_path).stdout
    assert "cpu    torch>=2.5 from pytorch-cpu; torchvision from pytorch-cpu" in text
    assert "index pytorch-cu124: indexes/cu124 (flat, explicit)" in text
    shown = json.loads(
        hpm("group", "show", "accelerator", "--registry", registry, "--json", cwd=tmp_path).stdout
    )
    assert shown["sources"]["cpu"] == {"kind": "bundle"}
    assert shown["packages"]["cpu"][0] == {
        "name": "torch",
        "kind": "index",
        "version": ">=2.5",
        "index": "pytorch-cpu",
    }
    assert shown["indexes"]["pytorch-cpu"]["format"] == "flat"
    assert shown["indexes"]["pytorch-cpu"]["path"].endswith("indexes/cpu")
    graph = hpm("graph", "--registry", registry, "--group", "accelerator", cwd=tmp_path).stdout
    assert '  n_cpu -.->|"torch, torchvision"| n_index_pytorch_cpu' in graph
    assert '  n_index_pytorch_cpu[("index pytorch-cpu")]' in graph


def test_the_example_wheels_are_the_ones_the_helper_writes(tmp_path: Path) -> None:
    from helpers.projects import EXAMPLE_REGISTRY
    from helpers.wheels import write_accelerator_indexes

    fresh = write_accelerator_indexes(tmp_path / "indexes")
    committed = EXAMPLE_REGISTRY / "indexes"
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*.whl"))
    assert names == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*.whl"))
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), name


def test_check_explains_two_options_that_disagree_on_a_package(tmp_path: Path, hpm: RunHpm) -> None:
    cases = Path(__file__).resolve().parents[1] / "cases" / "registry"
    registry = shutil.copytree(cases / "bundles", tmp_path / "registry")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "a"\nversion = "0"\nrequires-python = ">=3.11"\ndependencies = []\n'
        '\n[tool.hpm]\nregistry = "registry"\n\n[tool.hpm.groups]\naccelerator = "cu124"\n'
        'tools = ["plotting"]\n'
    )
    done = hpm("check", cwd=tmp_path)
    assert_clean(done)
    assert done.returncode == 1
    assert (
        "cu124 conflicts with plotting: `cu124` and `plotting` install `numpy` from different "
        "sources (`plotting` gives it at groups/tools.yaml:7: options[1].packages[0])  "
        "(groups/accelerator.yaml:10: options[0].packages[2])"
    ) in done.stderr + done.stdout
    assert registry.is_dir()


def test_a_failing_uv_step_after_the_route_edit_restores_every_file(app: Path, hpm: RunHpm) -> None:
    assert hpm("sync", cwd=app).returncode == 0
    before = snapshot(app)
    group = app.parent / "registry" / "groups" / "accelerator.yaml"
    group.write_text(GROUP + "      - {name: not-in-the-index, index: accel-cpu}\n")
    _choose(app, "cpu")
    before["pyproject.toml"] = (app / "pyproject.toml").read_bytes()
    done = hpm("sync", cwd=app)
    assert_clean(done)
    assert done.returncode == 1
    assert "not-in-the-index" in done.stdout + done.stderr  # uv's own message
    assert snapshot(app) == before
    assert _installed(app, "torch") == "2.5.0+cu124"


def test_an_index_of_the_same_name_that_the_user_wrote_stops_the_sync(
    app: Path, hpm: RunHpm
) -> None:
    path = app / "pyproject.toml"
    path.write_text(
        path.read_text().replace(
            'name = "mine"\nurl = "../mine"', 'name = "accel-cu124"\nurl = "../mine"'
        )
    )
    before = snapshot(app)
    done = hpm("sync", cwd=app)
    assert_clean(done)
    assert done.returncode == 2
    assert "pyproject.toml: tool.uv.index" in done.stderr + done.stdout
    assert "an index named `accel-cu124` is already declared" in done.stderr + done.stdout
    assert snapshot(app) == before


def test_a_synced_bundle_is_up_to_date_and_a_registry_edit_is_named_per_package(
    app: Path, hpm: RunHpm
) -> None:
    done = hpm("sync", cwd=app)
    assert done.returncode == 0, done.stdout + done.stderr
    for args in (("check", "--locked"), ("status",)):
        done = hpm(*args, cwd=app)
        assert done.returncode == 0, (args, done.stdout + done.stderr)

    group = app.parent / "registry" / "groups" / "accelerator.yaml"
    group.write_text(
        GROUP.replace('{name: torch, version: ">=2.5", index: accel-cu124}',
                      '{name: torch, version: ">=2.6", index: accel-cu124}')
        .replace("{name: torchvision, index: accel-cu124}", "{name: torchvision, index: accel-cpu}")
    )  # fmt: skip
    done = hpm("check", "--locked", cwd=app)
    assert done.returncode == 1
    assert "groups/accelerator.yaml changed: torch version >=2.5 -> >=2.6" in done.stderr
    assert "groups/accelerator.yaml changed: torchvision index accel-cu124 -> accel-cpu" in (
        done.stderr
    )
    assert "no option installs" not in done.stderr
    status = hpm("status", cwd=app)
    assert status.returncode == 1
    assert "torch version >=2.5 -> >=2.6" in status.stdout + status.stderr
