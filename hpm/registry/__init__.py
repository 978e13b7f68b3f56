"""The registry: YAML files describing groups, options, rules and package sources.

Public API: :func:`load_registry`, :func:`resolve_reference`, :func:`registry_digest`,
:class:`UnresolvedReference` (the error ``resolve_reference`` raises, a ``UsageError``) and
:class:`ReferenceResolver` (resolves many references against one model, indexing short names once).

Layout (paths relative to the registry root)::

    groups/<group>.yaml     one group per file (required: at least one)
    packages/<name>.yaml    optional catalog: where a package comes from
    rules.yaml              optional: registry-wide rules (a list)

Group file keys: ``name`` (required), ``type`` (optional, must be ``group``), ``strategy``
(required, exactly ``1-of-N`` or ``M-of-N``; other spellings get a did-you-mean hint),
``description``, ``default`` (1-of-N: one reference; M-of-N: a list, or one reference),
``min``/``max`` (M-of-N only: integers, ``0 <= min <= max <= number of options``, and the default
may not name more than ``max`` options), ``options`` (a non-empty list). An option is a name or a
mapping with ``name``, ``description``, ``requires``, ``conflicts`` and source fields.

Decisions:

- Names (groups, options, packages, extras) must be PEP 508 names and are PEP 503-normalised
  here, once. Option names are unique across the registry, group names among groups, and no
  option may share a group's name. The ``name`` key wins over the file name: a file whose stem
  differs is accepted, unless another file declares the same group (an error naming both).
- References (``default``, ``requires``, ``conflicts``, ``when``) follow
  :mod:`hpm.registry.references`: full name, ``group:option``, group, or a unique short name
  (``accuracy`` -> ``metric-accuracy``), looked up in the group for ``default`` and in the whole
  registry elsewhere. ``requires``/``conflicts``/``when`` take a list or a single reference;
  ``requires`` items may also be ``{any: [refs...]}``. Each item becomes one :class:`Rule`
  (one per conflicts target) whose origin key is e.g. ``options[2].requires[0]`` or
  ``rules[3].conflicts[0]``. An option requiring or conflicting with itself (or conflicting with
  its own group), and a rules.yaml rule whose target is in its own ``when``, are errors.
- rules.yaml entries: ``when`` (absent or empty: always), ``requires``, ``conflicts`` (at least
  one of the two), ``message``.
- Sources (see :mod:`hpm.registry.sources`): if an option carries *any* source field, its own
  fields are its whole source; otherwise ``packages/<name>.yaml`` (the file's ``name`` key, else
  its stem, is the package name) is used; otherwise the package comes from the index by name.
  ``path`` is relative to the registry root (also in packages/ files), must exist and may not
  leave the root, symlinks included; ``Source.path`` is absolute. Git URLs lose a leading
  ``git+``; scp-like ``user@host:path`` becomes ``ssh://user@host/path``. A packages/ file that
  no option uses is validated all the same.
- YAML: safe values only, no aliases, at most 50 levels and 5 MB per file (no cap on values), one
  document, UTF-8; duplicate keys are errors. See :mod:`hpm.registry.yamlfile`.
- Files named ``*.yml`` in groups/ or packages/ are reported (rename to .yaml); other files
  there (READMEs, package source directories) are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpm.registry.cache import load_registry_cached
    from hpm.registry.digest import registry_digest
    from hpm.registry.loader import load_registry
    from hpm.registry.references import ReferenceResolver, UnresolvedReference, resolve_reference

__all__ = [
    "ReferenceResolver",
    "UnresolvedReference",
    "load_registry",
    "load_registry_cached",
    "registry_digest",
    "resolve_reference",
]

# Imported on first use: a command answered from the registry cache never loads the YAML
# reader and the validators.
_HOMES = {
    "load_registry": "hpm.registry.loader",
    "load_registry_cached": "hpm.registry.cache",
    "registry_digest": "hpm.registry.digest",
    "ReferenceResolver": "hpm.registry.references",
    "resolve_reference": "hpm.registry.references",
    "UnresolvedReference": "hpm.registry.references",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
