"""Project files and paths that are not what hpm expects: refused cleanly, or handled."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, make_demo, set_groups, tree_bytes
from helpers.projects import REPO


def test_a_project_path_that_is_not_utf8_is_refused(tmp_path: Path, hpm: RunHpm) -> None:
    base = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    demo = make_demo(base)
    before = tree_bytes(base)
    for args in (["check"], ["group", "add", "inference", "--option", "vllm-backend"], ["sync"]):
        done = hpm(*args, cwd=demo)
        assert done.returncode == 2, done.stderr
        assert_clean(done)
        assert "path is not valid UTF-8" in done.stderr and "hint:" in done.stderr
    assert tree_bytes(base) == before


def test_a_symlinked_pyproject_stays_a_link_and_its_target_is_edited(
    tmp_path: Path, hpm: RunHpm
) -> None:
    demo = make_demo(tmp_path)
    real = tmp_path / "kept-elsewhere.toml"
    (demo / "pyproject.toml").rename(real)
    (demo / "pyproject.toml").symlink_to(real)
    done = hpm("group", "add", "inference", "--option", "vllm-backend", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert (demo / "pyproject.toml").is_symlink()
    assert 'inference = "vllm-backend"' in real.read_text()
    done = hpm("sync", "--auto", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert (demo / "pyproject.toml").is_symlink()
    assert "vllm-backend" in real.read_text().split("[tool.hpm]")[0]  # uv add wrote through it


def test_ctrl_c_while_python_loads_hpm_prints_no_traceback(tmp_path: Path) -> None:
    # The interrupt is made to land inside `import click`, as a Ctrl-C during start-up would.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})

        class Interrupt:
            def find_spec(self, name, path=None, target=None):
                if name == "click":
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, Interrupt())
        from hpm.__main__ import run
        run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert "interrupted" in done.stderr


def test_the_read_only_check_follows_the_mode_bits(tmp_path: Path, hpm: RunHpm) -> None:
    demo = make_demo(tmp_path)
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    (demo / "pyproject.toml").chmod(0o444)
    before = tree_bytes(tmp_path, skip=("demo/.hpm",))
    done = hpm("sync", cwd=demo)
    assert done.returncode == 2, done.stderr
    assert "pyproject.toml is read-only" in done.stderr
    assert tree_bytes(tmp_path, skip=("demo/.hpm",)) == before
    (demo / "pyproject.toml").chmod(0o644)
    assert hpm("sync", cwd=demo).returncode == 0


def test_the_cache_does_not_let_a_swapped_symlink_through_to_uv(
    tmp_path: Path, hpm: RunHpm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HPM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HPM_NO_CACHE", raising=False)
    demo = make_demo(tmp_path)
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    assert hpm("registry", "check", cwd=demo).returncode == 0  # validated, now cached
    package = tmp_path / "registry" / "pkgs" / "vllm-backend"
    outside = tmp_path / "outside"
    shutil.move(package, outside)
    package.symlink_to(outside)
    done = hpm("sync", cwd=demo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "leads outside the registry root" in done.stderr
    assert not (demo / "uv.lock").exists()
