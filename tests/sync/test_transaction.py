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


def test_a_journal_renamed_away_but_not_yet_deleted_is_ignored(files: Path) -> None:
    # Finishing renames .hpm/txn to .hpm/txn.done, then deletes it: a kill in between leaves
    # the committed journal half deleted, which must not be restored (nor crash the next run).
    with transaction(files):
        change_everything(files)
    after = snapshot(files)
    done = files / ".hpm" / "txn.done"
    done.mkdir()
    (done / "manifest.json").write_text('{"files": [{"file": "pyproject.toml", "copy": "0.bin"}]}')
    assert recover(files) == []
    assert not done.exists()
    assert snapshot(files) == after


def test_a_symlinked_pyproject_stays_a_link_and_its_target_is_restored(files: Path) -> None:
    real = files.parent / "elsewhere.toml"
    (files / "pyproject.toml").rename(real)
    (files / "pyproject.toml").symlink_to(real)
    original = real.read_bytes()
    with pytest.raises(RuntimeError), transaction(files):
        real.write_text("changed through the link")
        raise RuntimeError("boom")
    assert (files / "pyproject.toml").is_symlink()
    assert real.read_bytes() == original


def test_a_file_changed_by_someone_else_is_kept_aside(files: Path) -> None:
    before = snapshot(files)
    warnings: list[str] = []
    with pytest.raises(RuntimeError), transaction(files, notify=warnings.append) as journal:
        (files / "uv.lock").write_text("written by uv")
        journal.checkpoint()  # hpm's step ends here
        (files / "pyproject.toml").write_text("the user's edit")
        raise RuntimeError("the next step fails")
    assert snapshot(files) == before
    assert (files / "pyproject.toml.hpm-kept").read_text() == "the user's edit"
    assert not (files / "uv.lock.hpm-kept").exists()  # hpm's own change is simply undone
    assert len(warnings) == 1 and "pyproject.toml.hpm-kept" in warnings[0]


def test_files_outside_the_project_are_journalled_too(files: Path) -> None:
    root_lock = files.parent / "uv.lock"  # e.g. a workspace root's lock
    root_lock.write_text("root lock")
    with pytest.raises(RuntimeError), transaction(files, ["pyproject.toml", root_lock]):
        root_lock.write_text("changed")
        raise RuntimeError("boom")
    assert root_lock.read_text() == "root lock"


def test_an_immutable_pyproject_is_refused_before_anything_changes(files: Path) -> None:
    from hpm.errors import HpmError

    path = files / "pyproject.toml"
    if subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        before = snapshot(files)
        with pytest.raises(HpmError, match="immutable"), transaction(files):
            pass
        assert snapshot(files) == before
        assert not (files / ".hpm" / "txn").exists()
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_the_journal_is_one_file_holding_every_original(files: Path) -> None:
    before = snapshot(files)
    with pytest.raises(RuntimeError), transaction(files):
        journal = files / ".hpm" / "txn"
        assert sorted(p.name for p in journal.iterdir()) == ["manifest.json"]
        change_everything(files)
        raise RuntimeError("boom")
    assert snapshot(files) == before


def _crashed_journal(files: Path, manifest: str) -> Path:
    journal = files / ".hpm" / "txn"
    journal.mkdir(parents=True)
    (journal / "manifest.json").write_text(manifest)
    return journal


def test_a_journal_of_format_1_is_still_restored(files: Path) -> None:
    # written by an earlier hpm: each copy in its own file beside the manifest
    before = snapshot(files)
    journal = _crashed_journal(
        files,
        '{"format": 1, "files": [{"file": "pyproject.toml", "copy": "0.bin"},'
        ' {"file": "uv.lock", "copy": null}]}',
    )
    (journal / "0.bin").write_bytes((files / "pyproject.toml").read_bytes())
    change_everything(files)
    assert sorted(recover(files)) == ["pyproject.toml", "uv.lock"]
    assert snapshot(files) | {"hpm.lock": None} == before | {"hpm.lock": None}
    assert not journal.exists()


def test_empty_notes_left_by_a_power_cut_count_as_absent(files: Path) -> None:
    # child.json and seen.json are not flushed to disk; after a power cut they may be empty
    before = snapshot(files)
    with pytest.raises(RuntimeError), transaction(files) as journal:
        saved = (journal.path / "manifest.json").read_text()
        raise RuntimeError("boom")
    crashed = _crashed_journal(files, saved)
    (crashed / "child.json").write_bytes(b"")
    (crashed / "seen.json").write_bytes(b"")
    change_everything(files)
    assert sorted(recover(files)) == ["hpm.lock", "pyproject.toml", "uv.lock"]
    assert snapshot(files) == before
    assert not any(files.glob("*.hpm-kept"))


def test_a_copy_that_is_not_base64_is_damage_and_nothing_changes(files: Path) -> None:
    from hpm.errors import HpmError

    _crashed_journal(files, '{"format": 2, "files": [{"file": "pyproject.toml", "data": "%%"}]}')
    change_everything(files)
    after = snapshot(files)
    with pytest.raises(HpmError, match="not base64"):
        recover(files)
    assert snapshot(files) == after
