"""The registry cache gives exactly what the loader gives, and never a stale answer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hpm.errors import InputError
from hpm.registry import cache, load_registry, load_registry_cached
from hpm.registry import digest as digest_module
from hpm.registry.cache import decode, encode
from hpm.registry.digest import registry_digest

REPO = Path(__file__).resolve().parents[2]
VALID = [REPO / "registry", *sorted(p for p in (REPO / "tests/cases/registry").iterdir()
         if p.name in {"seed", "valid_full", "bundles"})]  # fmt: skip


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HPM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HPM_NO_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.mark.parametrize("root", VALID, ids=lambda p: p.name)
def test_round_trip_is_exact(root: Path) -> None:
    registry = load_registry(root)
    assert decode(encode(registry)) == registry


@pytest.mark.parametrize("root", VALID, ids=lambda p: p.name)
def test_cached_answer_equals_fresh_load(root: Path, cache_dir: Path) -> None:
    first = load_registry_cached(root)
    assert len(list(cache_dir.glob("registry-*"))) == 1
    second = load_registry_cached(root)
    assert first == second == load_registry(root)


def test_a_changed_file_is_loaded_afresh(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "registry", root)
    before = load_registry_cached(root)
    group = root / "groups" / "metrics.yaml"
    group.write_text(group.read_text() + '  - name: "metric-rouge"\n')
    after = load_registry_cached(root)
    assert "metric-rouge" in after.model.options and "metric-rouge" not in before.model.options


def test_an_invalid_registry_is_never_cached(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "registry", root)
    load_registry_cached(root)
    (root / "groups" / "broken.yml").write_text("name: x\n")  # reported by the loader
    with pytest.raises(InputError):
        load_registry_cached(root)
    with pytest.raises(InputError):
        load_registry_cached(root)


def test_a_corrupt_cache_file_is_ignored(cache_dir: Path) -> None:
    root = REPO / "registry"
    load_registry_cached(root)
    (entry,) = cache_dir.glob("registry-*")
    entry.write_text("{not json")
    assert load_registry_cached(root) == load_registry(root)
    entry.write_text('{"format": 1, "digest": "sha256:0", "groups": []}')
    assert load_registry_cached(root) == load_registry(root)


def test_a_package_directory_swapped_for_a_symlink_outside_is_refused_with_the_cache_on(
    tmp_path: Path, cache_dir: Path
) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "registry", root)
    outside = tmp_path / "outside"
    shutil.copytree(root / "pkgs" / "metric-bleu", outside)
    load_registry_cached(root)  # validated and cached
    assert len(list(cache_dir.glob("registry-*"))) == 1
    shutil.rmtree(root / "pkgs" / "metric-bleu")
    (root / "pkgs" / "metric-bleu").symlink_to(outside)  # no registry file changed
    with pytest.raises(InputError) as caught:
        load_registry_cached(root)
    assert any("leads outside the registry root" in p.message for p in caught.value.problems)


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest memo: a stat per unchanged file; an edit that keeps the size and puts the
    mtime back still shows (ctime moves, and cannot be set back)."""
    root = tmp_path / "registry"
    shutil.copytree(REPO / "registry", root)
    monkeypatch.setattr(digest_module, "RACY_SECONDS", -60.0)  # files just written count as old
    hashed: list[str] = []
    real_hash = digest_module._hash_file
    monkeypatch.setattr(
        digest_module, "_hash_file", lambda p: hashed.append(p.name) or real_hash(p)
    )
    first = load_registry_cached(root)
    hashed.clear()
    assert load_registry_cached(root) == first
    assert hashed == []  # nothing read for the digest
    group = root / "groups" / "metrics.yaml"
    st = group.stat()
    text = group.read_text()
    group.write_text(text.replace('["accuracy", "latency"]', '["latency", "accuracy"]'))
    assert group.stat().st_size == st.st_size
    os.utime(group, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = cache._digest(root.resolve())
    assert hashed == ["metrics.yaml"]  # only the changed file is read
    assert changed == registry_digest(root) != first.digest
    hashed.clear()
    assert cache._digest(root.resolve()) == changed and hashed == []  # the memo was updated
    after = load_registry_cached(root)
    assert after.model.group("metrics").default != first.model.group("metrics").default
    assert after.digest == registry_digest(root)


def test_a_corrupt_digest_memo_is_ignored(cache_dir: Path) -> None:
    root = REPO / "registry"
    first = load_registry_cached(root)
    (memo,) = cache_dir.glob("digest-*")
    for text in ("{not json", "[]", '{"format": 2, "root": "/elsewhere", "files": 3}'):
        memo.write_text(text)
        assert load_registry_cached(root) == first
