"""Facts about a machine, each with where it came from, and the user's overrides of them.

Standard library only (see ``hpm.machine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The facts, in the order they are shown.
FACTS = ("os", "arch", "python", "gpu", "cuda", "cuda_driver", "compute_capability", "rocm")
# Facts whose value is a version: a registry condition on them is a PEP 440 specifier.
VERSIONED = frozenset({"python", "cuda", "cuda_driver", "compute_capability", "rocm"})
# Facts whose value is a word: a registry condition on them is a value or a list of values.
CATEGORICAL = frozenset({"os", "arch", "gpu"})
# The values a categorical fact can take (None: any lower-case word, e.g. arch).
KNOWN_VALUES: Mapping[str, tuple[str, ...] | None] = {
    "os": ("linux", "macos", "windows"),
    "arch": None,
    "gpu": ("nvidia", "amd", "none"),
}
# Facts that only an NVIDIA driver provides (they follow an override of ``gpu``).
NVIDIA_FACTS = ("cuda", "cuda_driver", "compute_capability")

ENV_VAR = "HPM_MACHINE"
# The origin "file" of the rule that excludes an option this machine cannot run (no registry
# file has this name); explanations say "this machine" for it.
MACHINE_FILE = "<machine>"
_VERSION = re.compile(r"\d+(\.\d+)*")
_WORD = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact: its value (None when the machine has no such thing) and where it came from."""

    name: str
    value: str | None
    source: str  # where: a file, a command, "--machine", "HPM_MACHINE" ("" when nothing was found)
    detail: str = ""  # what the value was derived from, e.g. "nvidia driver 535.104.05"

    def origin(self) -> str:
        """``"nvidia driver 535.104.05, from /sys/module/nvidia/version"``."""
        if not self.source:
            return self.detail
        return f"{self.detail}, from {self.source}" if self.detail else f"from {self.source}"


@dataclass(frozen=True, slots=True)
class Machine:
    """All the facts of one machine (every name of ``FACTS``), and what detection warned about."""

    facts: tuple[Fact, ...]
    warnings: tuple[str, ...] = ()

    def fact(self, name: str) -> Fact:
        for fact in self.facts:
            if fact.name == name:
                return fact
        raise KeyError(name)

    def value(self, name: str) -> str | None:
        return self.fact(name).value

    def as_json(self) -> dict[str, object]:
        """The facts (null when absent) and ``sources`` (fact -> where it came from)."""
        data: dict[str, object] = {fact.name: fact.value for fact in self.facts}
        data["sources"] = {fact.name: fact.origin() for fact in self.facts}
        return data

    def lines(self) -> list[str]:
        """One line per fact: ``cuda: 12.2 (nvidia driver 535.104.05, from /sys/...)``."""
        return [f"{fact.name}: {fact.value or 'none'} ({fact.origin()})" for fact in self.facts]


class MachineSpecError(ValueError):
    """An override (``--machine KEY=VALUE``, ``HPM_MACHINE``) naming no fact or a bad value."""

    def __init__(self, origin: str, item: str, message: str, hint: str) -> None:
        super().__init__(f"{origin} {item!r}: {message}")
        self.origin = origin
        self.item = item
        self.message = message
        self.hint = hint


def parse_overrides(items: Iterable[str], origin: str) -> dict[str, Fact]:
    """``["gpu=nvidia", "cuda=12.4"]`` -> facts whose source is ``origin``.

    A versioned fact takes a dotted number or ``none`` (the machine has no such thing); ``os`` and
    ``gpu`` take one of their known values, ``arch`` any lower-case word. Later items win.
    """
    facts: dict[str, Fact] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise MachineSpecError(
                origin, item, "expected KEY=VALUE", f"for example {origin} gpu=nvidia"
            )
        if key not in FACTS:
            raise MachineSpecError(
                origin, item, f"unknown fact {key!r}", f"the facts are: {', '.join(FACTS)}"
            )
        facts[key] = Fact(key, _checked_value(key, raw, origin, item), origin)
    return facts


def overrides_from(items: Iterable[str], environ: Mapping[str, str]) -> dict[str, Fact]:
    """``HPM_MACHINE``, then ``--machine`` items on top. Raises ``MachineSpecError``."""
    facts = parse_env(environ.get(ENV_VAR, ""))
    facts.update(parse_overrides(items, "--machine"))
    return facts


def parse_env(text: str) -> dict[str, Fact]:
    """``HPM_MACHINE="gpu=nvidia,cuda=12.4"`` -> overriding facts (empty text: none)."""
    items = [part for part in text.split(",") if part.strip()]
    return parse_overrides(items, ENV_VAR)


def _checked_value(key: str, raw: str, origin: str, item: str) -> str | None:
    value = raw.lower()
    if key in VERSIONED:
        if value == "none":
            return None
        if _VERSION.fullmatch(value):
            return value
        raise MachineSpecError(
            origin, item, f"{key} must be a version such as 12.4", f"or {key}=none for no {key}"
        )
    known = KNOWN_VALUES[key]
    if known is not None and value not in known:
        raise MachineSpecError(
            origin,
            item,
            f"{key} must be one of {', '.join(known)}",
            f"for example {key}={known[0]}",
        )
    if known is None and not _WORD.fullmatch(value):
        raise MachineSpecError(
            origin, item, f"{key} must be a word such as x86_64", f"for example {key}=x86_64"
        )
    return value
