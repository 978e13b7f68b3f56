"""The one name resolver: what a user wrote (a name, a short name, ``group:option``) -> a name.

The same rules serve the registry's ``default``/``requires``/``conflicts``/``when`` values, the
manifest's ``[tool.hpm.groups]`` keys and values, and the CLI's GROUP arguments and ``--option``.

A group is named by its name (PEP 503-normalised). An option reference is looked up in this order:

1. ``group:option``: ``option`` is resolved (full or short name) inside ``group`` only;
2. a full option name (PEP 503-normalised, so ``Metric_Accuracy`` finds ``metric-accuracy``);
3. a group name, where a group is acceptable (a registry rule's ``when``/``requires``);
4. a short name, searched in the context group when there is one, else in every group.

A short name is what follows a *shared prefix* of the option's group: a prefix ending in ``-``
that at least two options of the group start with, or the group's own name followed by ``-``.
``metric-accuracy`` -> ``accuracy`` (every ``metrics`` option starts with ``metric-``);
``vlm-adapter-qwen`` -> ``qwen`` (``vlm-adapter-deepseek`` starts with ``vlm-adapter-`` too);
``net-latency`` -> ``latency`` in group ``net``. A name that merely ends in ``-w`` (``tomli-w``
beside ``hello-git``) has no short name, and no substring is ever a name. A full name always wins
over a short one; a short name that fits several options is an error naming them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from hpm.errors import UsageError
from hpm.names import close_matches, did_you_mean, normal_name, normalize
from solver.model import Group, Model


class UnresolvedReference(UsageError):
    """A reference that names nothing, or names several things.

    ``candidates`` lists the names it could have meant (ambiguous) or the close matches
    (unknown). The loader and the manifest turn it into a Problem; the CLI shows it as a usage
    error (exit 2).
    """

    def __init__(
        self, text: str, message: str, hint: str = "", candidates: Iterable[str] = ()
    ) -> None:
        super().__init__(message, hint)
        self.text = text
        self.candidates: tuple[str, ...] = tuple(candidates)


def resolve_reference(
    model: Model, text: str, *, group: str | None = None, allow_group: bool = True
) -> str:
    """The normalised option (or group) name that ``text`` refers to (see the module docstring).

    To resolve many references against one model, use :class:`ReferenceResolver`.
    """
    return ReferenceResolver(model).resolve(text, group=group, allow_group=allow_group)


def short_names(group: Group) -> dict[str, tuple[str, ...]]:
    """Every short name of ``group``'s options -> the options it fits, in registry order."""
    shared = Counter(
        option[: i + 1] for option in group.options for i, c in enumerate(option) if c == "-"
    )
    own = group.name + "-"
    index: dict[str, list[str]] = {}
    for option in group.options:
        for i, char in enumerate(option):
            prefix = option[: i + 1]
            if char == "-" and (shared[prefix] >= 2 or prefix == own):
                index.setdefault(option[i + 1 :], []).append(option)
    return {short: tuple(options) for short, options in index.items()}


