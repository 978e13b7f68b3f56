"""A reader for the boolean subset of UVL (Universal Variability Language) feature models.

Supported: ``namespace``, the ``features`` tree (``mandatory``, ``optional``, ``alternative``,
``or``, group cardinalities ``[n..m]`` / ``[n]`` / ``[n..*]``), quoted feature names, attribute
blocks (``{abstract}``, ``{abstract true, key "odd, {string}"}``), ``//`` and ``/* */`` comments,
and a ``constraints`` section of propositional formulas (``!``, ``&``, ``|``, ``=>``, ``<=>``,
parentheses). Everything else (``imports``/``include``, typed or cardinality features,
arithmetic constraints) raises ``UvlError`` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

Formula = tuple  # ("var", name) | ("not", f) | (op, f, g) with op in and/or/implies/iff


class UvlError(ValueError):
    """A UVL construct this reader cannot convert (or a malformed file)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(slots=True)
class Feature:
    """A feature and the groups of children under it."""

    name: str
    line: int
    abstract: bool = False
    groups: list[FeatureGroup] = field(default_factory=list)


@dataclass(slots=True)
class FeatureGroup:
    """``kind`` is mandatory | optional | alternative | or | cardinality (with min/max)."""

    kind: str
    line: int
    min: int = 0
    max: int | None = None
    children: list[Feature] = field(default_factory=list)


@dataclass(slots=True)
class FeatureModel:
    """A parsed UVL file: the feature tree and the cross-tree constraints."""

    path: str
    namespace: str | None
    root: Feature
    constraints: list[tuple[int, Formula]]  # (line, formula)

    def features(self) -> list[Feature]:
        """Every feature, depth first in file order."""
        out: list[Feature] = []
        stack = [self.root]
        while stack:
            f = stack.pop()
            out.append(f)
            stack.extend(reversed([c for g in f.groups for c in g.children]))
        return out


_GROUP_KINDS = {"mandatory", "optional", "alternative", "or"}
_CARD = re.compile(r"^(?:cardinality\s*)?\[\s*(\d+)\s*(?:\.\.\s*(\d+|\*)\s*)?\]$")
_TYPES = {"Boolean", "Integer", "Real", "String"}
_TOKEN = re.compile(r'\s*(<=>|=>|&|\||!|\(|\)|"[^"]*"|[^\s&|!()<=>"]+|\S)')


def _strip_comments(text: str) -> str:
    """Remove comments, keeping line numbers and quoted strings intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            j = n - 1 if j < 0 else j
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _split_attributes(path: str, line: int, rest: str) -> tuple[bool, str]:
    """Parse ``{...}`` after a feature name; return (abstract, text after the block)."""
    depth, i, start = 0, 0, None
    while i < len(rest):
        c = rest[i]
        if c == '"':
            j = rest.find('"', i + 1)
            if j < 0:
                raise UvlError(path, line, "unterminated string in attributes")
            i = j
        elif c == "{":
            depth += 1
            start = i if start is None else start
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    if start is None or depth != 0:
        raise UvlError(path, line, f"cannot read attributes {rest!r}")
    body, after = rest[start + 1 : i], rest[i + 1 :]
    abstract = False
    for attr in _top_level_split(body):
        words = attr.split()
        if words and words[0] == "abstract":
            abstract = len(words) == 1 or words[1].lower() == "true"
    return abstract, after


def _top_level_split(body: str) -> list[str]:
    """Split an attribute body at commas outside strings and braces."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(body):
        c = body[i]
        if c == '"':
            j = body.find('"', i + 1)
            cur.append(body[i : j + 1])
            i = j + 1
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def _parse_feature_line(path: str, line: int, text: str) -> Feature:
    words = text.split(None, 1)
    if words[0] in _TYPES and len(words) > 1:
        if words[0] != "Boolean":
            raise UvlError(path, line, f"typed feature ({words[0]}) is not supported")
        text = words[1]
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            raise UvlError(path, line, "unterminated quoted feature name")
        name, rest = text[1:end], text[end + 1 :].strip()
    else:
        m = re.match(r"[^\s{]+", text)
        assert m is not None
        name, rest = m.group(0), text[m.end() :].strip()
    if rest.startswith("cardinality"):
        raise UvlError(path, line, f"feature cardinality on {name!r} is not supported")
    abstract = False
    if rest:
        abstract, rest = _split_attributes(path, line, rest)
        if rest.strip():
            raise UvlError(path, line, f"unexpected text after feature {name!r}: {rest.strip()!r}")
    return Feature(name, line, abstract)


def _parse_group_line(path: str, line: int, text: str) -> FeatureGroup | None:
    if text in _GROUP_KINDS:
        return FeatureGroup(text, line)
    m = _CARD.match(text)
    if m is None:
        return None
    low = int(m.group(1))
    high = m.group(2)
    top = low if high is None else (None if high == "*" else int(high))
    if top is not None and top < low:
        raise UvlError(path, line, f"group cardinality {text} has max < min")
    return FeatureGroup("cardinality", line, low, top)


def _parse_tree(path: str, lines: list[tuple[int, int, str]]) -> Feature:
    """Build the tree from (line, indent, text) entries of the features section."""
    root: Feature | None = None
    stack: list[tuple[int, Feature | FeatureGroup]] = []
    for number, indent, text in lines:
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        group = _parse_group_line(path, number, text)
        if group is not None:
            if not isinstance(parent, Feature):
                raise UvlError(path, number, f"group {text!r} is not under a feature")
            parent.groups.append(group)
            stack.append((indent, group))
            continue
        feature = _parse_feature_line(path, number, text)
        if parent is None:
            if root is not None:
                raise UvlError(path, number, "a second root feature")
            root = feature
        elif isinstance(parent, FeatureGroup):
            parent.children.append(feature)
        else:
            raise UvlError(path, number, f"feature {feature.name!r} is not inside a group keyword")
        stack.append((indent, feature))
    if root is None:
        raise UvlError(path, 1, "no root feature")
    return root


