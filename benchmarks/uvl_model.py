"""A reader for the boolean subset of UVL (Universal Variability Language) feature models.

Supported: ``namespace``, the ``features`` tree (``mandatory``, ``optional``, ``alternative``,
``or``, group cardinalities ``[n..m]`` / ``[n]`` / ``[n..*]``), quoted feature names, attribute
blocks (``{abstract}``, ``{abstract true, key "odd, {string}"}``), ``//`` and ``/* */`` comments,
and a ``constraints`` section of propositional formulas (``!``, ``&``, ``|``, ``=>``, ``<=>``,
parentheses). Everything else (``imports``/``include``, typed or cardinality features,
arithmetic constraints) raises ``UvlError`` naming the file and line.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hpm.gcpause import collector_paused

# ("var", name) | ("not", f) | (op, f, g) with op in and/or/implies/iff
# | ("clause", ((name, positive), ...)): a disjunction of literals, as most constraints are
Formula = tuple


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
    #: every feature in file order, as the parser met them (the file is the tree depth first)
    order: list[Feature] | None = field(default=None, repr=False, compare=False)

    def features(self) -> list[Feature]:
        """Every feature, depth first in file order."""
        if self.order is not None:
            return list(self.order)
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
_BARE_NAME = re.compile(r"[^\s{]+")  # an unquoted feature name
_NAME_ALONE = re.compile(r'[^\s{"]+')  # a line that is an unquoted name, nothing else
_TOKEN = re.compile(r'\s*(<=>|=>|&|\||!|\(|\)|"[^"]*"|[^\s&|!()<=>"]+|\S)')


_SPLITS = re.compile(r'[\s&|!()<=>"]')  # a character that ends a token or is one
_COMMENT = re.compile(r'"[^"]*"?|//[^\n]*|/\*(?:.|\n)*?(?:\*/|$)')


def _strip_comments(text: str) -> str:
    """Remove comments, keeping line numbers and quoted strings intact."""
    if "/" not in text:
        return text

    def keep(m: re.Match[str]) -> str:
        found = m.group(0)
        if found.startswith('"'):
            return found
        return "\n" * found.count("\n")  # a block comment keeps its line breaks

    return _COMMENT.sub(keep, text)


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
    if _NAME_ALONE.fullmatch(text):  # most lines
        return Feature(text, line)
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
        m = _BARE_NAME.match(text)
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
    m = _CARD.match(text) if text[0] in "[c" else None
    if m is None:
        return None
    low = int(m.group(1))
    high = m.group(2)
    top = low if high is None else (None if high == "*" else int(high))
    if top is not None and top < low:
        raise UvlError(path, line, f"group cardinality {text} has max < min")
    return FeatureGroup("cardinality", line, low, top)


def _parse_tree(path: str, lines: list[tuple[int, str]]) -> tuple[Feature, list[Feature]]:
    """Build the tree from the (line number, line) entries of the features sections; return the
    root and every feature in file order.

    A line's parent is the nearest line above it indented less (a tab is 4 columns). The line
    just read is pushed as a parent only when a deeper line follows it, so a run of sibling
    leaves (thousands in the Kconfig models) costs no stack work.
    """
    root: Feature | None = None
    order: list[Feature] = []
    widths: dict[str, int] = {}  # indentation -> columns
    stack: list[tuple[int, Feature | FeatureGroup]] = []
    last_indent, last = -1, None
    numbers, raws = zip(*lines, strict=True) if lines else ((), ())
    joined = "\n".join(raws) + "\n"  # for the runs of sibling leaves, at starts[k]
    sizes = list(itertools.accumulate(map(len, raws), initial=0))  # line k at sizes[k] + k
    k = 0
    while k < len(raws):
        number, raw = numbers[k], raws[k]
        k += 1
        text = raw.lstrip()
        if not text:
            continue
        head = raw[: len(raw) - len(text)]
        indent = widths.get(head)
        if indent is None:
            indent = widths[head] = len(head.expandtabs(4))
        text = text.rstrip()
        if indent > last_indent and last is not None:
            stack.append((last_indent, last))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        group = (
            _parse_group_line(path, number, text)
            if text in _GROUP_KINDS or text[0] in "[c"
            else None
        )
        if group is not None:
            if not isinstance(parent, Feature):
                raise UvlError(path, number, f"group {text!r} is not under a feature")
            parent.groups.append(group)
            last_indent, last = indent, group
            continue
        feature = (
            Feature(text, number)
            if text.isidentifier()  # most lines: what _parse_feature_line finds first
            else _parse_feature_line(path, number, text)
        )
        if parent is None:
            if root is not None:
                raise UvlError(path, number, "a second root feature")
            root = feature
        elif isinstance(parent, FeatureGroup):
            parent.children.append(feature)
        else:
            raise UvlError(path, number, f"feature {feature.name!r} is not inside a group keyword")
        order.append(feature)
        last_indent, last = indent, feature
        if parent is not None and k < len(raws) and raws[k].startswith(head):
            run = _leaf_run(head).match(joined, sizes[k] + k)
            if run is not None:  # the next lines: leaves beside this one, each a lone name
                names = list(map(str.strip, run.group().split(), itertools.repeat('"')))
                leaves = list(map(Feature, names, numbers[k : k + len(names)]))
                parent.children.extend(leaves)
                order.extend(leaves)
                last = leaves[-1]
                k += len(names)
    if root is None:
        raise UvlError(path, 1, "no root feature")
    return root, order


@functools.cache
def _leaf_run(head: str) -> re.Pattern[str]:
    """Lines indented by ``head`` exactly, each a name alone: an ASCII identifier that is no
    group keyword, or a quoted name without blanks (``"_X1"``, as the Kconfig models write)."""
    keyword = "|".join(_GROUP_KINDS)
    name = f'(?:(?!(?:{keyword})\n)[A-Za-z_][A-Za-z0-9_]*|"[^"\\s]*")'
    return re.compile(f"(?:{re.escape(head)}{name}\n)+")


_BINARY = {"<=>": (1, "iff"), "=>": (2, "implies"), "|": (3, "or"), "&": (4, "and")}
_STRUCTURE = frozenset(("&", "(", ")", "=>", "<=>"))
_OPERATORS = frozenset(("|", "!"))
_ATOM = re.compile(r"[A-Za-z_][^\s<>=+*/,]*")


class _FormulaParser:
    """Precedence climbing. Loosest first: <=>, =>, |, &, ! (left associative, as UVL's grammar).

    A constraint that is already a clause (``!a | b | !c``: the shape of most constraints of
    the large Kconfig models) is read in one loop without recursion.
    """

    def __init__(self, path: str, line: int, text: str, known: set[str]) -> None:
        self.path, self.line, self.known = path, line, known
        self.tokens = [t for t in _TOKEN.findall(text) if t]
        self.pos = 0
        self.unknown: list[str] = []

    def fail(self, message: str) -> UvlError:
        return UvlError(self.path, self.line, message)

    def parse(self) -> Formula:
        f = self._clause() if _STRUCTURE.isdisjoint(self.tokens) else None
        if f is None:
            self.unknown.clear()
            f = self.binary(1)
            if self.pos != len(self.tokens):
                raise self.fail(
                    f"unsupported token {self.tokens[self.pos]!r} in constraint"
                    " (only boolean formulas: ! & | => <=> and parentheses)"
                )
        if self.unknown:
            raise self.fail(f"constraint names unknown feature {self.unknown[0]!r}")
        return f

    def _clause(self) -> Formula | None:
        """``[!]* atom (| [!]* atom)*`` as a ``clause``; None if the tokens are not that."""
        literals: list[tuple[str, bool]] = []
        negated, expect_atom = False, True
        for tok in self.tokens:
            if expect_atom:
                if tok == "!":
                    negated = not negated
                    continue
                if tok in _OPERATORS:
                    return None
                literals.append((self.atom(tok)[1], not negated))
                negated, expect_atom = False, False
            elif tok == "|":
                expect_atom = True
            else:
                return None
        return None if expect_atom else ("clause", tuple(literals))

    def binary(self, level: int) -> Formula:
        left = self.unary()
        tokens = self.tokens
        while self.pos < len(tokens):
            found = _BINARY.get(tokens[self.pos])
            if found is None or found[0] < level:
                break
            self.pos += 1
            left = (found[1], left, self.binary(found[0] + 1))
        return left

    def unary(self) -> Formula:
        if self.pos >= len(self.tokens):
            raise self.fail("constraint ends too early")
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "!":
            return ("not", self.unary())
        if tok == "(":
            f = self.binary(1)
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise self.fail("missing ')' in constraint")
            self.pos += 1
            return f
        return self.atom(tok)

    def atom(self, tok: str) -> Formula:
        """A feature name; unknown ones are reported once the whole formula has parsed."""
        if tok in self.known:
            return ("var", tok)
        name = tok[1:-1] if tok.startswith('"') else tok
        if name not in self.known:
            if not tok.startswith('"') and not _ATOM.fullmatch(tok):
                raise self.fail(f"unsupported token {tok!r} in constraint (only boolean formulas)")
            self.unknown.append(name)
        return ("var", name)


@collector_paused(promote=True)
def parse_uvl(path: str | Path) -> FeatureModel:
    """Read a UVL file (see the module docstring for what is supported)."""
    name = str(path)
    text = _strip_comments(Path(path).read_text(encoding="utf-8"))
    lines = text.splitlines()
    namespace = None
    tree: list[tuple[int, str]] = []  # (line number, line) of the features sections
    constraints: list[tuple[int, str]] = []
    # the top-level lines (keywords) cut the file into sections, each read in one loop
    heads = _heads(text, lines)
    for k, i in enumerate([-1, *heads]):
        body = lines[i].strip() if i >= 0 else ""
        section = body.split()[0] if body else None
        if section == "namespace":
            namespace = body.split(None, 1)[1].strip() if " " in body else ""
        elif section in ("imports", "include"):
            raise UvlError(name, i + 1, f"'{section}' is not supported (single-file models only)")
        elif section not in (None, "features", "constraints"):
            raise UvlError(name, i + 1, f"unknown top-level keyword {section!r}")
        end = heads[k] if k < len(heads) else len(lines)
        if section == "features":
            tree += zip(range(i + 2, end + 1), lines[i + 1 : end], strict=False)
        elif section == "constraints":
            constraints += _constraint_lines(lines, range(i + 1, end))
        else:
            for j in range(i + 1, end):
                if lines[j].strip():
                    raise UvlError(name, j + 1, "text outside a features/constraints section")
    root, order = _parse_tree(name, tree)
    formulas = _formulas(name, constraints, set(map(_NAME_OF, order))) if constraints else []
    return FeatureModel(name, namespace, root, formulas, order)


_NAME_OF = operator.attrgetter("name")
#: the line break before a top-level line (not indented, not blank)
_HEAD = re.compile(r"\n(?![ \t])(?=[^\n]*\S)")


def _heads(text: str, lines: list[str]) -> list[int]:
    """The indices in ``lines`` (``text.splitlines()``) of the top-level lines.

    Found by one search of the text when its lines are the ``\n``-separated ones (as many
    lines as ``\n``, and a ``\r`` before one is trailing whitespace): a line's index is the
    count of ``\n`` before it. Otherwise (lone ``\r``, form feeds and other line ends that
    ``str.splitlines`` honours), line by line.
    """
    if len(lines) != text.count("\n") + (not text.endswith("\n") and bool(text)):
        return [i for i, raw in enumerate(lines) if raw[:1] not in ("", " ", "\t") and raw.strip()]
    heads = [0] if lines and lines[0][:1] not in ("", " ", "\t") and lines[0].strip() else []
    line = start = 0
    for m in _HEAD.finditer(text):  # the \n before each top-level line but the first
        line += text.count("\n", start, m.end())
        start = m.end()
        heads.append(line)
    return heads


def _constraint_lines(lines: list[str], block: range) -> list[tuple[int, str]]:
    """(first line, text) of each constraint; a constraint continues while a ``(`` is open."""
    texts = list(map(str.strip, lines[block.start : block.stop]))
    if "(" not in "".join(texts):  # one line each, as in the large Kconfig models
        return list(zip(itertools.compress(range(block.start + 1, block.stop + 1), texts),
                        filter(None, texts), strict=False))  # fmt: skip
    out: list[tuple[int, str]] = []
    open_paren = False
    for j, text in zip(block, texts, strict=True):
        if not text:
            continue
        if open_paren:
            text = out[-1][1] + " " + text
            out[-1] = (out[-1][0], text)
        else:
            out.append((j + 1, text))
        open_paren = "(" in text and _open_parens(text) > 0
    return out


def _formulas(
    path: str, constraints: list[tuple[int, str]], known: set[str]
) -> list[tuple[int, Formula]]:
    """The (line, formula) of each constraint.

    A clause written ``a | !b | "c"`` over known features (nearly every constraint of the large
    Kconfig models) becomes its ``clause`` by one table lookup per literal, in bulk; anything
    else (other spacing, operators, unknown names) goes through :class:`_FormulaParser`.
    """
    numbers, texts = zip(*constraints, strict=True)
    literal = _literal_table(known, texts).get
    found = [tuple(map(literal, text.split(" | "))) for text in texts]
    formulas: list[Formula] = list(zip(itertools.repeat("clause"), found, strict=False))
    if all(itertools.chain.from_iterable(found)):  # every literal known: no clause to redo
        return list(zip(numbers, formulas, strict=True))
    for k, literals in enumerate(found):
        if None in literals:
            text = texts[k]
            fallback = tuple(map(literal, map(str.strip, text.split("|"))))
            formulas[k] = (
                ("clause", fallback)
                if None not in fallback
                else _FormulaParser(path, numbers[k], text, known).parse()
            )
    return list(zip(numbers, formulas, strict=True))


def _literal_table(known: set[str], texts: tuple[str, ...]) -> dict[str, tuple[str, bool]]:
    """Each way the clauses ``texts`` can spell a literal of a known feature as one token, and
    the literal.

    ``Name``, ``!Name``, ``"Name"``, ``!"Name"``; the bare forms only for names the tokenizer
    reads as one token (a name such as ``a&b`` is an expression there, not a feature), the
    negated ones only if some text has a ``!``, the quoted ones only if some text has a ``"``.
    A name with ``|`` has none: a clause is split at ``|`` before its tokens are looked up.
    """
    joined = "\n".join(texts)
    negated, quoted = "!" in joined, '"' in joined
    table: dict[str, tuple[str, bool]] = {}
    for name in known:
        if '"' in name or "|" in name:
            continue
        on = (name, True)
        if quoted:
            table[f'"{name}"'] = on
        bare = name.isidentifier() or not _SPLITS.search(name)
        if bare:
            table[name] = on
        if negated:
            off = (name, False)
            if quoted:
                table[f'!"{name}"'] = off
            if bare:
                table["!" + name] = off
    return table


def _open_parens(text: str) -> int:
    text = re.sub(r'"[^"]*"', "", text)
    return text.count("(") - text.count(")")


Literal = tuple[str, bool]  # (feature, positive)
Clause = frozenset[Literal]

#: Distribution stops where one ``or`` would multiply its sides' clauses beyond this; the
#: larger side then gets an auxiliary variable (a Tseitin definition) instead.
DISTRIBUTE_UP_TO = 16


def flat_clause(f: Formula) -> list[Literal] | None:
    """The literals of ``f`` when it is a chain of ``or`` over (negated) variables, else None."""
    if f[0] == "clause":
        return list(f[1])
    out: list[Literal] = []
    stack = [f]
    while stack:
        g = stack.pop()
        op = g[0]
        if op == "or":
            stack.append(g[2])
            stack.append(g[1])
        elif op == "var":
            out.append((g[1], True))
        elif op == "not" and g[1][0] == "var":
            out.append((g[1][1], False))
        else:
            return None
    return out


def to_clauses(
    f: Formula,
    fresh: Callable[[Formula], str] | None = None,
    limit: int = 10_000,
) -> list[Clause]:
    """CNF of a formula; tautologies and repeated clauses dropped.

    Without ``fresh``: by distribution only (no helper variables), at most ``limit`` clauses
    (ValueError beyond). With ``fresh``: where distributing one ``or`` would give more than
    ``DISTRIBUTE_UP_TO`` clauses, its larger side ``g`` is replaced by a new variable
    ``x = fresh(g)`` defined by ``x <=> g`` (the clauses of ``x => g`` and of ``!g => !x``), as a
    Tseitin encoding does: every model of the formula extends to exactly one assignment of the
    new variables, so the configurations, core and dead features of the original variables are
    unchanged, and the clause count stays linear in the formula's size.
    """
    flat = flat_clause(f)
    if flat is not None:
        clause = frozenset(flat)
        return [clause] if len({n for n, _ in clause}) == len(clause) else []
    out: dict[Clause, None] = {}  # ordered, without duplicates
    # by id(): a subformula is converted (and given a variable) once, however often it is met
    memo: dict[int, tuple[Formula, list[Clause]]] = {}
    negated: dict[int, tuple[Formula, Formula]] = {}
    defined: dict[int, tuple[Formula, Literal]] = {}

    def emit(clauses: list[Clause]) -> None:
        for clause in clauses:
            if len({n for n, _ in clause}) == len(clause):  # x | !x is always true: dropped
                out[clause] = None

    def cnf(g: Formula) -> list[Clause]:
        if g[0] == "lit":
            return [frozenset([(g[1], g[2])])]
        if id(g) in memo:
            return memo[id(g)][1]
        left, right = cnf(g[1]), cnf(g[2])
        if g[0] == "and":
            result = left + right
            memo[id(g)] = (g, result)
            return result
        if len(left) * len(right) > (DISTRIBUTE_UP_TO if fresh else limit):
            if fresh is None:
                raise ValueError(f"constraint expands to more than {limit} clauses")
            if len(left) > 1:
                left = [frozenset([define(g[1], left)])]
            if len(left) * len(right) > DISTRIBUTE_UP_TO and len(right) > 1:
                right = [frozenset([define(g[2], right)])]
        result = [a | b for a in left for b in right]
        memo[id(g)] = (g, result)
        return result

    def define(g: Formula, clauses: list[Clause]) -> Literal:
        """A new variable x with x <=> g (g in negation normal form, ``clauses`` its CNF)."""
        assert fresh is not None
        if id(g) in defined:
            return defined[id(g)][1]
        x = fresh(g)
        defined[id(g)] = (g, (x, True))
        emit([c | {(x, False)} for c in clauses])  # x => g
        emit([c | {(x, True)} for c in cnf(negate(g))])  # !x => !g
        return (x, True)

    def negate(g: Formula) -> Formula:
        """``g`` negated, in negation normal form; negating twice gives ``g`` itself back."""
        if g[0] == "lit":
            return ("lit", g[1], not g[2])
        if id(g) not in negated:
            op = "or" if g[0] == "and" else "and"
            h = (op, negate(g[1]), negate(g[2]))
            negated[id(g)], negated[id(h)] = (g, h), (h, g)
        return negated[id(g)][1]

    emit(cnf(_nnf(f, True)))
    return list(out)


def _nnf(f: Formula, positive: bool) -> Formula:
    """Negation normal form: ``lit`` leaves under ``and``/``or``."""
    op = f[0]
    if op == "var":
        return ("lit", f[1], positive)
    if op == "clause":  # only met below another operator
        chain: Formula = ("lit", f[1][0][0], f[1][0][1] == positive)
        for name, sign in f[1][1:]:
            chain = ("or" if positive else "and", chain, ("lit", name, sign == positive))
        return chain
    if op == "not":
        return _nnf(f[1], not positive)
    if op == "implies":
        return _nnf(("or", ("not", f[1]), f[2]), positive)
    if op == "iff":
        a, b = f[1], f[2]
        return _nnf(("and", ("implies", a, b), ("implies", b, a)), positive)
    flip = {"and": "or", "or": "and"}
    return (op if positive else flip[op], _nnf(f[1], positive), _nnf(f[2], positive))


def formula_text(g: Formula) -> str:
    """A formula (plain or in negation normal form) as UVL-like text, for descriptions."""
    op = g[0]
    if op == "var":
        return g[1]
    if op == "lit":
        return g[1] if g[2] else f"!{g[1]}"
    if op == "not":
        return f"!{formula_text(g[1])}"
    if op == "clause":
        return "(" + " | ".join(n if p else f"!{n}" for n, p in g[1]) + ")"
    symbol = {"and": "&", "or": "|", "implies": "=>", "iff": "<=>"}[op]
    return f"({formula_text(g[1])} {symbol} {formula_text(g[2])})"
