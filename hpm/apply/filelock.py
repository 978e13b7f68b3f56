"""One hpm process per project at a time: an advisory lock on ``<project>/.hpm/lock``.

The lock is ``fcntl.flock`` (Linux and other POSIX systems); the kernel drops it when the process
dies, so a crashed hpm never leaves the project locked. The holder writes its pid into the file so
that a waiting process can say whom it waits for. On platforms without :mod:`fcntl` the module
still imports and :func:`project_lock` does not lock (documented limitation).

``<project>/.hpm/`` is hpm's private state directory (the lock, the transaction journal); it holds
a ``.gitignore`` containing ``*`` so it stays out of git.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from hpm.errors import HpmError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

STATE_DIR = ".hpm"
LOCK_FILE = "lock"
JOURNAL_DIR = f"{STATE_DIR}/txn"  # written by hpm.apply.transaction; its presence means a sync died
POLL_SECONDS = 0.1


def ensure_state_dir(project_dir: Path) -> Path:
    """Create ``<project>/.hpm/`` with its ``.gitignore`` if needed, and return it."""
    state = Path(project_dir) / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
        ignore = state / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
    except OSError as e:
        raise HpmError(
            f"cannot use {os.fsdecode(state)} for hpm's lock and journal: {e.strerror}",
            hint=f"hpm keeps its state in a directory {STATE_DIR}/ in the project; "
            "move what is there away (or make the project directory writable)",
        ) from e
    return state


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return text if text.isdigit() else "unknown"


@contextlib.contextmanager
def project_lock(
    project_dir: Path,
    timeout: float = 60.0,
    *,
    notify: Callable[[str], None] = _stderr,
) -> Iterator[None]:
    """Hold the project's lock for the ``with`` block, waiting up to ``timeout`` seconds.

    When another process holds it, ``notify`` is called once with "waiting for another hpm
    process on <project> (pid N)..."; after ``timeout`` an :class:`HpmError` is raised.
    """
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    path = ensure_state_dir(project_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pid = _holder(fd)
                if not told:
                    notify(f"waiting for another hpm process on {project_dir} (pid {pid})...")
                    told = True
                if time.monotonic() >= deadline:
                    raise HpmError(
                        f"another hpm process (pid {pid}) is still working on {project_dir}",
                        hint=f"wait for it to finish, or stop it; the lock is {path}",
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
