"""A registry that lives in a git repository: ``git+URL@REF#subdirectory=DIR``.

Pure parsing, no git is run here. Accepted forms (``[tool.hpm] registry``, ``--registry``,
``hpm init --registry``)::

    git+https://github.com/acme/hpm-registry@v3
    git+ssh://git@host/acme/registry.git@main
    git+file:///srv/registry.git@main#subdirectory=registries/ml

The ref (a branch, a tag or a commit) follows the last ``@`` of the URL's path; without one the
remote's default branch (``HEAD``) is used. Everything here ends up in a git argument list, so
the checks are strict: only ``https``, ``http``, ``ssh`` and ``file`` URLs; no host, user, port or
path part that starts with ``-`` (git or ssh would read it as an option); no password in the URL
(it would be written into ``hpm.lock``: use a credential helper or an ssh key); no whitespace,
control or shell characters; the ref and the subdirectory as for a package's git source.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

PREFIX = "git+"
DEFAULT_REF = "HEAD"
_SCHEMES = ("https", "http", "ssh", "file")
_EXAMPLE = "e.g. git+https://github.com/acme/hpm-registry@v3 or git+file:///srv/registry.git@main"


@dataclass(frozen=True, slots=True)
class GitRegistry:
    """Where a git-hosted registry is: the repository, the ref to follow, the folder inside."""

    url: str  # without "git+", the ref and the fragment: "https://host/acme/registry.git"
    ref: str = DEFAULT_REF  # branch, tag or commit, as written
    subdirectory: str = ""  # the registry's folder inside the repository ("" = its root)

    @property
    def text(self) -> str:
        """The canonical spelling: ``git+URL@REF[#subdirectory=DIR]``."""
        fragment = f"#subdirectory={self.subdirectory}" if self.subdirectory else ""
        return f"{PREFIX}{self.url}@{self.ref}{fragment}"

    def with_ref(self, ref: str) -> GitRegistry:
        return GitRegistry(self.url, ref, self.subdirectory)

    def __str__(self) -> str:
        return self.text


class BadRegistryUrl(ValueError):
    """A ``git+`` registry location that hpm refuses; ``reason`` says why."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"bad registry URL `{text}`: {reason}")
        self.text = text
        self.reason = reason
        self.hint = _EXAMPLE


def is_git_location(text: str) -> bool:
    """Whether ``text`` names a git-hosted registry (rather than a directory)."""
    return text.startswith(PREFIX)


def looks_like_url(text: str) -> bool:
    """A location with a scheme but without ``git+`` (almost certainly a mistake)."""
    return "://" in text and not is_git_location(text)


def parse_git_registry(text: str) -> GitRegistry:
    """The :class:`GitRegistry` that ``text`` names; :class:`BadRegistryUrl` when it is refused."""
    from hpm.registry.sources import check_git_ref, check_git_url

    if not is_git_location(text):
        raise BadRegistryUrl(text, "a git registry starts with `git+`")
    body = text[len(PREFIX) :]
    body, _, fragment = body.partition("#")
    subdirectory = _subdirectory(text, fragment)
    parts = urlsplit(body)
    if parts.scheme not in _SCHEMES:
        raise BadRegistryUrl(
            text, "the URL must start with git+https://, git+ssh:// or git+file://"
        )
    path, ref = parts.path, DEFAULT_REF
    if "@" in path:
        path, _, ref = path.rpartition("@")
        if not ref:
            raise BadRegistryUrl(text, "nothing follows `@` (expected a branch, tag or commit)")
        why = check_git_ref(ref)
        if why:
            raise BadRegistryUrl(text, f"the ref `{ref}` {why}")
    if parts.query:
        raise BadRegistryUrl(text, "a registry URL takes no `?query`")
    url = f"{parts.scheme}://{parts.netloc}{path}"
    _check_parts(text, url)
    normal, why = check_git_url(url)
    if why or normal is None:
        raise BadRegistryUrl(text, why or "not a git URL")
    return GitRegistry(normal, ref, subdirectory)


def _subdirectory(text: str, fragment: str) -> str:
    if not fragment:
        return ""
    from hpm.registry.sources import check_subdirectory

    key, sep, value = fragment.partition("=")
    if key != "subdirectory" or not sep:
        raise BadRegistryUrl(text, "the only fragment a registry URL takes is `#subdirectory=DIR`")
    why = check_subdirectory(value)
    if why:
        raise BadRegistryUrl(text, f"bad subdirectory `{value}`: {why}")
    return value.strip("/")


def _check_parts(text: str, url: str) -> None:
    """Refuse what git or ssh could take for an option, and passwords that would be recorded."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise BadRegistryUrl(text, f"malformed URL ({e})") from e
    del port  # only validated
    if parts.password is not None:
        raise BadRegistryUrl(
            text, "a password or token in the URL would be recorded in hpm.lock; "
            "use a git credential helper or an ssh key",
        )  # fmt: skip
    for what, value in (("host", parts.hostname), ("user", parts.username)):
        if value and value.startswith("-"):
            raise BadRegistryUrl(text, f"the {what} may not start with `-`")
    if parts.scheme != "file" and not parts.hostname:
        raise BadRegistryUrl(text, "the URL has no host")
    if any(segment.startswith("-") for segment in parts.path.split("/")):
        raise BadRegistryUrl(text, "no part of the path may start with `-`")
    if not parts.path.strip("/"):
        raise BadRegistryUrl(text, "the URL has no repository path")
