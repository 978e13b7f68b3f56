"""Turning what a user wrote (a full name, a short name, ``group:option``, a group) into a name.

The same rules serve the registry's ``default``/``requires``/``conflicts``/``when`` values, the
manifest's ``[tool.hpm.groups]`` values and the CLI's ``--option``. Order of lookup:

1. ``group:option`` — ``option`` is resolved (full or short name) inside ``group`` only;
2. a full option name (PEP 503-normalised, so ``Metric_Accuracy`` finds ``metric-accuracy``);
3. a group name, when a group is acceptable here;
4. a short name ``s``: the unique option ending in ``-s``, searched in the context group when one
   is given, else in the whole registry. Several candidates: an error naming them all.

A full name always wins over a short one: with options ``latency`` and ``metric-latency``,
``latency`` means the first.
"""

from __future__ import annotations

import difflib

from hpm.errors import UsageError
from hpm.names import is_valid_name, normalize
from solver.model import Model


class UnresolvedReference(UsageError):
    """A reference that names nothing, or names several things.

    ``candidates`` lists the options it could have meant (ambiguous) or the close matches
    (unknown). The loader turns it into a registry Problem; the CLI shows it as a usage error.
    """

    def __init__(self, text: str, message: str, hint: str = "", candidates: tuple = ()) -> None:
        super().__init__(message, hint)
        self.text = text
        self.candidates: tuple[str, ...] = tuple(candidates)


def resolve_reference(
    model: Model, text: str, *, group: str | None = None, allow_group: bool = True
) -> str:
    """The normalised option (or group) name that ``text`` refers to.

    ``group`` is the context: the reference must then be an option of that group, and short
    names are looked up among its options only. ``allow_group`` permits a bare group name as the
    answer (never when a context group is given). Raises :class:`UnresolvedReference`.
    To resolve many references against one model, use :class:`ReferenceResolver`.
    """
    return ReferenceResolver(model).resolve(text, group=group, allow_group=allow_group)


class ReferenceResolver:
    """Resolves references against one model; the short-name index is built once, on demand."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._by_suffix: dict[str, list[str]] | None = None

    def resolve(self, text: str, *, group: str | None = None, allow_group: bool = True) -> str:
        """See :func:`resolve_reference`."""
        model = self.model
        if not isinstance(text, str) or not text.strip():
            raise UnresolvedReference(str(text), "empty reference", "write an option or group name")
        if group is not None:
            group = normalize(group)
            allow_group = False
            if not model.is_group(group):
                hint = _hint(group, _groups(model))
                raise UnresolvedReference(text, f"unknown group `{group}`", hint)
        if ":" in text:
            group_text, option_text = text.split(":", 1)
            named = _name(group_text, text)
            if not model.is_group(named):
                raise UnresolvedReference(
                    text, f"unknown group `{group_text}` in `{text}`", _hint(named, _groups(model))
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
                    _hint(name, model.group(group).options),
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
        """Resolve ``text`` as a full or short option name among ``group``'s options (or all)."""
        model = self.model
        name = _name(text, whole)
        if model.is_option(name) and (group is None or model.group_of(name).name == group):
            return name
        found = tuple(
            o
            for o in self._suffixes().get(name, ())
            if group is None or model.group_of(o).name == group
        )
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
        scope = model.group(group).options if group is not None else model.options
        choices = list(scope) if group is not None else [*scope, *_groups(model)]
        close = _close(name, choices)
        raise UnresolvedReference(
            whole, f"unknown option `{whole}`{where}", _hint(name, choices, close), close
        )

    def _suffixes(self) -> dict[str, list[str]]:
        """Every short name -> the options ending in ``-<short name>``, in registry order."""
        if self._by_suffix is None:
            index: dict[str, list[str]] = {}
            for option in self.model.options:
                for i, char in enumerate(option):
                    if char == "-":
                        index.setdefault(option[i + 1 :], []).append(option)
            self._by_suffix = index
        return self._by_suffix


def _name(text: str, whole: str) -> str:
    text = text.strip()
    if not is_valid_name(text):
        raise UnresolvedReference(
            whole,
            f"`{whole}` is not a valid reference",
            "write `option`, a short name, `group:option` or `group`",
        )
    return normalize(text)


def _groups(model: Model) -> list[str]:
    return [g.name for g in model.groups]


def _close(name: str, choices: list[str]) -> tuple[str, ...]:
    """Close spellings first, then names that contain ``name`` (``vllm`` -> ``vllm-backend``)."""
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    close += [c for c in choices if name in c and c not in close]
    return tuple(close[:3])


def _hint(name: str, choices, close: tuple = ()) -> str:
    close = close or _close(name, list(choices))
    if close:
        return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
    return ""
