"""Fetching git-hosted registries into hpm's cache, and reading a commit's tree safely.

Layout under hpm's cache directory (:func:`hpm.registry.cache.cache_dir`)::

    git/repos/<key>.git     one bare clone per repository URL, shared by every project
    git/trees/<tree-id>/    a registry folder exported from a commit: read-only, named by the
                            git tree id, so it holds exactly what that tree holds
    git/locks/<key>.lock    serialises fetches of one URL between processes

Why so: a registry is read from the commit's tree, never from a working copy that someone can
edit; two commits with the same registry folder share one export; an export is written to a
temporary folder and renamed into place, so a reader sees all of it or none, and two processes
exporting the same tree at once both end with the same folder.

Safety: git runs from an argument list (never a shell) with ``--`` before positionals, without
a terminal prompt (``GIT_TERMINAL_PROMPT=0``), with the ``ext::`` transport and hooks off, and
with the caller's ``GIT_DIR``-like variables removed, so only the bare clone is touched. The
fetched repository's own configuration is never read (a bare clone made by hpm carries none).
An export refuses symlinks and submodules in the tree, paths that could escape the folder
(``..``, ``.git``), files over :data:`MAX_FILE_BYTES` and trees over :data:`MAX_TREE_BYTES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hpm.errors import HpmError
from hpm.registry.gitspec import GitRegistry

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TREE_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 100_000
_HEX = re.compile(r"^[0-9a-f]{7,64}$")
_SCRUBBED = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_EXEC_PATH",
)  # fmt: skip
_SAFE_CONFIG = ("-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never",
                "-c", "core.fsmonitor=false", "-c", "advice.detachedHead=false")  # fmt: skip


class GitFetchError(HpmError):
    """A repository could not be fetched, or a ref or commit is not there (exit 2)."""

    def __init__(self, message: str, hint: str = "", *, url: str = "", output: str = "") -> None:
        super().__init__(message, hint)
        self.url = url
        self.output = output


class UnsafeTree(HpmError):
    """The registry's tree holds something hpm will not export (a symlink, a huge file, ...)."""

    def __init__(self, location: str, path: str, reason: str) -> None:
        super().__init__(
            f"{location}: `{path}` {reason}",
            "a registry repository holds regular files only, each under "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB; fix the repository and push a new commit",
        )
        self.location = location
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Export:
    """A registry folder of one commit, exported read-only into the cache."""

    root: Path  # the exported folder (absolute)
    commit: str
    tree: str  # the git tree id of the registry folder


# -- running git -------------------------------------------------------------------------------


def git_env() -> dict[str, str]:
    """The environment git runs with: no prompt, no repository chosen by the caller."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def git_argv(repo: Path, *args: str) -> list[str]:
    """``git`` with hpm's safe settings, working on the bare clone ``repo``."""
    return ["git", *_SAFE_CONFIG, f"--git-dir={repo}", *args]


def _git(repo: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            git_argv(repo, *args), input=data, capture_output=True, env=git_env(), check=False
        )
    except FileNotFoundError as e:
        raise GitFetchError(
            "git is not installed (needed for a registry in a git repository)",
            "install git, or point [tool.hpm] registry at a directory",
        ) from e


def _text(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8", "replace").strip()


def _rev_parse(repo: Path, name: str) -> str | None:
    """The object id ``name`` names in ``repo``, or None when it names nothing."""
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", name)
    return _text(done) if done.returncode == 0 else None


# -- the cache ---------------------------------------------------------------------------------


def git_cache() -> Path:
    from hpm.registry.cache import cache_dir

    return cache_dir() / "git"


def repo_path(url: str) -> Path:
    """The bare clone of ``url`` in the cache (it may not exist yet)."""
    key = hashlib.sha256(url.encode()).hexdigest()[:32]
    return git_cache() / "repos" / f"{key}.git"


@contextlib.contextmanager
def _url_lock(url: str) -> Iterator[None]:
    """One process at a time fetches a given URL (other URLs proceed)."""
    locks = git_cache() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    path = locks / (repo_path(url).stem + ".lock")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: fetches into one clone may interleave
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ensure_repo(url: str) -> Path:
    repo = repo_path(url)
    if (repo / "HEAD").is_file():
        return repo
    repo.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=repo.parent, prefix=".new-"))
    done = _git(tmp, "init", "--bare", "--quiet")
    if done.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise GitFetchError(f"cannot create a git repository in {repo.parent}", url=url)
    try:
        tmp.rename(repo)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return repo


