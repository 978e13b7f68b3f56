"""Options that install several packages (``packages:``), packages routed to an index, and the
conflicts that follow when two options give one package different sources.

An option's ``packages:`` is a non-empty list; each item is a package name or a mapping with
``name`` and the source fields of an option (git/path/version, ``extras``, ``marker``) plus
``index: NAME``, a name from ``indexes.yaml``. An option without ``packages:`` installs one
package named like the option, as before. ``index`` routes an index package (no ``git``/``path``).

Derived rules: when two options install the same package from different sources (another index,
version, git revision, path, extras or marker), choosing both would leave the plan ambiguous, so
the loader adds a conflict rule between them (its message names both places). Options of one
1-of-N group never need one: they cannot be chosen together anyway. Two options that agree on
a package share it: it is added once.

An option with ``packages:`` may not be named like a package that another option installs
unless it installs that package too: "option ``torch``" and "package ``torch``" would be two
different things under one name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from itertools import combinations
from pathlib import Path

from hpm.errors import location
from hpm.names import did_you_mean
from hpm.registry.catalog import Disagreement, Index, Package, Source
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.sources import SOURCE_KEYS, read_source
from hpm.registry.yamlfile import KeyPath
from solver.model import Model, Origin, Rule, RuleKind, Strategy

INDEX_KEY = "index"
BUNDLE_KEY = "packages"
PACKAGE_ITEM_KEYS = ("name", *SOURCE_KEYS, INDEX_KEY)


def read_package_source(
    check: FileChecker,
    mapping: dict,
    path: KeyPath,
    root: Path,
    origin: Origin,
    indexes: Mapping[str, Index],
) -> Source | None:
    """``read_source`` plus the ``index`` key, checked against ``indexes``; None when invalid."""
    source = read_source(check, mapping, path, root, origin)
    index = check.get_str(mapping, path, INDEX_KEY)
    if index is None:
        return source
    where = (*path, INDEX_KEY)
    if index not in indexes:
        known = ", ".join(f"`{n}`" for n in indexes) or "none (there is no indexes.yaml)"
        check.report(
            where,
            f"unknown index `{index}`",
            did_you_mean(index, indexes) or f"declare it in indexes.yaml; known indexes: {known}",
        )
        return None
    if source is None:
        return None
    if source.kind != "index":
        check.report(
            where,
            f"`index` routes a package from an index; it cannot go with `{source.kind}`",
            "keep `version`, `extras` and `marker` beside `index`",
        )
        return None
    return replace(source, index=index)


def read_bundle(
    check: FileChecker,
    option: dict,
    path: KeyPath,
    root: Path,
    indexes: Mapping[str, Index],
    catalog: Mapping[str, Source | None],
) -> tuple[Package, ...] | None:
    """The packages of an option with ``packages:``; None when anything is invalid (reported).

    An item that gives no source of its own (a bare name) takes its ``packages/<name>.yaml``
    source, as a plain option does."""
    before = len(check.problems)
    here = (*path, BUNDLE_KEY)
    own = [k for k in (*SOURCE_KEYS, INDEX_KEY) if k in option]
    if own:
        check.report(
            (*path, own[0]),
            f"an option with `packages:` gives each package its own source; `{own[0]}` here "
            "has no package to apply to",
            "move it into the items of `packages`",
        )
    items = option[BUNDLE_KEY]
    if not isinstance(items, list) or not items:
        what = "an empty list" if items == [] else type_name(items)
        check.report(here, f"`packages` must be a non-empty list, not {what}")
        return None
    packages: dict[str, Package] = {}
    for i, item in enumerate(items):
        at = (*here, i)
        package = _read_item(check, item, at, root, indexes)
        if package is None:
            continue
        if not isinstance(item, dict) or not any(k in item for k in (*SOURCE_KEYS, INDEX_KEY)):
            package = Package(package.name, catalog.get(package.name) or package.source)
        if package.name in packages:
            check.report(at, f"package `{package.name}` is listed twice in this option")
            continue
        packages[package.name] = package
    if len(check.problems) > before:
        return None
    return tuple(packages.values())


def _read_item(
    check: FileChecker, item: object, at: KeyPath, root: Path, indexes: Mapping[str, Index]
) -> Package | None:
    if isinstance(item, str):
        name = check.check_name(item, at, "package name")
        return None if name is None else Package(name, Source(origin=_origin(check, at)))
    if not isinstance(item, dict):
        check.report(at, f"a package is a name or a mapping, not {type_name(item)}")
        return None
    check.check_keys(item, at, PACKAGE_ITEM_KEYS)
    name = check.get_name(item, at)
    source = read_package_source(check, item, at, root, _origin(check, at), indexes)
    if name is None or source is None:
        return None
    return Package(name, source)


def _origin(check: FileChecker, at: KeyPath) -> Origin:
    return Origin(check.file, check.key(at), check.line(at))


def sharing(model: Model, bundles: Mapping[str, tuple[Package, ...]]) -> tuple[str, ...]:
    """The options, in registry order, that may install a package another option installs too:
    those with ``packages:`` and those named like one of their packages. Any other option
    installs one package named like itself, and no other option has its name."""
    named = {package.name for packages in bundles.values() for package in packages}
    if not named:
        return ()
    return tuple(o for o in model.options if o in bundles or o in named)


def disagreements(
    model: Model,
    options: Iterable[str],
    packages_of: Callable[[str], tuple[Package, ...]],
    where: Mapping[str, Origin],
) -> tuple[Disagreement, ...]:
    """Every pair of ``options`` (:func:`sharing`'s) that may be chosen together and give one
    package two sources.

    ``where`` locates each option (for packages whose source was written nowhere: a plain
    option that comes from the default index by name).
    """
    providers: dict[str, list[tuple[str, Package]]] = {}
    for option in options:
        for package in packages_of(option):
            providers.setdefault(package.name, []).append((option, package))
    found = []
    for name, offers in providers.items():
        for (a, pa), (b, pb) in combinations(offers, 2):
            if pa.source.same_as(pb.source) or _exclusive(model, a, b):
                continue
            origins = (_located(pa, where[a]), _located(pb, where[b]))
            found.append(Disagreement(name, (a, b), origins))
    return tuple(found)


def _exclusive(model: Model, a: str, b: str) -> bool:
    group = model.group_of(a)
    return group.strategy is Strategy.ONE and model.group_of(b).name == group.name


def _located(package: Package, fallback: Origin) -> Origin:
    return package.source.origin if package.source.origin.file else fallback


def conflict_rules(found: Iterable[Disagreement]) -> list[Rule]:
    """One conflict rule per disagreement, at the first option's place, naming both."""
    rules = []
    for item in found:
        a, b = item.options
        first, second = item.origins
        message = (
            f"`{a}` and `{b}` install `{item.package}` from different sources "
            f"(`{b}` gives it at {location(second.file, second.line, second.key)})"
        )
        rules.append(Rule(RuleKind.CONFLICTS, (a,), (b,), first, message))
    return rules


def ambiguous_names(
    options: Iterable[str], bundles: Mapping[str, tuple[Package, ...]], packages_of: Callable
) -> dict[str, str]:
    """Bundle options named like a package another option installs, but not installing it:
    option name -> the other option (``options``: :func:`sharing`'s)."""
    installs: dict[str, str] = {}
    for option in options:
        for package in packages_of(option):
            installs.setdefault(package.name, option)
    found = {}
    for option, packages in bundles.items():
        other = installs.get(option)
        if other is not None and other != option and all(p.name != option for p in packages):
            found[option] = other
    return found
