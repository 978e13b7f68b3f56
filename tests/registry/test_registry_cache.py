"""The registry cache gives exactly what the loader gives, and never a stale answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hpm.errors import InputError
from hpm.registry import load_registry, load_registry_cached
from hpm.registry.cache import decode, encode

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
    assert len(list(cache_dir.iterdir())) == 1
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
    (entry,) = cache_dir.iterdir()
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
    assert len(list(cache_dir.iterdir())) == 1
    shutil.rmtree(root / "pkgs" / "metric-bleu")
    (root / "pkgs" / "metric-bleu").symlink_to(outside)  # no registry file changed
    with pytest.raises(InputError) as caught:
        load_registry_cached(root)
    assert any("leads outside the registry root" in p.message for p in caught.value.problems)
