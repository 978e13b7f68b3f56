"""Small file-system helpers shared by the modules that write project files."""

from __future__ import annotations

import contextlib
import os
import stat
import struct
from pathlib import Path

from hpm.errors import HpmError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

_FS_IOC_GETFLAGS = 0x80086601  # Linux: the file's attribute flags (lsattr)
_FS_PROTECTED = 0x00000010 | 0x00000020  # FS_IMMUTABLE_FL | FS_APPEND_FL (chattr +i / +a)


def _attribute_flags(path: Path) -> int:
    """Linux's inode flags of ``path`` (0 where the file system or platform has none)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        return 0
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return 0
    try:
        raw = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, b"\0" * 8)
    except OSError:
        return 0
    finally:
        os.close(fd)
    return int(struct.unpack("l", raw)[0])


def check_writable(path: Path, display: str | None = None) -> None:
    """Refuse (HpmError, exit 2) to replace a file that is not a regular file or is read-only.

    Read-only means: no write permission bit at all (``chmod a-w``; honoured even for root, who
    could write anyway), no write access for this user, or Linux's immutable/append-only
    attribute. A file that does not exist yet is fine. Symbolic links are followed: hpm writes
    the file they point to.
    """
    path = Path(path)
    name = display or os.fsdecode(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise HpmError(f"cannot read {name}: {e.strerror}", hint="check the path") from e
    if not stat.S_ISREG(info.st_mode):
        raise HpmError(
            f"{name} is not a regular file",
            hint=f"hpm reads and replaces {path.name}; move what is there away",
        )
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise HpmError(
            f"{name} is read-only",
            hint=f"make it writable (`chmod u+w {path.name}`) if hpm may change it",
        )
    if _attribute_flags(path) & _FS_PROTECTED:
        raise HpmError(
            f"{name} is immutable or append-only (`lsattr`)",
            hint=f"`chattr -i -a {path.name}` if hpm may change it",
        )


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that readers see the old bytes or the new, never a mix.

    Writes a temporary file in the same directory, flushes it to disk (``durable`` False: left
    to the kernel, for notes that matter only while the machine stays up), then renames it over
    ``path``. The file's permission bits are kept when it already exists; a new file gets the
    mode a plain ``open()`` would give it (0666 less the umask), not mkstemp's 0600. A symbolic
    link stays a link: the file it points to is replaced. An error of the file system
    (permissions, a full disk) is an HpmError naming the file.
    """
    import tempfile  # here: a read-only command never writes (tempfile loads shutil, random)

    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise HpmError(
            f"cannot write {os.fsdecode(path)}: {e.strerror}", hint="check its directory"
        ) from e
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        if isinstance(e, OSError):
            raise HpmError(
                f"cannot write {os.fsdecode(path)}: {e.strerror}", hint="check the file"
            ) from e
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it; set it straight back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist; HpmError when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise HpmError(
            f"cannot read {os.fsdecode(path)}: {e.strerror}",
            hint="it must be a readable regular file (or absent)",
        ) from e


def require_utf8_path(path: Path, what: str) -> Path:
    """``path``, or an HpmError (exit 2) when its bytes are not UTF-8.

    uv records paths in TOML files, which are UTF-8, and hpm prints them; a directory name that
    is not UTF-8 cannot be written there faithfully, so hpm refuses it up front.
    """
    raw = os.fsencode(path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = raw.decode("utf-8", "backslashreplace")
        raise HpmError(
            f"the {what} path is not valid UTF-8: {shown}",
            hint="rename the directory to a UTF-8 name (uv and hpm write paths into TOML files)",
        ) from None
    return path


REGISTRY_FILE_LIMIT = 5 * 1024 * 1024  # the most hpm reads of one registry file


class FileRefused(Exception):
    """A file hpm will not read: not a regular file, or larger than the limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_limited(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, reading at most ``limit + 1`` of them.

    Opened without blocking (a FIFO cannot hang hpm) and checked on the open descriptor (no race
    with a swap): anything but a regular file raises :class:`FileRefused`, as does a file with
    more than ``limit`` bytes, whatever ``stat`` said its size was (``/proc`` files say 0).
    ``OSError`` propagates (missing, permissions, a kernel file that refuses reads).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise FileRefused(f"is {kind}, not a regular file")
        chunks = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise FileRefused(f"is larger than {limit // (1024 * 1024)} MB")
    return b"".join(chunks)
