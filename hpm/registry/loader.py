"""Loading a registry: read every file of every layer, check everything, build the Registry.

Files are read in sorted order and every problem is collected; :class:`~hpm.errors.InputError`
is raised at the end with all of them. References are resolved only after every group of every
layer is known, so rules (and packages' index names) may refer across layers.

Layers (``[tool.hpm] registry = [...]``): their groups, packages, indexes and rules form one
registry. A group file, package file or index entry that names a group, package or index an
earlier layer defines is an error naming both files, unless it says ``override: true``: then it
replaces the earlier one (a group with all its options). In a layered registry every file is
named with its layer's label in front.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hpm.errors import InputError, Problem
from hpm.gcpause import collector_paused
from hpm.names import normalize
from hpm.registry import bundles
from hpm.registry.catalog import Index, Package, Registry, Source
from hpm.registry.checks import FileChecker, type_name
from hpm.registry.digest import combine, hash_bytes
from hpm.registry.groups import RawGroup, RawOption, Ref, RefItem, read_group, read_override
from hpm.registry.indexes import INDEXES_FILE, read_indexes
from hpm.registry.parallel import Parsed, ParsedFiles
from hpm.registry.references import ReferenceResolver, UnresolvedReference
from hpm.registry.rulesfile import RawRule, read_rules
from hpm.registry.sources import SOURCE_KEYS
from hpm.registry.yamlfile import Document, parse_document, read_registry_bytes
from solver.model import Group, Model, Origin, Rule, RuleKind, Strategy

RULES_FILE = "rules.yaml"
FOLDERS = ("groups", "packages")  # the folders of YAML files a layer may have
PACKAGE_KEYS = ("name", "description", "override", *SOURCE_KEYS, bundles.INDEX_KEY)


@dataclass(frozen=True, slots=True)
class Layer:
    """One registry directory of a (possibly layered) registry."""

    root: Path
    label: str = ""  # how messages name the layer; files are shown as "<label>/groups/x.yaml"

    def display(self, relative: str) -> str:
        if not self.label:
            return relative
        separator = ":" if self.label.startswith("git+") else "/"
        return f"{self.label.rstrip('/')}{separator}{relative}"


@dataclass(frozen=True, slots=True)
class _Loaded:
    group: RawGroup
    check: FileChecker
    layer: int = 0
    replaces: str = ""  # the file of the group this one overrides


@dataclass(slots=True)
class _Files:
    """Reads one layer's registry files, keeping what each adds to the registry's digest (so
    that the digest comes from the bytes that were checked, without reading them again)."""

    root: Path  # the layer's real root
    layer: Layer
    problems: list[Problem]
    parts: list[tuple[str, int, str]] = field(default_factory=list)
    # read ahead and not yet asked for: the index in `parsing`, or why the file cannot be read
    ahead: dict[str, int | Parsed] = field(default_factory=dict)
    parsing: ParsedFiles | None = None
    listed: dict[str, list[str]] = field(default_factory=dict)  # folder -> its listing

    def read_ahead(self) -> None:
        """Read the layer's group, package and rules files now, to parse them (when asked for)
        on two cores if they are large (:class:`~hpm.registry.parallel.ParsedFiles`)."""
        names = [
            f"{folder}/{name}"
            for folder in FOLDERS
            for name in self.listing(folder)
            if name.endswith(".yaml")
        ]
        names += [RULES_FILE] if (self.root / RULES_FILE).exists() else []
        read: list[tuple[bytes, str]] = []
        for relative in names:
            raw, display, problems = self._raw(relative)
            if raw is None:
                self.ahead[relative] = (None, problems)
                continue
            self.ahead[relative] = len(read)
            read.append((raw, display))
        self.parsing = ParsedFiles(read)

    def _raw(self, relative: str) -> tuple[bytes | None, str, list[Problem]]:
        """The bytes of ``relative`` (their hash kept for the digest), its display name, and
        the problem that stops hpm reading it."""
        display = self.layer.display(relative)
        # joined as text: a Path per file cost ~2% of a large load
        raw, problem = read_registry_bytes(f"{self.root}/{relative}", display)
        if raw is not None:
            self.parts.append((relative, *hash_bytes(raw)))
        return raw, display, [problem] if problem else []

    def close(self) -> None:
        """Stop parsing ahead (a child process still parsing is ended)."""
        if self.parsing is not None:
            self.parsing.close()

    def listing(self, folder: str) -> list[str]:
        """The names in ``folder`` that are not hidden and not directories, sorted ([] when
        there is no such directory); listed once."""
        names = self.listed.get(folder)
        if names is None:
            names = self.listed[folder] = _listing(self.root / folder)
        return names

    def read(self, relative: str) -> Document | None:
        """The parsed ``relative`` (a posix path under the root); None when it cannot be used."""
        ready = self.ahead.pop(relative, None)
        if isinstance(ready, int) and self.parsing is not None:
            ready = self.parsing[ready]
        if not isinstance(ready, tuple):  # not read ahead (indexes.yaml)
            raw, display, problems = self._raw(relative)
            ready = parse_document(raw, display) if raw is not None else (None, problems)
        doc, found = ready
        self.problems += found
        return doc

    def read_optional(self, relative: str) -> Document | None:
        """:meth:`read`, or None without a problem when the file does not exist."""
        return self.read(relative) if (self.root / relative).exists() else None

    @property
    def digest(self) -> str:
        """The layer's digest (:func:`~hpm.registry.digest.registry_digest`) over what was read."""
        return combine(sorted(self.parts))


