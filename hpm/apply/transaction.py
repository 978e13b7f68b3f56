"""A journal that makes a sync all-or-nothing, even across a crash.

Before the first uv step, :func:`transaction` copies the bytes of ``pyproject.toml``, ``uv.lock``
and ``hpm.lock`` (or notes that a file is absent) into ``<project>/.hpm/txn/`` with a
``manifest.json``, flushed to disk. The journal is written in ``.hpm/txn.new/`` and renamed into
place, so a journal either exists completely or not at all. If the block raises anything
(including :class:`KeyboardInterrupt`, and SIGTERM, which is turned into one while the block
runs), the files are restored byte for byte (an absent file is deleted again) and the exception
propagates. On success the journal is deleted. If the process dies in between, the next hpm
command calls :func:`recover`, which restores the files from the journal.

The virtual environment is not journalled: after a failure it may hold some of the new packages;
the next successful ``hpm sync`` (or ``uv sync``) puts it right.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from hpm.apply.filelock import JOURNAL_DIR, STATE_DIR, ensure_state_dir
from hpm.errors import HpmError
from hpm.fsutil import atomic_write, read_bytes_or_none

PROJECT_FILES = ("pyproject.toml", "uv.lock", "hpm.lock")
JOURNAL = JOURNAL_DIR.rsplit("/", 1)[1]  # "txn", inside STATE_DIR
MANIFEST = "manifest.json"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def begin(project_dir: Path, files: Sequence[str] = PROJECT_FILES) -> Path:
    """Write the journal for ``files`` and return its directory."""
    state = ensure_state_dir(project_dir)
    staging = state / f"{JOURNAL}.new"
    final = state / JOURNAL
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    entries = []
    for index, name in enumerate(files):
        data = read_bytes_or_none(Path(project_dir) / name)
        copy = None
        if data is not None:
            copy = f"{index}.bin"
            _write_synced(staging / copy, data)
        entries.append({"file": name, "copy": copy})
    _write_synced(staging / MANIFEST, json.dumps({"files": entries}, indent=2).encode())
    _fsync_dir(staging)
    if final.exists():  # recover() must have run first
        shutil.rmtree(staging, ignore_errors=True)
        raise HpmError(
            f"an interrupted hpm run left a journal in {final}",
            hint="run the hpm command again: it restores the project's files first",
        )
    staging.rename(final)
    _fsync_dir(state)
    return final


def _restore(project_dir: Path, journal: Path) -> list[str]:
    manifest = json.loads((journal / MANIFEST).read_text())
    restored = []
    for entry in manifest["files"]:
        target = Path(project_dir) / entry["file"]
        old = None if entry["copy"] is None else (journal / entry["copy"]).read_bytes()
        if read_bytes_or_none(target) == old:
            continue
        if old is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write(target, old)
        restored.append(entry["file"])
    return restored


def finish(journal: Path) -> None:
    """Delete a journal (the transaction is complete or rolled back)."""
    shutil.rmtree(journal, ignore_errors=True)


def recover(project_dir: Path) -> list[str]:
    """Restore the files of an unfinished transaction; return the names of those restored."""
    state = Path(project_dir) / STATE_DIR
    shutil.rmtree(state / f"{JOURNAL}.new", ignore_errors=True)  # never became a journal
    journal = state / JOURNAL
    if not (journal / MANIFEST).exists():
        shutil.rmtree(journal, ignore_errors=True)
        return []
    restored = _restore(project_dir, journal)
    finish(journal)
    return restored


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def transaction(project_dir: Path, files: Sequence[str] = PROJECT_FILES) -> Iterator[Path]:
    """Run the block with ``files`` journalled: restored if it raises, kept if it returns."""
    with _sigterm_as_interrupt():
        journal = begin(project_dir, files)
        try:
            yield journal
        except BaseException:
            _restore(project_dir, journal)
            finish(journal)
            raise
        finish(journal)
