"""Registry files on disk: the digest, path security (symlinks), hostile YAML, the yaml import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hpm.errors import InputError
from hpm.registry import load_registry, registry_digest, yamlfile
from hpm.registry.yamlfile import MAX_BYTES, MAX_DEPTH, parse_document, read_document

REPO = Path(__file__).resolve().parents[2]
GROUP = "name: g\nstrategy: M-of-N\noptions:\n  - name: a\n{source}"


def write_registry(root: Path, source: str = "") -> Path:
    (root / "groups").mkdir(parents=True, exist_ok=True)
    (root / "groups" / "g.yaml").write_text(GROUP.format(source=source))
    return root


def problems_of(root: Path) -> list:
    with pytest.raises(InputError) as caught:
        load_registry(root)
    return list(caught.value.problems)


# --- digest ---------------------------------------------------------------------------------


def test_digest_covers_registry_files_only(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r")
    first = registry_digest(root)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first)
    assert registry_digest(root) == first
    assert load_registry(root).digest == first

    (root / "packages" / "a" / "src").mkdir(parents=True)
    (root / "packages" / "a" / "src" / "x.py").write_text("print(1)\n")  # package source
    (root / "README.md").write_text("docs\n")
    (root / "groups" / "notes.txt").write_text("not a group\n")
    assert registry_digest(root) == first

    (root / "packages" / "a.yaml").write_text("version: '>=1'\n")
    second = registry_digest(root)
    assert second != first
    (root / "rules.yaml").write_text("- requires: [a]\n")
    third = registry_digest(root)
    assert third != second
    (root / "groups" / "g.yaml").write_text(GROUP.format(source="") + "    description: x\n")
    assert registry_digest(root) != third


def test_digest_depends_on_file_names(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r")
    before = registry_digest(root)
    (root / "groups" / "g.yaml").rename(root / "groups" / "h.yaml")
    assert registry_digest(root) != before


# --- paths ----------------------------------------------------------------------------------


def test_path_source_is_absolute_and_inside(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r", "    path: packages/a\n    editable: true\n")
    (root / "packages" / "a").mkdir(parents=True)
    source = load_registry(root).source("a")
    assert source.kind == "path" and source.editable
    assert source.path == (root / "packages" / "a").resolve()
    assert source.path.is_absolute()


def test_symlink_escaping_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = write_registry(tmp_path / "r", "    path: packages/link\n")
    (root / "packages").mkdir()
    (root / "packages" / "link").symlink_to(outside, target_is_directory=True)
    [problem] = problems_of(root)
    assert problem.key == "options[0].path"
    assert "leads outside the registry root" in problem.message
    assert problem.line == 5


def test_symlinked_directory_inside_the_root_is_fine(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r", "    path: packages/link\n")
    (root / "real").mkdir()
    (root / "packages").mkdir()
    (root / "packages" / "link").symlink_to(root / "real", target_is_directory=True)
    assert load_registry(root).source("a").path == (root / "real").resolve()


def test_registry_root_reached_through_a_symlink(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r", "    path: packages/a\n")
    (root / "packages" / "a").mkdir(parents=True)
    (tmp_path / "alias").symlink_to(root, target_is_directory=True)
    registry = load_registry(tmp_path / "alias")
    assert registry.root == root.resolve()
    assert registry.source("a").path == (root / "packages" / "a").resolve()


@pytest.mark.parametrize("path", ["..", "../r/../..", "/tmp", "packages/../..", "~"])
def test_escaping_paths(tmp_path: Path, path: str) -> None:
    root = write_registry(tmp_path / "r", f"    path: '{path}'\n")
    [problem] = problems_of(root)
    assert problem.key == "options[0].path"


def test_missing_registry(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere")
    assert "does not exist" in problem.message and problem.hint
    (tmp_path / "empty").mkdir()
    [problem] = problems_of(tmp_path / "empty")
    assert "no groups/ directory" in problem.message


# --- hostile YAML ---------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_at_the_first_alias(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    doc, [problem] = read_document(path, "groups/bomb.yaml")
    assert doc is None
    assert "aliases are not allowed" in problem.message
    assert problem.line == 2


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    doc, [problem] = read_document(path, "groups/deep.yaml")
    assert doc is None and "nesting deeper" in problem.message
    path.write_text("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    doc, problems = read_document(path, "groups/deep.yaml")
    assert doc is not None and not problems


def test_many_values_are_fine_the_size_limit_bounds_the_work(tmp_path: Path) -> None:
    """No cap on the number of values (it stopped real registries): 200,000 are read."""
    path = tmp_path / "wide.yaml"
    path.write_text("[" + ",".join(["0"] * 200_000) + "]\n")
    doc, problems = read_document(path, "groups/wide.yaml")
    assert doc is not None and not problems and len(doc.data) == 200_000  # type: ignore[arg-type]


def test_large_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + 1))
    doc, [problem] = read_document(path, "groups/big.yaml")
    assert doc is None and "larger than" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !!python/name:os.system\n",
        "!!python/object:collections.OrderedDict {}\n",
        "a: !custom x\n",
    ],
)
def test_object_tags_are_refused_with_a_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text(text)
    doc, [problem] = read_document(path, "groups/tag.yaml")
    assert doc is None and "is not allowed" in problem.message and problem.line == 1


def test_lines_are_recorded_per_key_path(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        "name: g\noptions:\n  - name: a\n    requires:\n      - b\n      - {any: [c]}\n"
    )
    doc, problems = read_document(path, "groups/g.yaml")
    assert not problems and doc is not None
    assert doc.line(("options", 0, "requires", 1, "any", 0)) == 6
    assert doc.line(("options", 0, "requires", 0)) == 5
    assert doc.line(("options", 0, "nowhere")) == 3  # nearest ancestor


# --- one library, one module ----------------------------------------------------------------


def test_only_yamlfile_imports_yaml() -> None:
    importers = [
        path.relative_to(REPO).as_posix()
        for folder in ("hpm", "solver")
        for path in (REPO / folder).rglob("*.py")
        if re.search(r"^\s*(import yaml|from yaml\b)", path.read_text(), re.MULTILINE)
    ]
    assert importers == ["hpm/registry/yamlfile.py"]


def test_symlink_loop_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "r", "    path: packages/loop\n")
    (root / "packages").mkdir()
    (root / "packages" / "loop").symlink_to(root / "packages" / "loop")
    [problem] = problems_of(root)
    assert problem.key == "options[0].path"


# --- the fast path (libyaml's node tree) and the precise path (events) agree -----------------

AGREE = [
    "name: g\nstrategy: 1-of-N\noptions:\n  - a\n  - {name: b, requires: [a, {any: [c]}]}\n",
    "a: 1\nb: 2.5\nc: true\nd: null\ne: ~\nf: 2020-01-02\ng: '3'\nh: \"x\"\ni: !!str 4\n",
    "- [1, [2, [3, {k: v}]]]\n- {}\n- []\n- ''\n",
    "? a\n: 1\nR&D: plain text with an ampersand\nlong: >\n  folded\n  text\n",
    "x: !!int '7'\ny: ! plain\nz: 0x1f\n",
    "# only a comment\n",
    "~\n",
]

REFUSED = [
    "a: &x 1\nb: *x\n",  # alias
    "a: 1\na: 2\n",  # duplicate key
    "1: a\n",  # non-string key
    "[a]: b\n",  # collection key
    "a: !!set {x}\n",  # tag
    "a: !custom x\n",
    "<<: {a: 1}\n",  # merge key
    "a: *undefined\n",
    "a: 1\n---\nb: 2\n",  # two documents
    "a: [1, 2\n",  # syntax
    "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
    "a: " + "[" * 5000 + "]" * 5000 + "\n",
]


@pytest.mark.parametrize("text", AGREE + REFUSED)
def test_fast_and_precise_paths_give_the_same_document(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # clean documents take the fast path; the others fall back to the precise one
    assert (yamlfile._from_nodes(text) is not None) == (text in AGREE)
    fast = parse_document(text.encode(), "groups/x.yaml")
    monkeypatch.setattr(yamlfile, "_FAST", False)
    precise = parse_document(text.encode(), "groups/x.yaml")
    assert (fast[0] is None) == (precise[0] is None)
    if fast[0] is not None and precise[0] is not None:
        assert fast[0].data == precise[0].data
        assert dict(fast[0].lines) == dict(precise[0].lines)
    assert fast[1] == precise[1]


PLAIN = [
    *("1", "-1", "+1", "0x1f", "0o7", "1_000", "1.5", "-.inf", ".nan", "1e3", "1:20"),
    *("true", "True", "false", "FALSE", "yes", "No", "on", "Off", "y", "null", "Null", "~", ""),
    *("2020-01-02", "2001-12-14t21:59:43.10-05:00", "=", "<<x", "f-1a2b", "n-3c4d", "pkg-000001"),
]


@pytest.mark.parametrize("word", PLAIN)
def test_plain_scalars_resolve_as_the_safe_loader_does(word: str) -> None:
    _resolves_as_the_safe_loader_does(word)


@given(st.text(alphabet="01.-+:_entfyoNTFY~ ", min_size=1, max_size=6))
def test_any_plain_scalar_resolves_as_the_safe_loader_does(word: str) -> None:
    _resolves_as_the_safe_loader_does(word)


def _resolves_as_the_safe_loader_does(word: str) -> None:
    # the fast path answers most plain scalars by their first character, others by a memo
    text = f"k: {word}\n"
    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    built = yamlfile._from_nodes(text)
    if built is not None:
        assert repr(built[0]) == repr(expected)  # repr: .nan is not equal to itself


def test_fast_path_agrees_on_every_registry_file_in_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [p for p in REPO.glob("**/*.yaml") if ".venv" not in p.parts]
    assert len(files) > 20
    texts = [p.read_bytes() for p in files]
    fast = [parse_document(raw, "f.yaml") for raw in texts]
    monkeypatch.setattr(yamlfile, "_FAST", False)
    for raw, (doc, problems) in zip(texts, fast, strict=True):
        other, other_problems = parse_document(raw, "f.yaml")
        assert problems == other_problems
        assert (doc is None) == (other is None)
        if doc is not None and other is not None:
            assert (doc.data, dict(doc.lines)) == (other.data, dict(other.lines))
