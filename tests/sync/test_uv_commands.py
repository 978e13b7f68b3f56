"""uv argument lists are built by pure functions; finding uv follows HPM_UV, the package, PATH."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hpm.apply import uv
from hpm.errors import HpmError


def test_add_puts_options_before_a_double_dash() -> None:
    assert uv.add_argv("uv", ["a @ ./a", "b>=1"]) == [
        "uv",
        "add",
        "--no-sync",
        "--no-workspace",
        "--",
        "a @ ./a",
        "b>=1",
    ]
    assert uv.add_argv("uv", ["a @ ./a"], editable=True, no_sync=False, no_workspace=False) == [
        "uv",
        "add",
        "--editable",
        "--",
        "a @ ./a",
    ]


def test_remove_sync_and_uninstall() -> None:
    assert uv.remove_argv("uv", ["a", "b"]) == ["uv", "remove", "--no-sync", "--", "a", "b"]
    assert uv.sync_argv("uv") == ["uv", "sync", "--inexact"]
    assert uv.uninstall_argv("uv", ["a"], environment=Path("/p/.venv")) == [
        "uv",
        "pip",
        "uninstall",
        "--python",
        "/p/.venv",
        "--",
        "a",
    ]


def test_an_argument_that_looks_like_an_option_is_refused() -> None:
    with pytest.raises(ValueError, match="option"):
        uv.add_argv("uv", ["--index-url=https://evil.invalid"])
    with pytest.raises(ValueError, match="option"):
        uv.remove_argv("uv", ["-r"])


def test_find_uv_prefers_hpm_uv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPM_UV", "/opt/uv/bin/uv")
    assert uv.find_uv() == "/opt/uv/bin/uv"


def test_find_uv_uses_the_uv_package_then_path(monkeypatch: pytest.MonkeyPatch) -> None:
    found = uv.find_uv()
    assert os.access(found, os.X_OK)
    import uv as uv_package

    assert found == os.fsdecode(uv_package.find_uv_bin())


def test_find_uv_without_any_uv_is_an_error_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uv as uv_package

    def missing() -> str:
        raise FileNotFoundError

    monkeypatch.setattr(uv_package, "find_uv_bin", missing)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HpmError, match="uv was not found") as info:
        uv.find_uv()
    assert "HPM_UV" in info.value.hint


def test_run_checked_carries_uv_output(uv_bin: str, tmp_path: Path) -> None:
    from hpm.errors import UvError

    with pytest.raises(UvError) as info:
        uv.run_checked([uv_bin, "remove", "--no-sync", "--", "nothing"], tmp_path)
    assert info.value.returncode != 0
    assert "pyproject.toml" in info.value.output


def test_the_version_of_uv_on_path_is_asked_once_per_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from hpm.apply import uvbin

    asked = tmp_path / "asked"
    fake = tmp_path / "bin" / "uv"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho x >> "{asked}"\necho "uv 0.13.9"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setenv("HPM_CACHE_DIR", str(tmp_path / "cache"))

    def which() -> uvbin.UvBinary:
        uvbin._which.cache_clear()  # a new hpm process
        return uvbin.which_uv()

    assert which() == uvbin.UvBinary(str(fake), "0.13.9", "PATH")
    assert which() == uvbin.UvBinary(str(fake), "0.13.9", "PATH")
    assert len(asked.read_text().splitlines()) == 1  # the second answer came from the cache
    fake.write_text(fake.read_text().replace("0.13.9", "0.14.0"))  # uv upgraded in place
    assert which().version == "0.14.0"
    monkeypatch.setenv("HPM_NO_CACHE", "1")
    assert which().version == "0.14.0"
    assert len(asked.read_text().splitlines()) == 3
    uvbin._which.cache_clear()
