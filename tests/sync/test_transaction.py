"""The journal: files restored byte for byte after an exception, a signal or a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers.projects import REPO, snapshot

from hpm.apply.transaction import recover, transaction


@pytest.fixture
def files(project: Path) -> Path:
    (project / "hpm.lock").write_bytes(b"# old lock\r\nversion = 1\n")
    return project  # pyproject.toml and hpm.lock exist, uv.lock does not


def change_everything(project: Path) -> None:
    (project / "pyproject.toml").write_text("changed")
    (project / "uv.lock").write_text("new")
    (project / "hpm.lock").unlink()


def test_an_exception_restores_every_file_and_removes_the_journal(files: Path) -> None:
    before = snapshot(files)
    with pytest.raises(RuntimeError), transaction(files):
        change_everything(files)
        assert (files / ".hpm" / "txn" / "manifest.json").exists()
        raise RuntimeError("boom")
    assert snapshot(files) == before
    assert not (files / ".hpm" / "txn").exists()


def test_success_keeps_the_changes(files: Path) -> None:
    with transaction(files):
        change_everything(files)
    assert (files / "uv.lock").read_text() == "new"
    assert not (files / ".hpm" / "txn").exists()
    assert recover(files) == []


def test_sigterm_during_a_transaction_is_an_interrupt_and_restores(files: Path) -> None:
    before = snapshot(files)
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), transaction(files):
        change_everything(files)
        os.kill(os.getpid(), signal.SIGTERM)
    assert snapshot(files) == before
    assert signal.getsignal(signal.SIGTERM) is handler


def test_recover_after_a_crash_restores_what_the_journal_holds(files: Path) -> None:
    before = snapshot(files)
    crash = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from hpm.apply.transaction import transaction
        project = Path({str(files)!r})
        with transaction(project):
            (project / "pyproject.toml").write_text("half-edited")
            (project / "uv.lock").write_text("new")
            os._exit(9)  # dies like a killed process: no cleanup runs
        """
    )
    done = subprocess.run([sys.executable, "-c", crash], check=False)
    assert done.returncode == 9
    assert (files / "uv.lock").exists()

    assert sorted(recover(files)) == ["pyproject.toml", "uv.lock"]
    assert snapshot(files) == before
    assert recover(files) == []


def test_a_half_written_journal_is_ignored(files: Path) -> None:
    staging = files / ".hpm" / "txn.new"
    staging.mkdir(parents=True)
    (staging / "0.bin").write_text("partial")
    assert recover(files) == []
    assert not staging.exists()