def fetch(spec: GitRegistry) -> str:
    """Fetch ``spec.url`` into its bare clone and return the commit that ``spec.ref`` names now.

    Network access: this always asks the remote. A failure is a :class:`GitFetchError` naming
    the URL (and what git said).
    """
    with _url_lock(spec.url):
        repo = _ensure_repo(spec.url)
        refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
        if spec.ref == "HEAD":
            refspecs.append("+HEAD:refs/hpm/HEAD")
        _fetch(repo, spec.url, refspecs)
        commit = _resolve(repo, spec.ref)
        if commit is None and _HEX.match(spec.ref):  # a commit no branch or tag points at
            with contextlib.suppress(GitFetchError):
                _fetch(repo, spec.url, [spec.ref])
            commit = _resolve(repo, spec.ref)
    if commit is None:
        raise GitFetchError(
            f"`{spec.ref}` is not a branch, tag or commit of {spec.url}",
            "check the ref after `@` in [tool.hpm] registry",
            url=spec.url,
        )
    return commit


def _fetch(repo: Path, url: str, refspecs: Sequence[str]) -> None:
    done = _git(repo, "fetch", "--quiet", "--prune", "--no-tags", "--", url, *refspecs)
    if done.returncode != 0:
        output = done.stderr.decode("utf-8", "replace").strip()
        raise GitFetchError(
            f"cannot fetch the registry repository {url}",
            "check the URL and your network or credentials; a registry already pinned in hpm.lock "
            "works offline once its commit is in hpm's cache",
            url=url,
            output=output,
        )


def _resolve(repo: Path, ref: str) -> str | None:
    if ref == "HEAD":
        candidates = ["refs/hpm/HEAD"]
    else:
        candidates = [f"refs/heads/{ref}", f"refs/tags/{ref}"]
        if _HEX.match(ref):
            candidates.append(ref)
    for name in candidates:
        commit = _rev_parse(repo, f"{name}^{{commit}}")
        if commit is not None:
            return commit
    return None


def is_commit_ref(ref: str) -> bool:
    """Whether ``ref`` names a commit (hex), which never moves, rather than a branch or tag."""
    return ref != "HEAD" and bool(_HEX.match(ref))


def remote_commit(spec: GitRegistry) -> str | None:
    """The commit ``spec.ref`` names on the remote now (``git ls-remote``: nothing is fetched).

    None when the ref is a commit (it never moves) or the remote does not have the ref.
    """
    if is_commit_ref(spec.ref):
        return None
    names = (
        ["HEAD"]
        if spec.ref == "HEAD"
        else [f"refs/heads/{spec.ref}", f"refs/tags/{spec.ref}^{{}}", f"refs/tags/{spec.ref}"]
    )
    done = _git(Path(os.devnull), "ls-remote", "--", spec.url, *names)
    if done.returncode != 0:
        raise GitFetchError(
            f"cannot reach the registry repository {spec.url}",
            "check the URL and your network or credentials",
            url=spec.url,
            output=done.stderr.decode("utf-8", "replace").strip(),
        )
    found: dict[str, str] = {}
    for line in _text(done).splitlines():
        sha, _, name = line.partition("\t")
        found[name] = sha
    return next((found[name] for name in names if name in found), None)


def has_commit(url: str, commit: str) -> bool:
    """Whether the cached clone of ``url`` holds ``commit`` (no network)."""
    repo = repo_path(url)
    if not _HEX.match(commit) or not (repo / "HEAD").is_file():
        return False
    done = _git(repo, "cat-file", "-e", "--end-of-options", f"{commit}^{{commit}}")
    return done.returncode == 0


def ensure_commit(spec: GitRegistry, commit: str) -> None:
    """Make sure the pinned ``commit`` is in the cache, fetching only when it is not."""
    if has_commit(spec.url, commit):
        return
    try:
        fetch(spec)
    except GitFetchError as e:
        raise GitFetchError(
            f"the registry {spec.text} is pinned at {commit[:12]}, which is not in hpm's cache, "
            f"and {spec.url} cannot be fetched",
            "connect to the repository once (the commit is then cached), or run "
            "`hpm registry update` to pin another commit",
            url=spec.url,
            output=e.output,
        ) from e
    if not has_commit(spec.url, commit):
        raise GitFetchError(
            f"the pinned commit {commit} is not in {spec.url} (was the history rewritten?)",
            "run `hpm registry update` to pin the ref's current commit",
            url=spec.url,
        )


# -- exporting a tree --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    mode: str
    kind: str
    sha: str
    size: int
    path: str