class ReferenceResolver:
    """Resolves references against one model; each group's short names are indexed on demand."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._short: dict[str, dict[str, tuple[str, ...]]] = {}

    def group(self, text: str) -> Group:
        """The group named ``text``; an error with close names, or saying it is an option."""
        model = self.model
        name = normalize(text.strip()) if isinstance(text, str) else ""
        if name and model.is_group(name):
            return model.group(name)
        groups = _groups(model)
        if name and model.is_option(name):
            owner = model.group_of(name).name
            raise UnresolvedReference(
                text,
                f"`{text}` is an option, not a group",
                f"it belongs to group `{owner}`: hpm group add {owner} --option {name}",
                (owner,),
            )
        close = close_matches(name, groups)
        raise UnresolvedReference(
            text,
            f"unknown group `{text}`",
            did_you_mean(name, groups) or f"groups in the registry: {', '.join(groups)}",
            close,
        )

    def options(self, group: Group, texts: Iterable[str]) -> tuple[str, ...]:
        """Each of ``texts`` as an option of ``group``, in order, each once."""
        return tuple(dict.fromkeys(self.resolve(t, group=group.name) for t in texts))

    def resolve(self, text: str, *, group: str | None = None, allow_group: bool = True) -> str:
        """See :func:`resolve_reference`; with a ``group``, the answer is an option of it."""
        model = self.model
        if not isinstance(text, str) or not text.strip():
            raise UnresolvedReference(str(text), "empty reference", "write an option or group name")
        if group is None and model.is_option(text):  # a full name as written: rule 2, at once
            return text
        if group is not None:
            group = self.group(group).name
            allow_group = False
        if ":" in text:
            group_text, option_text = text.split(":", 1)
            named = _name(group_text, text)
            if not model.is_group(named):
                raise UnresolvedReference(
                    text,
                    f"unknown group `{group_text}` in `{text}`",
                    did_you_mean(named, _groups(model)),
                )
            if group is not None and named != group:
                raise UnresolvedReference(
                    text, f"`{text}` names group `{named}`, but an option of `{group}` is expected"
                )
            return self._option_in(option_text, text, named)
        name = _name(text, text)
        if model.is_option(name):
            owner = model.group_of(name).name
            if group is not None and owner != group:
                raise UnresolvedReference(
                    text,
                    f"`{name}` is an option of group `{owner}`, not of `{group}`",
                    did_you_mean(name, model.group(group).options)
                    or f"options of `{group}`: {', '.join(model.group(group).options)}",
                )
            return name
        if model.is_group(name):
            if allow_group:
                return name
            options = ", ".join(f"`{o}`" for o in model.group(name).options)
            raise UnresolvedReference(
                text,
                f"`{name}` is a group; an option is expected here",
                f"name one of its options: {options}",
            )
        return self._option_in(text, text, group)

    def _option_in(self, text: str, whole: str, group: str | None) -> str:
        """``text`` as a full or short option name among ``group``'s options (or all)."""
        model = self.model
        name = _name(text, whole)
        if model.is_option(name) and (group is None or model.group_of(name).name == group):
            return name
        groups = [model.group(group)] if group is not None else model.groups
        found = tuple(o for g in groups for o in self._short_names(g).get(name, ()))
        if len(found) == 1:
            return found[0]
        where = f" in group `{group}`" if group is not None else ""
        if found:
            listed = ", ".join(f"`{o}`" for o in found)
            raise UnresolvedReference(
                whole,
                f"ambiguous reference `{whole}`{where}: it could mean {listed}",
                "write the full option name",
                found,
            )
        if group is not None:
            elsewhere = self._elsewhere(name, group)
            if elsewhere:
                raise UnresolvedReference(
                    whole,
                    f"`{whole}` is an option of group `{elsewhere}`, not of `{group}`",
                    did_you_mean(name, model.group(group).options)
                    or f"options of `{group}`: {', '.join(model.group(group).options)}",
                )
            choices = list(model.group(group).options)
        else:
            choices = [*model.options, *_groups(model)]
        close = close_matches(name, choices)
        hint = did_you_mean(name, choices)
        if not hint and group is not None:
            hint = f"options of `{group}`: {', '.join(choices)}"
        raise UnresolvedReference(whole, f"unknown option `{whole}`{where}", hint, close)

    def _elsewhere(self, name: str, group: str) -> str | None:
        """The one other group that has an option with this short name, if exactly one does."""
        owners = [
            g.name for g in self.model.groups if g.name != group and name in self._short_names(g)
        ]
        return owners[0] if len(owners) == 1 else None

    def _short_names(self, group: Group) -> dict[str, tuple[str, ...]]:
        if group.name not in self._short:
            self._short[group.name] = short_names(group)
        return self._short[group.name]


def _name(text: str, whole: str) -> str:
    name = normal_name(text.strip())
    if name is None:
        raise UnresolvedReference(
            whole,
            f"`{whole}` is not a valid reference",
            "write `option`, a short name, `group:option` or `group`",
        )
    return name


def _groups(model: Model) -> list[str]:
    return [g.name for g in model.groups]