class _FormulaParser:
    """Precedence, loosest first: <=>, =>, |, &, ! (left associative, as UVL's grammar)."""

    _LEVELS = (("<=>", "iff"), ("=>", "implies"), ("|", "or"), ("&", "and"))

    def __init__(self, path: str, line: int, text: str) -> None:
        self.path, self.line = path, line
        self.tokens = [t for t in _TOKEN.findall(text) if t]
        self.pos = 0

    def fail(self, message: str) -> UvlError:
        return UvlError(self.path, self.line, message)

    def parse(self) -> Formula:
        f = self.binary(0)
        if self.pos != len(self.tokens):
            raise self.fail(
                f"unsupported token {self.tokens[self.pos]!r} in constraint"
                " (only boolean formulas: ! & | => <=> and parentheses)"
            )
        return f

    def binary(self, level: int) -> Formula:
        if level == len(self._LEVELS):
            return self.unary()
        symbol, op = self._LEVELS[level]
        left = self.binary(level + 1)
        while self.pos < len(self.tokens) and self.tokens[self.pos] == symbol:
            self.pos += 1
            left = (op, left, self.binary(level + 1))
        return left

    def unary(self) -> Formula:
        if self.pos >= len(self.tokens):
            raise self.fail("constraint ends too early")
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "!":
            return ("not", self.unary())
        if tok == "(":
            f = self.binary(0)
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise self.fail("missing ')' in constraint")
            self.pos += 1
            return f
        if tok.startswith('"'):
            return ("var", tok[1:-1])
        if re.fullmatch(r"[A-Za-z_][^\s]*", tok) and not re.search(r"[<>=+*/,]", tok):
            return ("var", tok)
        raise self.fail(f"unsupported token {tok!r} in constraint (only boolean formulas)")


def parse_uvl(path: str | Path) -> FeatureModel:
    """Read a UVL file (see the module docstring for what is supported)."""
    name = str(path)
    text = _strip_comments(Path(path).read_text(encoding="utf-8"))
    section, namespace = None, None
    tree: list[tuple[int, int, str]] = []
    constraints: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        head = raw[: len(raw) - len(raw.lstrip())]
        indent, body = len(head.expandtabs(4)), raw.strip()
        if indent == 0:
            word = body.split()[0]
            if word == "namespace":
                namespace = body.split(None, 1)[1].strip() if " " in body else ""
                section = None
            elif word in ("features", "constraints"):
                section = word
            elif word in ("imports", "include"):
                raise UvlError(name, number, f"'{word}' is not supported (single-file models only)")
            else:
                raise UvlError(name, number, f"unknown top-level keyword {word!r}")
            continue
        if section == "features":
            tree.append((number, indent, body))
        elif section == "constraints":
            if constraints and _open_parens(constraints[-1][1]) > 0:
                constraints[-1] = (constraints[-1][0], constraints[-1][1] + " " + body)
            else:
                constraints.append((number, body))
        else:
            raise UvlError(name, number, "text outside a features/constraints section")
    root = _parse_tree(name, tree)
    formulas = [(n, _FormulaParser(name, n, c).parse()) for n, c in constraints]
    model = FeatureModel(name, namespace, root, formulas)
    known = {f.name for f in model.features()}
    for n, f in formulas:
        for var in _variables(f):
            if var not in known:
                raise UvlError(name, n, f"constraint names unknown feature {var!r}")
    return model


def _open_parens(text: str) -> int:
    text = re.sub(r'"[^"]*"', "", text)
    return text.count("(") - text.count(")")


def _variables(f: Formula) -> list[str]:
    if f[0] == "var":
        return [f[1]]
    return [v for sub in f[1:] for v in _variables(sub)]


Literal = tuple[str, bool]  # (feature, positive)


def to_clauses(f: Formula, limit: int = 10_000) -> list[frozenset[Literal]]:
    """CNF of a formula by distribution (no helper variables); tautologies dropped.

    ``limit`` bounds the number of clauses one formula may expand to (ValueError beyond).
    """

    def nnf(f: Formula, positive: bool) -> Formula:
        op = f[0]
        if op == "var":
            return ("lit", f[1], positive)
        if op == "not":
            return nnf(f[1], not positive)
        if op == "implies":
            return nnf(("or", ("not", f[1]), f[2]), positive)
        if op == "iff":
            a, b = f[1], f[2]
            return nnf(("and", ("implies", a, b), ("implies", b, a)), positive)
        flip = {"and": "or", "or": "and"}
        return (op if positive else flip[op], nnf(f[1], positive), nnf(f[2], positive))

    def cnf(g: Formula) -> list[frozenset[Literal]]:
        if g[0] == "lit":
            return [frozenset([(g[1], g[2])])]
        left, right = cnf(g[1]), cnf(g[2])
        if g[0] == "and":
            return left + right
        if len(left) * len(right) > limit:
            raise ValueError(f"constraint expands to more than {limit} clauses")
        return [a | b for a in left for b in right]

    out: dict[frozenset[Literal], None] = {}  # ordered, without duplicates
    for clause in cnf(nnf(f, True)):
        if len({n for n, _ in clause}) == len(clause):  # x | !x is always true: dropped
            out[clause] = None
    return list(out)
