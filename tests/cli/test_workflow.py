"""The seed's workflow end to end, through the real ``hpm`` command and the real uv (offline)."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

from helpers.cli import RunHpm, assert_clean, make_demo, tree_bytes
from helpers.projects import can_import, git_package, snapshot, uv_run, write_package

QWEN_REQ = "vlm-adapter-qwen @ ../registry/pkgs/vlm-adapter-qwen"


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new, 1))


def _ok(done) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == 0, done.stdout + done.stderr
    assert_clean(done)


def _in_project(project: Path, name: str) -> dict[str, bool]:
    """Where package ``name`` appears: pyproject.toml, uv.lock, importable from .venv."""
    return {
        "pyproject": name in (project / "pyproject.toml").read_text(),
        "uv.lock": f'name = "{name}"' in (project / "uv.lock").read_text(),
        "venv": can_import(project, name.replace("-", "_")),
    }


def test_seed_workflow(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    original = (demo / "pyproject.toml").read_bytes()

    # 1. choose an option: exactly one table appended, nothing else touched
    done = hpm("group", "add", "inference", "--option", "vlm-adapter-qwen", cwd=demo)
    _ok(done)
    assert "inference = vlm-adapter-qwen" in done.stdout
    after_add = (demo / "pyproject.toml").read_bytes()
    assert after_add == original + b'\n[tool.hpm.groups]\ninference = "vlm-adapter-qwen"\n'

    # 2. --dry-run prints shell-quoted uv commands and changes no file
    before = tree_bytes(tmp_path, skip=("demo/.hpm",))  # hpm's private lock (see below)
    done = hpm("sync", "--dry-run", cwd=demo)
    _ok(done)
    assert tree_bytes(tmp_path, skip=("demo/.hpm",)) == before
    assert not (demo / ".venv").exists() and not (demo / "uv.lock").exists()
    lines = done.stdout.splitlines()
    commands = [shlex.split(line) for line in lines[lines.index("would run:") + 1 :]]
    add = next(argv for argv in commands if "add" in argv)
    assert Path(add[0]).name.startswith("uv")
    assert add[-1] == QWEN_REQ and add[-2] == "--"
    assert f"'{QWEN_REQ}'" in done.stdout  # quoted for a shell: it holds spaces

    # 3. sync installs it
    _ok(hpm("sync", cwd=demo))
    assert _in_project(demo, "vlm-adapter-qwen") == {
        "pyproject": True,
        "uv.lock": True,
        "venv": True,
    }

    # 4. the user's own dependency, added with uv by hand
    write_package(tmp_path / "mypkg", "mypkg")
    uv_run(demo, "add", "--no-sync", "../mypkg")
    uv_run(demo, "sync", "--inexact")
    assert can_import(demo, "mypkg")

    # 5. switch the backend by editing the manifest's text
    _edit(demo, 'inference = "vlm-adapter-qwen"', 'inference = "vlm-adapter-deepseek"')
    done = hpm("sync", cwd=demo)
    _ok(done)
    assert _in_project(demo, "vlm-adapter-qwen") == {
        "pyproject": False,
        "uv.lock": False,
        "venv": False,
    }
    everywhere = {"pyproject": True, "uv.lock": True, "venv": True}
    assert _in_project(demo, "vlm-adapter-deepseek") == everywhere
    assert _in_project(demo, "mypkg") == everywhere

    # 6. remove the group: its package goes, the user's stays
    done = hpm("group", "remove", "inference", cwd=demo)
    _ok(done)
    assert "removed group inference" in done.stdout
    _ok(hpm("sync", cwd=demo))
    gone = {"pyproject": False, "uv.lock": False, "venv": False}
    assert _in_project(demo, "vlm-adapter-deepseek") == gone
    assert _in_project(demo, "mypkg") == everywhere

    # 7. an open M-of-N group filled by --auto (defaults first), written back and installed
    text = (demo / "pyproject.toml").read_text()
    if "[tool.hpm.groups]\n" in text:
        text = text.replace("[tool.hpm.groups]\n", "[tool.hpm.groups]\nmetrics = []\n", 1)
    else:
        text += "\n[tool.hpm.groups]\nmetrics = []\n"
    (demo / "pyproject.toml").write_text(text)
    done = hpm("check", cwd=demo)
    assert done.returncode == 1 and "hpm sync --auto" in done.stderr
    done = hpm("sync", "--auto", cwd=demo)
    _ok(done)
    assert (
        'metrics = ["metric-accuracy", "metric-latency"]' in (demo / "pyproject.toml").read_text()
    )
    assert "metrics = []" not in (demo / "pyproject.toml").read_text()
    for name in ("metric-accuracy", "metric-latency"):
        assert _in_project(demo, name) == everywhere
    assert _in_project(demo, "metric-bleu")["venv"] is False
    lock = tomllib.loads((demo / "hpm.lock").read_text())
    assert lock["version"] == 1
    assert lock["registry"] == "../registry"
    assert lock["registry-digest"].startswith("sha256:")
    assert lock["groups"] == {"metrics": ["metric-accuracy", "metric-latency"]}
    assert lock["packages"] == {
        "metric-accuracy": "metric-accuracy @ ../registry/pkgs/metric-accuracy",
        "metric-latency": "metric-latency @ ../registry/pkgs/metric-latency",
    }
    assert "mypkg" not in (demo / "hpm.lock").read_text()

    # 8. a second sync has nothing to do, and does nothing: no journal, hpm.lock not rewritten
    before = (demo / "hpm.lock").stat()
    done = hpm("sync", cwd=demo)
    _ok(done)
    assert "nothing to do" in done.stdout
    after = (demo / "hpm.lock").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_dry_run_creates_nothing(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    (demo / "pyproject.toml").write_text(
        (demo / "pyproject.toml").read_text() + '\n[tool.hpm.groups]\ninference = "vllm-backend"\n'
        'metrics = ["metric-latency"]\n'
    )
    before = tree_bytes(tmp_path)
    done = hpm("sync", "--dry-run", cwd=demo)
    _ok(done)
    assert tree_bytes(tmp_path) == before


def test_locked_detects_drift(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    _ok(hpm("group", "add", "inference", "-o", "vllm-backend", cwd=demo))
    _ok(hpm("group", "add", "metrics", "-o", "latency", cwd=demo))
    # before any sync there is no hpm.lock: --locked fails
    done = hpm("check", "--locked", cwd=demo)
    assert done.returncode == 1 and "hpm.lock" in done.stderr
    _ok(hpm("sync", cwd=demo))
    _ok(hpm("sync", "--locked", cwd=demo))
    _ok(hpm("check", "--locked", cwd=demo))

    _edit(demo, 'inference = "vllm-backend"', 'inference = "vlm-adapter-qwen"')
    before = snapshot(demo)
    for args in (("sync", "--locked"), ("check", "--locked")):
        done = hpm(*args, cwd=demo)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert_clean(done)
        assert "hpm.lock is not up to date" in done.stderr
        assert "inference: hpm.lock has" in done.stderr
        assert "vllm-backend" in done.stderr and "vlm-adapter-qwen" in done.stderr
        assert snapshot(demo) == before
    # plain check still passes: the selection itself is valid
    _ok(hpm("check", cwd=demo))

    # a registry change is drift too
    _ok(hpm("sync", cwd=demo))
    (tmp_path / "registry" / "groups" / "metrics.yaml").write_text(
        (tmp_path / "registry" / "groups" / "metrics.yaml").read_text()
        + '  - name: "metric-extra"\n'
    )
    done = hpm("check", "--locked", cwd=demo)
    assert done.returncode == 1 and "registry: changed since hpm.lock" in done.stderr


def _git_registry(tmp_path: Path, repo: Path, tag: str) -> None:
    (tmp_path / "registry" / "groups" / "extra.yaml").write_text(
        "name: extra\nstrategy: 1-of-N\noptions:\n"
        f"  - name: gitpkg\n    git: {repo.as_uri()}\n    tag: {tag}\n    subdirectory: pkg\n"
    )


def test_git_source(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    repo = git_package(tmp_path / "gitrepo", "gitpkg", tag="v1.0.0")
    _git_registry(tmp_path, repo, "v1.0.0")
    _ok(hpm("group", "add", "extra", "--option", "gitpkg", cwd=demo))
    done = hpm("sync", "--dry-run", cwd=demo)
    _ok(done)
    assert f"gitpkg @ git+{repo.as_uri()}@v1.0.0#subdirectory=pkg" in done.stdout
    _ok(hpm("sync", cwd=demo))
    assert can_import(demo, "gitpkg")
    assert f'git = "{repo.as_uri()}"' in (demo / "pyproject.toml").read_text()  # uv.sources

    # a tag that does not exist: uv fails, hpm restores every file and exits 1
    _git_registry(tmp_path, repo, "v9.9.9")
    before = snapshot(demo)
    assert all(value is not None for value in before.values())
    done = hpm("sync", cwd=demo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert_clean(done)
    assert "adding packages (uv add) failed: `uv add" in done.stderr
    assert "v9.9.9" in done.stderr  # uv's own message names the missing reference
    assert snapshot(demo) == before
    assert can_import(demo, "gitpkg")


def test_sync_restores_a_managed_package_removed_by_hand(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    _ok(hpm("group", "add", "inference", "-o", "vlm-adapter-qwen", cwd=demo))
    _ok(hpm("sync", cwd=demo))
    uv_run(demo, "remove", "vlm-adapter-qwen")
    assert not can_import(demo, "vlm_adapter_qwen")
    done = hpm("sync", cwd=demo)
    _ok(done)
    assert "nothing to do" not in done.stdout
    assert can_import(demo, "vlm_adapter_qwen")