def export(spec: GitRegistry, commit: str) -> Export:
    """The registry folder of ``commit`` as a read-only directory in the cache.

    The commit must be in the cache already (see :func:`fetch`, :func:`ensure_commit`).
    """
    repo = repo_path(spec.url)
    location = f"{spec.url}@{commit[:12]}"
    tree = _tree_of(repo, commit, spec.subdirectory)
    if tree is None:
        raise GitFetchError(
            f"the commit {commit[:12]} of {spec.url} has no folder `{spec.subdirectory}`",
            "check `#subdirectory=` in [tool.hpm] registry",
            url=spec.url,
        )
    root = git_cache() / "trees" / tree
    if root.is_dir():
        return Export(root, commit, tree)
    entries = _list_tree(repo, tree, location)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".new-"))
    try:
        _write_entries(repo, tmp, entries)
        _make_read_only(tmp)
        try:
            tmp.rename(root)
        except OSError:  # another process exported the same tree first
            _remove(tmp)
    except BaseException:
        _remove(tmp)
        raise
    return Export(root, commit, tree)


def _tree_of(repo: Path, commit: str, subdirectory: str) -> str | None:
    """The tree id of ``subdirectory`` (or the root) in ``commit``; None when it is no folder."""
    name = f"{commit}:{subdirectory}" if subdirectory else f"{commit}^{{tree}}"
    tree = _rev_parse(repo, name)
    if tree is None:
        return None
    kind = _git(repo, "cat-file", "-t", "--end-of-options", tree)
    return tree if _text(kind) == "tree" else None


def same_folder(url: str, first: str, second: str, folder: str) -> bool:
    """Whether ``folder`` (a path in the repository, "" = the root) is the same in both commits."""
    repo = repo_path(url)
    ids = [_rev_parse(repo, f"{c}:{folder}") for c in (first, second)]
    return bool(ids[0]) and ids[0] == ids[1]


def _list_tree(repo: Path, tree: str, location: str) -> list[_Entry]:
    done = _git(repo, "ls-tree", "-r", "-z", "--long", "--full-tree", "--end-of-options", tree)
    if done.returncode != 0:
        raise GitFetchError(f"cannot list the files of {location}")
    entries: list[_Entry] = []
    total = 0
    for record in done.stdout.split(b"\0"):
        if not record:
            continue
        head, _, raw_path = record.partition(b"\t")
        mode, kind, sha, size = head.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        _check_path(location, path)
        if mode == "120000":
            raise UnsafeTree(location, path, "is a symlink (symlinks are refused in a registry)")
        if kind != "blob":
            raise UnsafeTree(location, path, f"is a {kind} (submodules are refused in a registry)")
        count = int(size)
        if count > MAX_FILE_BYTES:
            raise UnsafeTree(location, path, f"is too large ({count} bytes)")
        total += count
        if total > MAX_TREE_BYTES or len(entries) >= MAX_ENTRIES:
            raise UnsafeTree(location, path, "is past the size limit of a registry's tree")
        entries.append(_Entry(mode, kind, sha, count, path))
    return entries


def _check_path(location: str, path: str) -> None:
    parts = PurePosixPath(path).parts
    bad = (
        not parts
        or path.startswith("/")
        or "\\" in path
        or any(p in ("", ".", "..") or p.lower() == ".git" for p in parts)
        or any(ord(c) < 32 or c == "\x7f" for c in path)
    )
    if bad:
        raise UnsafeTree(location, path, "is not a safe path inside the registry")


def _write_entries(repo: Path, root: Path, entries: list[_Entry]) -> None:
    """Write each blob with ``git cat-file --batch`` (one process for the whole tree)."""
    if not entries:
        return
    request = "".join(f"{e.sha}\n" for e in entries).encode()
    done = _git(repo, "cat-file", "--batch", data=request)
    if done.returncode != 0:
        raise GitFetchError("cannot read the registry's files from the git cache")
    out = done.stdout
    at = 0
    for entry in entries:
        newline = out.index(b"\n", at)
        header = out[at:newline].split()
        size = int(header[2])
        if header[0].decode() != entry.sha or size != entry.size:
            raise GitFetchError("the git cache answered an unexpected object")
        data = out[newline + 1 : newline + 1 + size]
        at = newline + 1 + size + 1
        path = root.joinpath(*PurePosixPath(entry.path).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        path.chmod(0o555 if entry.mode == "100755" else 0o444)


def _make_read_only(root: Path) -> None:
    for directory, _dirs, _files in os.walk(root, topdown=False):
        Path(directory).chmod(0o555)


def _remove(root: Path) -> None:
    """Delete an export (its folders are read-only: make them writable first)."""
    if not root.exists():
        return
    for directory, _dirs, _files in os.walk(root):
        with contextlib.suppress(OSError):
            Path(directory).chmod(stat.S_IRWXU)
    shutil.rmtree(root, ignore_errors=True)
