"""A journal that makes a sync all-or-nothing, even across a crash.

Before the first uv step, :func:`transaction` copies the bytes of the files it is told to protect
(``pyproject.toml``, ``uv.lock``, ``hpm.lock``, and for a workspace member the root's ``uv.lock``)
into one file, ``<project>/.hpm/txn/manifest.json`` (each copy base64-encoded beside its name),
flushed to disk with one ``fsync``. The journal is written in ``.hpm/txn.new/`` and renamed into
place, so it either exists completely or not at all; finishing renames it to ``.hpm/txn.done/``
before deleting it, so a journal is never half deleted either (the rename is the commit point).
Finishing does not wait for the disk: after a power cut right after a sync, the next command may
find the journal again and restore the old files (the old state, never a mix).

While uv runs, the journal also holds ``child.json``: uv's pid, process group and start time
(:class:`~hpm.apply.process.Child`). If hpm dies, the next hpm command calls :func:`recover`,
which first kills what is left of that process group and waits for it to be gone (uv must not
write a file after it was restored), then restores the files. ``child.json`` and ``seen.json``
(the last checkpoint) are not flushed to disk: they matter when hpm dies and the machine does
not (the kernel still has them); a power cut stops uv too, and an empty one left by it counts
as absent.

If the block raises (including :class:`KeyboardInterrupt`, and SIGTERM, which is turned into one
while the block runs), the files are restored byte for byte from memory (an absent file is deleted
again) and the exception propagates. A file that changed under hpm - it differs both from the
original and from what hpm last saw at a :meth:`Journal.checkpoint` - was edited by someone else
during the run: its version is kept beside it as ``<name>.hpm-kept`` and a warning says so;
except when uv was stopped in the middle of a step (an interrupt, or hpm's own failure while uv
ran: :attr:`Journal.stopped`), when a difference may be uv's half-done work.

The virtual environment is not journalled: after a failure it may hold some of the new packages;
the next successful ``hpm sync`` (or ``uv sync``) puts it right.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType

from hpm.apply.filelock import JOURNAL_DIR, STATE_DIR, ensure_state_dir
from hpm.apply.process import Child, stop
from hpm.errors import HpmError
from hpm.fsutil import atomic_write, check_writable, read_bytes_or_none

PROJECT_FILES = ("pyproject.toml", "uv.lock", "hpm.lock")
JOURNAL = JOURNAL_DIR.rsplit("/", 1)[1]  # "txn", inside STATE_DIR
MANIFEST = "manifest.json"
CHILD = "child.json"
SEEN = "seen.json"
KEPT_SUFFIX = ".hpm-kept"
FORMAT = 2  # 1: each copy in its own file ("copy": "0.bin"), still read by recover()


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


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


def _digest(data: bytes | None) -> str | None:
    import hashlib  # first needed once uv runs (Journal.record_child): off the path to uv

    return None if data is None else hashlib.sha256(data).hexdigest()


class Journal:
    """An open transaction: the original bytes (in memory and on disk) and what hpm last saw."""

    def __init__(self, project_dir: Path, path: Path, originals: Mapping[str, bytes | None]):
        self.project_dir = project_dir
        self.path = path
        self.originals = dict(originals)  # file as given (relative to project_dir or absolute)
        self._seen: dict[str, str | None] | None = None  # see .seen (computed when needed)
        self.running = False  # a uv step started and has not reached a checkpoint
        self.stopped = False  # hpm stopped a running uv step for a failure of its own

    def _write(self, name: str, data: dict[str, object]) -> None:
        try:
            atomic_write(self.path / name, json.dumps(data).encode(), durable=False)
        except HpmError as e:
            if self.path.is_dir():
                raise
            raise HpmError(
                f"hpm's journal {self.path} disappeared while hpm was working",
                hint=f"do not remove {STATE_DIR}/ while hpm runs; the project files were restored",
            ) from e

    @property
    def seen(self) -> dict[str, str | None]:
        """The files' digests at the last checkpoint (before the first: the originals')."""
        if self._seen is None:
            self._seen = {f: _digest(d) for f, d in self.originals.items()}
        return self._seen

    def record_child(self, child: Child) -> None:
        """Remember the uv process now running (recovery stops it before restoring anything).

        While uv runs, the originals' digests are taken too, if no checkpoint did it yet: that
        work (and loading ``hashlib``) overlaps with uv instead of delaying its start.
        """
        self._write(CHILD, child.to_json())
        self.running = True
        self._seen = self.seen

    def checkpoint(self) -> None:
        """A step of hpm's finished: what the files hold now is hpm's doing, not someone else's."""
        self._seen = {f: _digest(read_bytes_or_none(self._target(f))) for f in self.originals}
        self._write(SEEN, {"seen": self._seen})
        with contextlib.suppress(FileNotFoundError):
            (self.path / CHILD).unlink()
        self.running = False

    def saw(self, name: str) -> None:
        """hpm itself just wrote ``name`` (while a uv step runs): its bytes now are hpm's doing."""
        self.seen[name] = _digest(read_bytes_or_none(self._target(name)))
        self._write(SEEN, {"seen": self.seen})

    def _target(self, name: str) -> Path:
        return self.project_dir / name

    def restore(
        self, notify: Callable[[str], None] = _warn, *, interrupted: bool = False
    ) -> list[str]:
        """Put every file back as it was; return the names of those that changed.

        ``interrupted``: uv was stopped in the middle of a step, so a difference from the last
        checkpoint may be uv's half-done work rather than someone else's edit.
        """
        seen = None if interrupted and self.running else self.seen
        return _restore_files(self.project_dir, self.originals, seen, notify)


