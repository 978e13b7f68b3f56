"""Small file-system helpers shared by the modules that write project files."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old bytes or the new, never a mix.

    Writes a temporary file in the same directory, flushes it to disk, then renames it over
    ``path``. The file's permission bits are kept when it already exists; a new file gets the
    mode a plain ``open()`` would give it (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it; set it straight back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
