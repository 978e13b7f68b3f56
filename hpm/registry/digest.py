"""Which files a registry consists of, and a digest over them (recorded in ``hpm.lock``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hpm.fsutil import REGISTRY_FILE_LIMIT, FileRefused, read_limited


def registry_files(root: Path) -> list[tuple[str, Path]]:
    """``(relative posix path, path)`` of every registry file, sorted by relative path.

    That is ``groups/*.yaml``, ``packages/*.yaml``, ``rules.yaml`` and ``indexes.yaml``; package
    sources and local indexes that live under the registry (e.g. ``packages/foo/``) are not
    registry files.
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
    """``sha256:<hex>`` over the sorted relative paths and bytes of the registry's files.

    Each file contributes its path, a NUL, its length (8 bytes) and its bytes, so that moving
    bytes from one file to another changes the digest.
    """
    digest = hashlib.sha256()
    for rel, path in registry_files(root):
        try:
            data = read_limited(path, REGISTRY_FILE_LIMIT)
        except (FileRefused, OSError) as e:  # the loader reports it; the digest only must not hang
            digest.update(rel.encode("utf-8") + b"\0unreadable\0" + str(e).encode())
            continue
        digest.update(rel.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big") + data)
    return "sha256:" + digest.hexdigest()
