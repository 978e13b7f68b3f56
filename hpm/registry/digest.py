"""Which files a registry consists of, and a digest over them (recorded in ``hpm.lock``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from hpm.fsutil import REGISTRY_FILE_LIMIT, FileRefused, read_limited

#: A file changed less than this many seconds before its hash was recorded may change again
#: within the same timestamp tick without its metadata showing it: its hash is not kept.
RACY_SECONDS = 2.0


def registry_files(root: Path) -> list[tuple[str, Path]]:
    """``(relative posix path, path)`` of every registry file, sorted by relative path.

    That is ``groups/*.yaml``, ``packages/*.yaml``, ``rules.yaml`` and ``indexes.yaml``; package
    sources and local indexes that live under the registry (e.g. ``packages/foo/``) are not
    registry files. They are the files the loader reads; it takes its digest from the bytes it
    parsed (:func:`hash_bytes`, :func:`combine`) rather than reading them again.
    """
    root = Path(root)
    found = []
    for folder in ("groups", "packages"):
        directory = root / folder
        if directory.is_dir():
            found += [
                (f"{folder}/{p.name}", p)
                for p in directory.iterdir()
                if p.suffix == ".yaml" and not p.is_dir() and not p.name.startswith(".")
            ]
    for name in ("rules.yaml", "indexes.yaml"):
        if (root / name).exists() and not (root / name).is_dir():
            found.append((name, root / name))
    return sorted(found)


def registry_digest(root: Path) -> str:
    """``sha256:<hex>`` over the sorted relative paths and contents of the registry's files.

    Each file contributes its path, a NUL, its length (8 bytes) and the SHA-256 of its bytes, so
    that moving bytes from one file to another changes the digest, and the hash of a file that
    has not changed can be reused (:func:`registry_digest_memo`).
    """
    return combine([(rel, *_hash_file(path)) for rel, path in registry_files(root)])


def registry_digest_memo(
    root: Path, memo: Mapping[str, object], known: str | None = None
) -> tuple[str, dict[str, list]]:
    """:func:`registry_digest`, hashing only the files whose metadata changed since ``memo``.

    ``memo`` maps a relative path to ``[size, mtime_ns, ctime_ns, inode, device, sha256 hex]``,
    as this function returned it last time (``{}`` at first). A file is read and hashed again
    when any of these differ (an edit changes mtime and ctime; a replacement, the inode; and
    ctime cannot be set back by hand), or when it had changed less than ``RACY_SECONDS`` before
    it was recorded (a change within the same timestamp tick would not show). ``known`` is the
    digest that ``memo`` gave last time: returned as is when no file changed, came or went (no
    hashing at all, so ``hashlib`` is not even imported). Returns the digest and the memo to
    keep.
    """
    racy_before = time.time_ns() - int(RACY_SECONDS * 1e9)
    parts, kept = [], {}
    hashed = False
    for rel, path in registry_files(root):
        try:
            st = path.stat()
        except OSError:  # a dangling link: hashed as unreadable, never kept
            parts.append((rel, *_hash_file(path)))
            hashed = True
            continue
        meta = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        old = memo.get(rel)
        if isinstance(old, list) and len(old) == 6 and old[:5] == meta:
            size, hexdigest = st.st_size, str(old[5])
        else:
            size, hexdigest = _hash_file(path)
            hashed = True
        parts.append((rel, size, hexdigest))
        if size == st.st_size and max(st.st_mtime_ns, st.st_ctime_ns) < racy_before:
            kept[rel] = [*meta, hexdigest]
    if known and not hashed and [rel for rel, _, _ in parts] == sorted(memo):
        return known, kept  # the same files, none read: the same digest
    return combine(parts), kept


def _hash_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read as the loader reads it (never blocking, at most the
    limit); a file that cannot be read gets the hash of its error: the loader reports it."""
    import hashlib

    try:
        data = read_limited(path, REGISTRY_FILE_LIMIT)
    except (FileRefused, OSError) as e:
        return -1, hashlib.sha256(b"unreadable\0" + str(e).encode()).hexdigest()
    return hash_bytes(data)


def hash_bytes(data: bytes) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a registry file's bytes: what the file adds to the digest."""
    import hashlib

    return len(data), hashlib.sha256(data).hexdigest()


def combine(parts: Iterable[tuple[str, int, str]]) -> str:
    """The digest of the files ``(relative path, size, SHA-256 hex)``, in the order given (sorted
    by relative path, as :func:`registry_files` lists them)."""
    import hashlib  # here: an unchanged registry's digest needs no hashing (OpenSSL's import)

    digest = hashlib.sha256()
    for rel, size, hexdigest in parts:
        digest.update(rel.encode("utf-8") + b"\0" + size.to_bytes(8, "big", signed=True))
        digest.update(bytes.fromhex(hexdigest))
    return "sha256:" + digest.hexdigest()
