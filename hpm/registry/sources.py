"""Where a package comes from: reading and checking the source fields.

Three kinds, exactly one per source:

- git: ``git`` (a URL) + at most one of ``rev``/``tag``/``branch`` + optional ``subdirectory``;
- path: ``path`` (relative to the registry root, must exist and stay inside it after resolving
  ``..`` and symlinks) + optional ``editable``;
- index: ``version`` (a PEP 440 specifier set), or no location field at all.

``extras`` and ``marker`` go with any kind. Everything here may end up in a ``uv add`` argument,
so the checks are strict: nothing may start with ``-``, contain whitespace, control characters or
shell metacharacters, or an ``@``/``#`` that would change how uv splits a requirement.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from hpm.names import shown
from hpm.registry.catalog import Source
from hpm.registry.checks import FileChecker
from hpm.registry.yamlfile import KeyPath
from solver.model import Origin

GIT_KEYS = ("git", "rev", "tag", "branch", "subdirectory")
PATH_KEYS = ("path", "editable")
INDEX_KEYS = ("version",)
SOURCE_KEYS = (*GIT_KEYS, *PATH_KEYS, *INDEX_KEYS, "extras", "marker")

_URL_SCHEMES = ("https", "http", "ssh", "file")
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f;|&$`<>'\"\\]")
_SCP = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^@:]+)$")
_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/+-]*$")
_SUBDIR = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9._/-]*$")

# PEP 440 versions, as `packaging` spells them (case-insensitive: checked lower-cased).
_EPOCH = r"v?(?:[0-9]+!)?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIX = (
    r"(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
    r"(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?"
    r"(?:[-_.]?dev[-_.]?[0-9]*)?"
)
_PUBLIC = _EPOCH + _RELEASE + _SUFFIX
_LOCAL = r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?"
_EQUAL = re.compile(f"(?:{_PUBLIC}{_LOCAL}|{_EPOCH}{_RELEASE}\\.\\*)")
_CLAUSES = {
    "~=": re.compile(_EPOCH + r"[0-9]+(?:\.[0-9]+)+" + _SUFFIX),  # needs two release parts
    "==": _EQUAL,  # only == and != take a local version or a trailing .*
    "!=": _EQUAL,
    "<=": re.compile(_PUBLIC),
    ">=": re.compile(_PUBLIC),
    "<": re.compile(_PUBLIC),
    ">": re.compile(_PUBLIC),
    "===": re.compile(r"[^\s;,)]+"),  # arbitrary equality: any string
}
_ARBITRARY = re.compile(r"[A-Za-z0-9._+!-]+")
_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\]")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._~+-]*")
# A registry path may not hold what uv reads as a marker (`;`), a comment or fragment (`#`), a
# URL or version (`@`), an escape (`%`), or whitespace and quotes.
_PATH_FORBIDDEN = re.compile(r"[\s;#@%\\'\"\x00-\x1f\x7f]")
_CLAUSE = re.compile(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*(\S*?)\s*$")


def check_version_spec(spec: str) -> str | None:
    """Why ``spec`` is not a PEP 440 specifier set (``">=0.3,<1"``), or None if it is."""
    if not spec.strip():
        return "empty version specifier"
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if not match:
            bare = clause.strip()
            if re.fullmatch(_PUBLIC + _LOCAL, bare, re.IGNORECASE):
                return f"`{bare}` has no operator (did you mean `=={bare}`?)"
            return f"`{bare}` is not a version clause like `>=1.2` or `==1.2.*`"
        op, version = match.groups()
        if not _CLAUSES[op].fullmatch(version.lower() if op != "===" else version):
            return f"`{op}{version}` is not a valid PEP 440 version clause"
        if op == "===" and not _ARBITRARY.fullmatch(version):
            return (
                f"`{op}{version}`: arbitrary equality (`===`) takes a plain version string "
                "(letters, digits and `._+!-`), nothing that uv could read as a URL"
            )
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(spec)
    except InvalidSpecifier as e:
        return f"not a PEP 440 specifier set ({e})"
    return None


def check_git_url(url: str) -> tuple[str | None, str | None]:
    """``(normalised_url, None)`` for a usable git URL, else ``(None, why)``.

    Accepts ``https://``, ``http://``, ``ssh://``, ``file://`` and scp-like ``user@host:path``
    (rewritten as ``ssh://user@host/path``, the form uv understands); a leading ``git+`` is
    dropped. Refuses options-looking, whitespace, control and shell characters, ``#`` (use
    ``subdirectory``) and ``@`` in the path (it would collide with the ``@rev`` suffix).
    """
    if url.startswith("git+"):
        url = url[len("git+") :]
    if url.startswith("-"):
        return None, "a git URL may not start with `-`"
    if _FORBIDDEN.search(url):
        return (
            None,
            "a git URL may not contain whitespace, control characters, quotes or ;|&$`<>\\",
        )
    if "#" in url:
        return None, "a git URL may not contain `#` (use `subdirectory`, and `rev`/`tag`/`branch`)"
    scp = _SCP.match(url)
    if scp and "://" not in url:
        if not _HOST.fullmatch(scp["host"]) or not _USER.fullmatch(scp["user"]):
            return None, "the host and user of a git URL must start with a letter or digit"
        path = scp["path"].lstrip("/")
        return f"ssh://{scp['user']}@{scp['host']}/{path}", None
    try:
        parts = urlsplit(url)
    except ValueError as e:
        return None, f"malformed URL ({e})"
    if parts.scheme not in _URL_SCHEMES:
        schemes = ", ".join(f"{s}://" for s in _URL_SCHEMES)
        return None, f"unsupported git URL (expected {schemes} or user@host:path)"
    if parts.scheme != "file" and not parts.hostname:
        return None, "the git URL has no host"
    netloc_host = parts.netloc.rpartition("@")[2].rsplit(":", 1)[0] if parts.netloc else ""
    if parts.scheme != "file" and not _HOST.fullmatch(netloc_host):
        return None, f"bad host `{netloc_host}`: it must start with a letter or digit (never `-`)"
    if parts.username is not None and not _USER.fullmatch(parts.username):
        return None, f"bad user `{parts.username}`: it must start with a letter or digit"
    if parts.scheme == "file" and not parts.path:
        return None, "the file:// URL has no path"
    if "@" in parts.path or "@" in parts.query:
        return (
            None,
            "`@` in the URL's path would be read as a revision (use `rev`/`tag`/`branch`)",
        )
    return url, None


def check_git_ref(ref: str) -> str | None:
    """Why ``ref`` is not a safe git revision/tag/branch name, or None if it is."""
    if ref.startswith("-"):
        return "may not start with `-`"
    if not _REF.match(ref):
        return "may contain only letters, digits and `._/+-`"
    if ".." in ref or "//" in ref or "@{" in ref:
        return "may not contain `..`, `//` or `@{`"
    if ref.endswith(("/", ".", ".lock")):
        return "may not end with `/`, `.` or `.lock`"
    return None


def check_subdirectory(subdir: str) -> str | None:
    """Why ``subdir`` is not a safe folder inside a repository, or None if it is."""
    parts = PurePosixPath(subdir).parts
    if not _SUBDIR.match(subdir) or subdir.startswith("/") or ".." in parts:
        return "a relative path of letters, digits and `._/-`, without `..`"
    return None


def check_marker(marker: str) -> tuple[str | None, str | None]:
    """``(normalised, None)`` for a PEP 508 environment marker, as ``packaging`` parses and writes
    it back (what uv is given is what was checked); else ``(None, why)``."""
    if not marker.strip():
        return None, "empty marker"
    if "\n" in marker or "\r" in marker or re.search(r"[\x00-\x1f\x7f]", marker):
        return None, "a marker is one line without control characters"
    if marker.lstrip().startswith(";"):
        return None, "write the marker without the leading `;`"
    quote = None
    for char in marker:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
    if quote:
        return None, "unbalanced quotes"
    if marker.count("(") != marker.count(")"):
        return None, "unbalanced parentheses"
    from packaging.markers import InvalidMarker, Marker

    try:
        return str(Marker(marker)), None
    except InvalidMarker as e:
        first = str(e).splitlines()[0]
        return None, f"not a PEP 508 marker ({first}); a marker holds no URL, `@` or `#` comment"


def read_source(
    check: FileChecker, mapping: dict, path: KeyPath, root: Path, origin: Origin
) -> Source | None:
    """The source described by ``mapping``'s source fields; None (reported) when invalid.

    ``root`` is the registry root, already resolved (absolute, symlinks followed).
    """
    before = len(check.problems)
    kinds = [
        kind
        for kind, keys in (("git", GIT_KEYS), ("path", PATH_KEYS), ("version", INDEX_KEYS))
        if any(k in mapping for k in keys)
    ]
    if len(kinds) > 1:
        check.report(
            path,
            "a source is exactly one of git, path or version; found "
            + " and ".join(f"`{k}`" for k in kinds),
        )
        return None
    fields: dict = {"origin": origin}
    if "git" in mapping:
        fields.update(_read_git(check, mapping, path))
    elif any(k in mapping for k in GIT_KEYS):
        given = next(k for k in GIT_KEYS if k in mapping)
        check.report((*path, given), f"`{given}` needs a `git` URL beside it")
    if "path" in mapping:
        fields.update(_read_path(check, mapping, path, root))
    elif "editable" in mapping:
        check.report((*path, "editable"), "`editable` needs a `path` beside it")
    version = check.get_str(mapping, path, "version")
    if version is not None:
        why = check_version_spec(version)
        if why:
            check.report((*path, "version"), f"bad version specifier: {why}", "e.g. `>=0.3,<1`")
        fields["version"] = version.replace(" ", "")
    extras = check.get_str_list(mapping, path, "extras")
    if extras is not None:
        names = [check.check_name(e, p, "extra name") for e, p in extras]
        fields["extras"] = tuple(dict.fromkeys(n for n in names if n))
    marker = check.get_str(mapping, path, "marker")
    if marker is not None:
        normal, why = check_marker(marker)
        if why:
            check.report((*path, "marker"), f"bad marker: {why}", "e.g. `sys_platform == 'linux'`")
        fields["marker"] = normal or marker.strip()
    if len(check.problems) > before:
        return None
    return Source(**fields)


def _read_git(check: FileChecker, mapping: dict, path: KeyPath) -> dict:
    fields: dict = {}
    url = check.get_str(mapping, path, "git")
    if url is not None:
        normal, why = check_git_url(url)
        if why:
            check.report((*path, "git"), f"bad git URL `{url}`: {why}")
        fields["git"] = normal
    refs = [k for k in ("rev", "tag", "branch") if k in mapping]
    if len(refs) > 1:
        check.report((*path, refs[1]), "use at most one of `rev`, `tag` and `branch`")
    for key in refs:
        value = check.get_str(mapping, path, key)
        if value is not None:
            why = check_git_ref(value)
            if why:
                check.report((*path, key), f"bad git {key} `{value}`: {why}")
            fields[key] = value
    subdir = check.get_str(mapping, path, "subdirectory")
    if subdir is not None:
        why = check_subdirectory(subdir)
        if why:
            check.report((*path, "subdirectory"), f"bad subdirectory `{subdir}`: {why}")
        fields["subdirectory"] = subdir.strip("/")
    return fields


def _read_path(check: FileChecker, mapping: dict, path: KeyPath, root: Path) -> dict:
    fields: dict = {}
    editable = check.get(mapping, path, "editable", bool)
    if isinstance(editable, bool):
        fields["editable"] = editable
    text = check.get_str(mapping, path, "path")
    if text is None:
        return fields
    resolved = local_path(check, text, (*path, "path"), root)
    if resolved is not None:
        fields["path"] = resolved
    return fields


def local_path(check: FileChecker, text: str, where: KeyPath, root: Path) -> Path | None:
    """``text``, a path relative to the registry root, resolved; None (reported) when it is
    absolute, missing, or leads outside the root (``..`` and symlinks followed)."""
    if not text.strip() or "\x00" in text or "\n" in text:
        check.report(where, "bad path: empty, or contains control characters")
        return None
    if _PATH_FORBIDDEN.search(text):
        check.report(
            where,
            f"path `{shown(text)}` may not contain whitespace, quotes or any of `;#@%\\`",
            "uv would read part of it as a marker, a comment or a URL; rename the directory",
        )
        return None
    given = Path(text)
    if given.is_absolute() or text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", text):
        check.report(
            where, f"path `{text}` must be relative to the registry root", "e.g. `packages/foo`"
        )
        return None
    try:
        resolved = (root / given).resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python 3.11)
        check.report(where, f"path `{text}` cannot be resolved: {e}")
        return None
    if not resolved.is_relative_to(root):
        check.report(
            where,
            f"path `{text}` leads outside the registry root (to {resolved})",
            "package sources must live inside the registry directory",
        )
        return None
    if not resolved.exists():
        check.report(where, f"path `{text}` does not exist (looked for {resolved})")
        return None
    return resolved