def _restore_files(
    project_dir: Path,
    originals: Mapping[str, bytes | None],
    seen: Mapping[str, str | None] | None,
    notify: Callable[[str], None],
) -> list[str]:
    restored = []
    for name, old in originals.items():
        target = project_dir / name
        now = read_bytes_or_none(target)
        if now == old:
            continue
        if seen is not None and now is not None and _digest(now) != seen.get(name):
            kept = target.with_name(target.name + KEPT_SUFFIX)
            atomic_write(kept, now)
            notify(
                f"{name} was changed by someone else while hpm was working; hpm restored it "
                f"and kept that version in {kept.name}"
            )
        if old is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write(target, old)
        restored.append(name)
    return restored


def begin(project_dir: Path, files: Sequence[str | Path] = PROJECT_FILES) -> Journal:
    """Check ``files`` can be written, journal them, and return the open journal."""
    project_dir = Path(project_dir)
    names = [os.fspath(f) for f in files]
    originals = {}
    for name in names:
        check_writable(project_dir / name)
        originals[name] = read_bytes_or_none(project_dir / name)
    state = ensure_state_dir(project_dir)
    staging = state / f"{JOURNAL}.new"
    final = state / JOURNAL
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    entries = [{"file": name, "data": _encoded(originals[name])} for name in names]
    manifest = {"format": FORMAT, "files": entries}
    _write_synced(staging / MANIFEST, json.dumps(manifest, indent=1).encode())
    _fsync_dir(staging)
    if final.exists():  # recover() must have run first
        shutil.rmtree(staging, ignore_errors=True)
        raise HpmError(
            f"an interrupted hpm run left a journal in {final}",
            hint="run the hpm command again: it restores the project's files first",
        )
    staging.rename(final)
    _fsync_dir(state)
    return Journal(project_dir, final, originals)