@dataclass(slots=True)
class _Catalog:
    sources: dict[str, Source | None] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (file, layer)


def load_registry(root: Path) -> Registry:
    """Read and validate the registry at ``root``; raise ``InputError`` listing every problem."""
    return load_layers([Layer(Path(root))])


def load_layers(layers: Sequence[Layer]) -> Registry:
    """Read and validate the layers as one registry; ``InputError`` lists every problem.

    The cyclic garbage collector is paused meanwhile: the load makes no reference cycles (the
    documents and everything built from them are freed by reference counting), but it keeps
    every parsed file alive until the end, and each automatic full collection would walk all
    of them again (a third of the load's time on automotive2_4, growing with the registry).
    """
    with collector_paused():
        return _load_layers(layers)


def _load_layers(layers: Sequence[Layer]) -> Registry:
    for layer in layers:
        _check_layout(layer.root)
    problems: list[Problem] = []
    files = [_Files(layer.root.resolve(), layer, problems) for layer in layers]
    try:
        return _load_files(files, problems)
    finally:
        for layer_files in files:
            layer_files.close()


def _load_files(files: list[_Files], problems: list[Problem]) -> Registry:
    reals = [f.root for f in files]
    layered: dict[str, tuple[Index, int]] = {}
    for index, layer_files in enumerate(files):
        doc = layer_files.read_optional(INDEXES_FILE)
        declared = read_indexes(doc, layer_files.root, problems) if doc is not None else {}
        _merge_indexes(layered, declared, index, problems)
    indexes = {name: replace(entry, override=False) for name, (entry, _) in layered.items()}
    loaded: list[_Loaded] = []
    catalog = _Catalog()
    raw_rules: list[tuple[RawRule, str]] = []
    for index, layer_files in enumerate(files):
        layer_files.read_ahead()
        loaded += [
            _Loaded(group, check, index)
            for check, stem in _documents(layer_files, "groups")
            if (group := read_group(check, stem)) is not None
        ]
        _read_catalog(layer_files, index, indexes, catalog)
        rules_check = _rules_document(layer_files)
        if rules_check:
            raw_rules += [(raw, rules_check.file) for raw in read_rules(rules_check)]

    loaded = _unique(loaded, problems)
    # defaults and rules are references: resolve them once every group and option is known
    first = tuple(_group(item, ()) for item in loaded)
    refs = ReferenceResolver(Model(first))
    groups = tuple(
        _with_default(group, _defaults(refs, item, problems))
        for group, item in zip(first, loaded, strict=True)
    )
    rules = [rule for item in loaded for rule in _option_rules(refs, item, problems)]
    rules += [rule for raw, file in raw_rules for rule in _registry_rule(refs, raw, file, problems)]
    sources, bundled = _sources(loaded, catalog.sources, reals, indexes)
    model = Model(groups, tuple(rules))
    found = _disagreements(loaded, model, sources, bundled, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return Registry(
        root=reals[0],
        model=Model(groups, (*rules, *bundles.conflict_rules(found))) if found else model,
        sources=sources,
        digest=_digest(files),
        bundles=bundled,
        indexes=indexes,
        disagreements=found,
        overrides={item.group.name: item.replaces for item in loaded if item.replaces},
        conditions={
            option.name: option.machine
            for item in loaded
            for option in item.group.options
            if option.machine
        },
    )


def _digest(files: Sequence[_Files]) -> str:
    """One layer: its digest. Several: a digest over each layer's label and digest, in order."""
    if len(files) == 1:
        return files[0].digest
    combined = hashlib.sha256()
    for layer_files in files:
        combined.update(f"{layer_files.layer.label}\0{layer_files.digest}\n".encode())
    return "sha256:" + combined.hexdigest()


def _merge_indexes(
    merged: dict[str, tuple[Index, int]],
    found: dict[str, Index],
    layer: int,
    problems: list[Problem],
) -> None:
    """Add one layer's indexes; a name an earlier layer declared needs ``override: true``."""
    for name, index in found.items():
        if name in merged and not index.override:
            at = index.origin
            problems.append(
                Problem(at.file, at.key, f"index `{name}` is also declared in "
                        f"{merged[name][0].origin.file}", _override_hint(True), at.line)
            )  # fmt: skip
            continue
        merged[name] = (index, layer)


def _override_hint(later_layer: bool) -> str:
    return "add `override: true` to replace the earlier one" if later_layer else ""


def _check_layout(root: Path) -> None:
    hint = "a registry is a directory with groups/<group>.yaml files (see --registry, HPM_REGISTRY)"
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise InputError(Problem(str(root), "", f"registry directory {what}", hint))
    if not (root / "groups").is_dir():
        raise InputError(Problem(str(root), "", "registry has no groups/ directory", hint))


def _documents(files: _Files, folder: str):
    """``(checker, stem)`` for each readable ``folder/*.yaml``, in name order."""
    layer, problems = files.layer, files.problems
    if not (files.root / folder).is_dir():
        return
    names = files.listing(folder)
    if folder == "groups" and not any(name.endswith(".yaml") for name in names):
        problems.append(
            Problem(layer.display(f"{folder}/"), "", "no group files (groups/*.yaml) found")
        )
    for name in names:
        if name.endswith(".yml"):
            problems.append(
                Problem(
                    layer.display(f"{folder}/{name}"),
                    "",
                    "registry files end in .yaml",
                    f"rename it {name[:-4]}.yaml",
                )
            )
            continue
        if not name.endswith(".yaml"):
            continue
        doc = files.read(f"{folder}/{name}")
        if doc is not None:
            yield FileChecker(doc, problems), name[:-5]


def _listing(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    # Not only regular files: a FIFO or a link to a device must be reported, not skipped.
    with os.scandir(directory) as entries:  # is_dir() from the listing: no stat per file
        return sorted(e.name for e in entries if not e.name.startswith(".") and not _is_dir(e))


def _is_dir(entry: os.DirEntry) -> bool:
    """As ``Path.is_dir``: a link loop or an unreadable target is no directory (reported when
    read)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _rules_document(files: _Files) -> FileChecker | None:
    doc = files.read_optional(RULES_FILE)
    return FileChecker(doc, files.problems, prefix="rules") if doc is not None else None


def _read_catalog(files: _Files, index: int, indexes: dict[str, Index], catalog: _Catalog) -> None:
    """``packages/*.yaml`` into ``catalog``: package name -> its source (None when invalid)."""
    root = files.root
    for check, stem in _documents(files, "packages"):
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
        override = read_override(check, data)
        if name is None:
            continue
        if name in catalog.files:
            file, where = catalog.files[name]
            if not (override and index > where):
                check.report(
                    ("name",),
                    f"package `{name}` is also described in {file}",
                    _override_hint(index > where),
                )
                continue
        catalog.files[name] = (check.file, index)
        catalog.sources[name] = source


def _unique(loaded: list[_Loaded], problems: list[Problem]) -> list[_Loaded]:
    """Apply overrides; drop duplicate groups and options (reported, naming both places)."""
    winners: dict[str, _Loaded] = {}
    for item in loaded:
        raw, check = item.group, item.check
        earlier = winners.get(raw.name)
        if earlier is None:
            winners[raw.name] = item
            continue
        if raw.override and item.layer > earlier.layer:
            winners[raw.name] = replace(item, replaces=earlier.check.file)
            continue
        stem_hint = (
            "a group's name comes from its `name` key, not from the file name"
            if raw.declared and normalize(Path(check.file).stem) != raw.name
            else _override_hint(item.layer > earlier.layer)
        )
        check.report(
            ("name",), f"group `{raw.name}` is also declared in {earlier.check.file}", stem_hint
        )
    group_at = {name: item.check.file for name, item in winners.items()}
    option_at: dict[str, tuple[str, RawOption]] = {}
    kept = []
    for item in winners.values():
        check = item.check
        options = []
        for option in item.group.options:
            if option.name in option_at:
                file, first = option_at[option.name]
                check.report(
                    option.path,
                    f"option `{option.name}` is also declared in {file} ({first.key})",
                    "option names are unique across the registry",
                )
                continue
            option_at[option.name] = (check.file, option)
            options.append(option)
        if len(options) < len(item.group.options):
            item = replace(item, group=replace(item.group, options=tuple(options)))
        kept.append(item)
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


def _with_default(group: Group, default: tuple[str, ...]) -> Group:
    return replace(group, default=default) if default else group


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
    if len(item.refs) == 1:  # a plain item
        name = _resolve(refs, item.refs[0], file, problems)
        return None if name is None else (name,)
    names = [_resolve(refs, ref, file, problems) for ref in item.refs]
    if any(n is None for n in names):
        return None
    return tuple(dict.fromkeys(names))


def _option_rules(refs: ReferenceResolver, item: _Loaded, problems: list[Problem]) -> list[Rule]:
    """One rule per ``requires``/``conflicts`` item of each option."""
    file = item.check.file
    rules = []
    for option in item.group.options:
        if not (option.requires or option.conflicts):
            continue
        when = (option.name,)
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
                if kind is RuleKind.REQUIRES:
                    rules.append(Rule(kind, when, targets, origin))
                else:
                    rules += [Rule(kind, when, (x,), origin) for x in targets]
    return rules


def _registry_rule(
    refs: ReferenceResolver, raw: RawRule, file: str, problems: list[Problem]
) -> list[Rule]:
    """The rules of one ``rules.yaml`` entry: one per ``requires``/``conflicts`` item."""
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
    loaded: list[_Loaded],
    catalog: dict[str, Source | None],
    roots: Sequence[Path],
    indexes: dict[str, Index],
) -> tuple[dict[str, Source], dict[str, tuple[Package, ...]]]:
    """Option name -> source (the option's own fields, else its packages/ file, else none), and
    option name -> packages for the options with ``packages:``."""
    sources: dict[str, Source] = {}
    bundled: dict[str, tuple[Package, ...]] = {}
    for item in loaded:
        check, root = item.check, roots[item.layer]
        for option in item.group.options:
            if option.fields is not None and bundles.BUNDLE_KEY in option.fields:
                packages = bundles.read_bundle(
                    check, option.fields, option.path, root, indexes, catalog
                )
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
    shared = bundles.sharing(model, bundled)
    if not shared:
        return ()
    partial = Registry(root=Path(), model=model, sources=sources, bundles=bundled)
    wanted = set(shared)
    where = {
        option.name: Origin(item.check.file, option.key, option.line)
        for item in loaded
        for option in item.group.options
        if option.name in wanted
    }
    for option, other in bundles.ambiguous_names(shared, bundled, partial.packages).items():
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
    return bundles.disagreements(model, shared, partial.packages, where)
