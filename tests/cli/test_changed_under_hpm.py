"""Files and directories that change under a running hpm, with the real uv held mid-step."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpers.cli import assert_clean
from helpers.gated import choose, start_sync, wait_for
from helpers.projects import snapshot


def finish(process: subprocess.Popen[bytes]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode(), err.decode())


def held_in_uv_sync(gated: Path) -> tuple[subprocess.Popen[bytes], dict[str, bytes | None]]:
    """``hpm sync`` to gated-new, held while `uv sync` builds it; and the files before."""
    choose(gated, "gated-new")
    before = snapshot(gated)
    process = start_sync(gated, gated.parent / "gate", "build", capture=True)
    wait_for(gated.parent / "gate" / "started", process)
    return process, before


def test_a_users_edit_during_a_failing_sync_is_kept_aside(gated: Path) -> None:
    gate = gated.parent / "gate"
    process, before = held_in_uv_sync(gated)
    edited = (gated / "pyproject.toml").read_text() + "# the user's note\n"
    (gated / "pyproject.toml").write_text(edited)
    (gate / "fail").touch()
    (gate / "release").touch()
    done = finish(process)
    assert done.returncode == 1, done.stderr
    assert_clean(done)
    assert "pyproject.toml was changed by someone else while hpm was working" in done.stderr
    assert "pyproject.toml.hpm-kept" in done.stderr
    assert snapshot(gated) == before
    assert (gated / "pyproject.toml.hpm-kept").read_text() == edited
    assert not (gated / "hpm.lock.hpm-kept").exists()  # hpm.lock was hpm's own doing


def test_the_state_directory_removed_mid_sync_fails_cleanly(gated: Path) -> None:
    gate = gated.parent / "gate"
    process, before = held_in_uv_sync(gated)
    shutil.rmtree(gated / ".hpm")
    (gate / "release").touch()
    done = finish(process)
    assert done.returncode == 2, done.stderr
    assert_clean(done)
    assert "disappeared while hpm was working" in done.stderr
    assert "hint:" in done.stderr
    assert snapshot(gated) == before  # restored from memory