def _encoded(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def finish(journal: Path) -> None:
    """Delete a journal (the transaction is complete or rolled back): rename first, then delete.

    Not flushed to disk (see the module docstring): a power cut may bring it back, and then the
    next command restores the old files.
    """
    done = journal.with_name(f"{JOURNAL}.done")
    shutil.rmtree(done, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        journal.rename(done)
    shutil.rmtree(done, ignore_errors=True)


def _damaged(journal: Path, why: str) -> HpmError:
    return HpmError(
        f"the journal of an interrupted hpm run is damaged: {journal / MANIFEST}: {why}",
        hint=(
            "hpm cannot tell what to restore; check pyproject.toml, uv.lock and hpm.lock "
            f"(e.g. `git diff`), then delete {journal} and run the command again"
        ),
    )


def _load_json(journal: Path, name: str) -> object:
    try:
        return json.loads((journal / name).read_bytes())
    except (OSError, ValueError) as e:
        raise _damaged(journal, f"{name}: {e}") from e


def _scratch(journal: Path, name: str) -> object:
    """``seen.json`` or ``child.json`` parsed; None when absent or empty (a power cut can leave
    either empty: neither is flushed to disk)."""
    path = journal / name
    if not path.exists() or path.stat().st_size == 0:
        return None
    return _load_json(journal, name)


def _read_journal(
    journal: Path,
) -> tuple[dict[str, bytes | None], dict[str, str | None] | None, Child | None]:
    """The originals, the last checkpoint and the running child a journal records."""
    manifest = _load_json(journal, MANIFEST)
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise _damaged(journal, "expected an object with a `files` list")
    originals: dict[str, bytes | None] = {}
    for entry in entries:
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise _damaged(journal, f"not a file entry: {entry!r}")
        originals[name] = _saved_copy(journal, name, entry)
    seen = None
    data = _scratch(journal, SEEN)
    if data is not None:
        seen_map = data.get("seen") if isinstance(data, dict) else None
        if not isinstance(seen_map, dict):
            raise _damaged(journal, f"{SEEN}: expected an object with `seen`")
        seen = seen_map
    child = None
    data = _scratch(journal, CHILD)
    if data is not None:
        try:
            child = Child.from_json(data)
        except ValueError as e:
            raise _damaged(journal, f"{CHILD}: {e}") from e
    return originals, seen, child


def _saved_copy(journal: Path, name: str, entry: dict[str, object]) -> bytes | None:
    """The original bytes of ``name`` an entry holds (None: the file did not exist): inline as
    base64 (``data``), or, in a journal of format 1, in a file beside the manifest (``copy``)."""
    if "data" in entry:
        data = entry["data"]
        if data is None:
            return None
        if not isinstance(data, str):
            raise _damaged(journal, f"not a file entry: {entry!r}")
        try:
            return base64.b64decode(data, validate=True)
        except ValueError as e:
            raise _damaged(journal, f"the saved copy of {name} is not base64 ({e})") from e
    copy = entry.get("copy")
    if copy is None:
        return None
    if not isinstance(copy, str):
        raise _damaged(journal, f"not a file entry: {entry!r}")
    if "/" in copy or copy.startswith("."):
        raise _damaged(journal, f"not a copy in the journal: {copy!r}")
    try:
        return (journal / copy).read_bytes()
    except OSError as e:
        raise _damaged(journal, f"the saved copy of {name} is missing ({copy})") from e


def recover(project_dir: Path, notify: Callable[[str], None] = _warn) -> list[str]:
    """Finish an unfinished transaction: stop its uv, restore the files; return those restored."""
    project_dir = Path(project_dir)
    state = project_dir / STATE_DIR
    if not state.is_dir():
        return []
    shutil.rmtree(state / f"{JOURNAL}.new", ignore_errors=True)  # never became a journal
    shutil.rmtree(state / f"{JOURNAL}.done", ignore_errors=True)  # committed, half deleted
    journal = state / JOURNAL
    if not journal.exists():
        return []
    if not journal.is_dir():
        raise _damaged(journal, "not a directory")
    originals, seen, child = _read_journal(journal)
    if child is not None:
        stop(child)
        seen = None  # uv was running: a difference may be its own half-done work, not a user's
    restored = _restore_files(project_dir, originals, seen, notify)
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
def transaction(
    project_dir: Path,
    files: Sequence[str | Path] = PROJECT_FILES,
    *,
    notify: Callable[[str], None] = _warn,
) -> Iterator[Journal]:
    """Run the block with ``files`` journalled: restored if it raises, kept if it returns.

    ``files`` are relative to ``project_dir`` or absolute (a workspace root's ``uv.lock``).
    ``notify`` receives a warning for each file someone else changed during the run.
    """
    with _sigterm_as_interrupt():
        journal = begin(project_dir, files)
        try:
            yield journal
        except BaseException as error:
            stopped = isinstance(error, KeyboardInterrupt) or journal.stopped
            journal.restore(notify, interrupted=stopped)
            finish(journal.path)
            raise
        finish(journal.path)
