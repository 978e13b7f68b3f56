"""Which uv hpm runs, and how a uv command is shown to the user.

Order (the first that works): ``$HPM_UV`` (hpm's own override); ``$UV`` (set by uv itself when
it runs a tool, ``uv run``/``uvx``: the uv the user is running); ``uv`` on ``PATH`` when its
version is supported (at least :data:`MIN_VERSION`); else the binary of the ``uv`` Python package
that hpm depends on (the bundled one). A command is shown as ``uv ...`` (never a long private
path), so that a user can paste it: ``uv`` on their PATH is the same program, or a newer one.

The version of ``uv`` on ``PATH`` is asked once per binary (``uv --version`` is a process start,
about 5-20 ms, before every sync otherwise) and remembered in hpm's cache directory beside the
registry cache (``uv-versions.json``), keyed by the binary's real path and its size, mtime,
ctime, inode and device: an upgraded or replaced uv is asked again. ``HPM_NO_CACHE=1`` asks
every time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

UV_ENV = "HPM_UV"
MIN_VERSION = (0, 8, 0)
_VERSION = re.compile(r"\buv (\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class UvBinary:
    """The uv hpm runs: its path, its version, and where hpm found it."""

    path: str
    version: str  # e.g. "0.13.9"; "" when it could not be asked
    found: str  # "HPM_UV", "UV", "PATH" or "bundled"


def find_uv() -> str:
    """The uv executable hpm runs (see the module docstring for the order)."""
    return which_uv().path


def which_uv() -> UvBinary:
    """The uv hpm runs, with its version and where it was found (asked once per environment)."""
    env = os.environ
    return _which(env.get(UV_ENV, ""), env.get("UV", ""), env.get("PATH", ""))


@cache
def _which(configured: str, running: str, search_path: str) -> UvBinary:
    from hpm.errors import HpmError

    if configured:
        return UvBinary(configured, "", UV_ENV)
    if running and Path(running).is_file():
        return UvBinary(running, "", "UV")
    on_path = shutil.which("uv", path=search_path or None)
    if on_path:
        version = _remembered_version(on_path)
        if version and _parts(version) >= MIN_VERSION:
            return UvBinary(on_path, version, "PATH")
    try:
        import uv  # the PyPI package that ships the binary

        return UvBinary(os.fsdecode(uv.find_uv_bin()), "", "bundled")
    except (ImportError, FileNotFoundError):
        pass
    if on_path:
        return UvBinary(on_path, "", "PATH")
    raise HpmError(
        "uv was not found",
        hint=f"install it (`pip install uv`, see https://docs.astral.sh/uv/) or set {UV_ENV}",
    )


def uv_version(path: str) -> str:
    """``uv --version`` of the binary at ``path`` ("0.13.9"), or "" when it does not answer."""
    from hpm.apply.uv import run

    try:
        done = run([path, "--version"], Path.cwd())
    except OSError:
        return ""
    match = _VERSION.search(done.tail)
    return ".".join(match.groups()) if match and done.returncode == 0 else ""


VERSIONS_FILE = "uv-versions.json"


def _remembered_version(path: str) -> str:
    """:func:`uv_version` of ``path``, from the cache directory while the binary is unchanged."""
    from hpm.errors import HpmError
    from hpm.registry.cache import cache_dir

    real = os.path.realpath(path)
    try:
        info = Path(real).stat()
    except OSError:
        return uv_version(path)
    key = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]
    memo_file = cache_dir() / VERSIONS_FILE
    use_memo = not os.environ.get("HPM_NO_CACHE")
    memo: dict[str, object] = {}
    if use_memo:
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(memo_file.read_bytes())
            memo = loaded if isinstance(loaded, dict) else {}
        entry = memo.get(real)
        if isinstance(entry, dict) and entry.get("stat") == key:
            version = entry.get("version")
            if isinstance(version, str) and _VERSION.fullmatch(f"uv {version}"):
                return version
    version = uv_version(path)
    if version and use_memo:
        from hpm.fsutil import atomic_write

        memo[real] = {"stat": key, "version": version}
        with contextlib.suppress(HpmError, OSError):  # a cache that cannot be written: ask again
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(memo_file, json.dumps(memo).encode(), durable=False)
    return version


def _parts(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def shown(argv: Sequence[str]) -> list[str]:
    """``argv`` as the user should see it: the uv binary's path shown as plain ``uv``."""
    if argv and Path(argv[0]).name in ("uv", "uv.exe"):
        return ["uv", *argv[1:]]
    return list(argv)
