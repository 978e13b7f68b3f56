"""Loading a registry directory: read every file, check everything, build the Registry.

Files are read in sorted order and every problem is collected; :class:`~hpm.errors.InputError`
is raised at the end with all of them. References are resolved only after every group is known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from hpm.errors import InputError, Problem
from hpm.names import normalize
from hpm.registry import bundles
from hpm.registry.catalog import Index, Package, Registry, Source
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.digest import registry_digest
from hpm.registry.groups import RawGroup, Ref, RefItem, read_group
from hpm.registry.indexes import read_indexes
from hpm.registry.references import ReferenceResolver, UnresolvedReference
from hpm.registry.rulesfile import RawRule, read_rules
from hpm.registry.sources import SOURCE_KEYS
from hpm.registry.yamlfile import read_document
from solver.model import Group, Model, Origin, Rule, RuleKind, Strategy

PACKAGE_KEYS = ("name", "description", *SOURCE_KEYS, bundles.INDEX_KEY)


@dataclass(frozen=True, slots=True)
class _Loaded:
    group: RawGroup
    check: FileChecker


def load_registry(root: Path) -> Registry:
    """Read and validate the registry at ``root``; raise ``InputError`` listing every problem."""
    root = Path(root)
    _check_layout(root)
    real = root.resolve()
    problems: list[Problem] = []
    loaded = [
        _Loaded(group, check)
        for check, stem in _documents(real, "groups", problems)
        if (group := read_group(check, stem)) is not None
    ]
    indexes = read_indexes(real, problems)
    catalog = _read_catalog(real, indexes, problems)
    rules_check = _rules_document(real, problems)
    raw_rules = read_rules(rules_check) if rules_check else []

    loaded = _unique(loaded, problems)
    # defaults and rules are references: resolve them once every group and option is known
    refs = ReferenceResolver(Model(tuple(_group(item, ()) for item in loaded)))
    groups = tuple(_group(item, _defaults(refs, item, problems)) for item in loaded)
    rules = [rule for item in loaded for rule in _option_rules(refs, item, problems)]
    rules += [rule for raw in raw_rules for rule in _registry_rule(refs, raw, problems)]
    sources, bundled = _sources(loaded, catalog, real, indexes)
    model = Model(groups, tuple(rules))
    found = _disagreements(loaded, model, sources, bundled, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return Registry(
        root=real,
        model=Model(groups, (*rules, *bundles.conflict_rules(found))),
        sources=sources,
        digest=registry_digest(real),
        bundles=bundled,
        indexes=indexes,
        disagreements=found,
    )


def _check_layout(root: Path) -> None:
    hint = "a registry is a directory with groups/<group>.yaml files (see --registry, HPM_REGISTRY)"
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise InputError(Problem(str(root), "", f"registry directory {what}", hint))
    if not (root / "groups").is_dir():
        raise InputError(Problem(str(root), "", "registry has no groups/ directory", hint))


def _documents(root: Path, folder: str, problems: list[Problem]):
    """``(checker, stem)`` for each readable ``folder/*.yaml``, in name order."""
    directory = root / folder
    if not directory.is_dir():
        return
    paths = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    if folder == "groups" and not any(p.suffix == ".yaml" for p in paths):
        problems.append(Problem(f"{folder}/", "", "no group files (groups/*.yaml) found"))
    for path in paths:
        display = f"{folder}/{path.name}"
        if path.suffix == ".yml":
            problems.append(
                Problem(display, "", "registry files end in .yaml", f"rename it {path.stem}.yaml")
            )
            continue
        if path.suffix != ".yaml":
            continue
        doc, found = read_document(path, display)
        problems += found
        if doc is not None:
            yield FileChecker(doc, problems), path.stem


def _rules_document(root: Path, problems: list[Problem]) -> FileChecker | None:
    path = root / "rules.yaml"
    if not path.exists():
        return None
    doc, found = read_document(path, "rules.yaml")
    problems += found
    return FileChecker(doc, problems, prefix="rules") if doc is not None else None


def _read_catalog(
    root: Path, indexes: dict[str, Index], problems: list[Problem]
) -> dict[str, Source | None]:
    """``packages/*.yaml``: package name -> its source (None when invalid, already reported)."""
    catalog: dict[str, Source | None] = {}
    files: dict[str, str] = {}
    for check, stem in _documents(root, "packages", problems):
        data = check.doc.data
        if not isinstance(data, dict):
            check.report((), f"a package file must be a mapping, not {type_name(data)}")
            continue
        check.check_keys(data, (), PACKAGE_KEYS)
        if "name" in data:
            name = check.get_name(data, ())
        else:
            name = check.check_name(stem, (), "package name (from the file name)")
        origin = Origin(check.file, "", check.line(()))
        source = bundles.read_package_source(check, data, (), root, origin, indexes)
        if name is None:
            continue
        if name in files:
            check.report(("name",), f"package `{name}` is also described in {files[name]}")
            continue
        files[name] = check.file
        catalog[name] = source
    return catalog


def _unique(loaded: list[_Loaded], problems: list[Problem]) -> list[_Loaded]:
    """Drop duplicate groups and options (reported, naming both places)."""
    group_at: dict[str, str] = {}
    option_at: dict[str, str] = {}
    kept = []
    for item in loaded:
        raw, check = item.group, item.check
        if raw.name in group_at:
            stem_hint = (
                "a group's name comes from its `name` key, not from the file name"
                if raw.declared and normalize(Path(check.file).stem) != raw.name
                else ""
            )
            check.report(
                ("name",), f"group `{raw.name}` is also declared in {group_at[raw.name]}", stem_hint
            )
            continue
        group_at[raw.name] = check.file
        options = []
        for option in raw.options:
            if option.name in option_at:
                check.report(
                    option.path,
                    f"option `{option.name}` is also declared in {option_at[option.name]}",
                    "option names are unique across the registry",
                )
                continue
            option_at[option.name] = f"{check.file} ({option.key})"
            options.append(option)
        kept.append(_Loaded(replace(raw, options=tuple(options)), check))
    for item in kept:
        for option in item.group.options:
            if option.name in group_at:
                item.check.report(
                    option.path,
                    f"option `{option.name}` has the name of the group in {group_at[option.name]}",
                    "a reference to it would be ambiguous: rename one of them",
                )
    return kept


def _group(item: _Loaded, default: tuple[str, ...]) -> Group:
    raw = item.group
    return Group(
        name=raw.name,
        strategy=raw.strategy or Strategy.MANY,
        options=tuple(o.name for o in raw.options),
        default=default,
        min=raw.min or 0,
        max=raw.max,
        origin=_limit_origin(item),
        description=raw.description,
    )


def _limit_origin(item: _Loaded) -> Origin:
    """Where the group's file sets its limit (``max``, else ``min``, else ``strategy``), so that
    a violated limit points at that line; the group's name line when nothing sets one."""
    raw, check = item.group, item.check
    data = check.doc.data if isinstance(check.doc.data, dict) else {}
    for key in ("max", "min", "strategy"):
        if key in data:
            return Origin(check.file, key, check.line((key,)))
    return Origin(check.file, "name" if raw.declared else "", raw.line)


def _defaults(refs: ReferenceResolver, item: _Loaded, problems: list[Problem]) -> tuple[str, ...]:
    """The group's default options, resolved in the group; also checks min/max against them."""
    raw, check = item.group, item.check
    chosen: list[str] = []
    for ref in raw.default:
        name = _resolve(refs, ref, check.file, problems, group=raw.name)
        if name is None:
            continue
        if name in chosen:
            problems.append(Problem(check.file, ref.key, f"`{name}` is listed twice", "", ref.line))
            continue
        chosen.append(name)
    if raw.strategy is Strategy.MANY and raw.option_count:  # no options: reported already
        low, high = raw.min, raw.max
        if low is not None and high is not None and low > high:
            check.report(("min",), f"`min` ({low}) is greater than `max` ({high})")
        for key, value in (("min", low), ("max", high)):
            if value is not None and value > raw.option_count:
                check.report(
                    (key,),
                    f"`{key}` ({value}) is greater than the number of options ({raw.option_count})",
                )
        if high is not None and len(chosen) > high:
            check.report(("default",), f"`default` names {len(chosen)} options but `max` is {high}")
    return tuple(chosen)


def _resolve(
    refs: ReferenceResolver,
    ref: Ref,
    file: str,
    problems: list[Problem],
    *,
    group: str | None = None,
) -> str | None:
    try:
        return refs.resolve(ref.text, group=group)
    except UnresolvedReference as e:
        problems.append(Problem(file, ref.key, e.message, e.hint, ref.line))
        return None


def _targets(
    refs: ReferenceResolver, item: RefItem, file: str, problems: list[Problem]
) -> tuple | None:
    names = [_resolve(refs, ref, file, problems) for ref in item.refs]
    if any(n is None for n in names):
        return None
    return tuple(dict.fromkeys(names))


def _option_rules(refs: ReferenceResolver, item: _Loaded, problems: list[Problem]) -> list[Rule]:
    """One rule per ``requires``/``conflicts`` item of each option."""
    file = item.check.file
    rules = []
    for option in item.group.options:
        kinds = ((RuleKind.REQUIRES, option.requires), (RuleKind.CONFLICTS, option.conflicts))
        for kind, items in kinds:
            for ref_item in items:
                targets = _targets(refs, ref_item, file, problems)
                if targets is None:
                    continue
                if option.name in targets or (
                    kind is RuleKind.CONFLICTS and item.group.name in targets
                ):
                    what = "itself" if option.name in targets else "its own group"
                    verb = "requires" if kind is RuleKind.REQUIRES else "conflicts with"
                    problems.append(
                        Problem(
                            file,
                            ref_item.key,
                            f"option `{option.name}` {verb} {what}",
                            "",
                            ref_item.line,
                        )
                    )
                    continue
                origin = Origin(file, ref_item.key, ref_item.line)
                rules += [
                    Rule(kind, (option.name,), t, origin)
                    for t in ((targets,) if kind is RuleKind.REQUIRES else ((x,) for x in targets))
                ]
    return rules


def _registry_rule(refs: ReferenceResolver, raw: RawRule, problems: list[Problem]) -> list[Rule]:
    """The rules of one ``rules.yaml`` entry: one per ``requires``/``conflicts`` item."""
    file = "rules.yaml"
    resolved = [_resolve(refs, ref, file, problems) for ref in raw.when]
    # a reference that failed is reported: do not build rules on half a condition
    named = [r for r in resolved if r is not None]
    when = tuple(dict.fromkeys(named)) if len(named) == len(resolved) else None
    rules = []
    for kind, items in ((RuleKind.REQUIRES, raw.requires), (RuleKind.CONFLICTS, raw.conflicts)):
        for ref_item in items:
            targets = _targets(refs, ref_item, file, problems)
            if targets is None or when is None:
                continue
            inside = [t for t in targets if t in when]
            if inside:
                why = "always holds" if kind is RuleKind.REQUIRES else "can never hold"
                problems.append(
                    Problem(
                        file,
                        ref_item.key,
                        f"`{inside[0]}` is in this rule's `when`, so the rule {why}",
                        "",
                        ref_item.line,
                    )
                )
                continue
            origin = Origin(file, ref_item.key, ref_item.line)
            if kind is RuleKind.REQUIRES:
                rules.append(Rule(kind, when, targets, origin, raw.message))
            else:
                rules += [Rule(kind, when, (t,), origin, raw.message) for t in targets]
    return rules


def _sources(
    loaded: list[_Loaded], catalog: dict[str, Source | None], root: Path, indexes: dict[str, Index]
) -> tuple[dict[str, Source], dict[str, tuple[Package, ...]]]:
    """Option name -> source (the option's own fields, else its packages/ file, else none), and
    option name -> packages for the options with ``packages:``."""
    sources: dict[str, Source] = {}
    bundled: dict[str, tuple[Package, ...]] = {}
    for item in loaded:
        check = item.check
        for option in item.group.options:
            if option.fields is not None and bundles.BUNDLE_KEY in option.fields:
                packages = bundles.read_bundle(check, option.fields, option.path, root, indexes)
                if packages is not None:
                    bundled[option.name] = packages
                continue
            if option.fields is not None:
                origin = Origin(check.file, option.key, option.line)
                source = bundles.read_package_source(
                    check, option.fields, option.path, root, origin, indexes
                )
            else:
                source = catalog.get(option.name)
            if source is not None:
                sources[option.name] = source
    return sources, bundled


def _disagreements(
    loaded: list[_Loaded],
    model: Model,
    sources: dict[str, Source],
    bundled: dict[str, tuple[Package, ...]],
    problems: list[Problem],
) -> tuple:
    """Options that give one package different sources; bundles named like others' packages."""
    if problems:  # half-read sources would give wrong answers
        return ()
    partial = Registry(root=Path(), model=model, sources=sources, bundles=bundled)
    where = {
        option.name: Origin(item.check.file, option.key, option.line)
        for item in loaded
        for option in item.group.options
    }
    for option, other in bundles.ambiguous_names(model, bundled, partial.packages).items():
        at = where[option]
        problems.append(
            Problem(
                at.file,
                at.key,
                f"option `{option}` is named like package `{option}`, which `{other}` installs, "
                "but does not install it",
                "rename the option, or add the package to its `packages`",
                at.line,
            )
        )
    return bundles.disagreements(model, partial.packages, where)
