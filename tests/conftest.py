"""Shared fixtures. uv runs for real, offline, with one cache per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests (brute force on random small models) take their size from a profile: "quick"
# for `make test`, "ci" (thorough, derandomized so a failure replays) when HPM_TEST_PROFILE=ci.
settings.register_profile(
    "quick", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HPM_TEST_PROFILE", "quick"))


@pytest.fixture(scope="session", autouse=True)
def offline_uv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run every uv of the session offline, on this interpreter, with a shared fresh cache.

    A fresh cache cannot download build backends, so test packages use ``uv_build``, which uv
    runs natively. After the first build, wheels come from the shared cache.
    """
    cache = tmp_path_factory.mktemp("uv-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UV_OFFLINE", "1")
        mp.setenv("UV_CACHE_DIR", str(cache))
        mp.setenv("UV_PYTHON", sys.executable)
        mp.setenv("UV_PYTHON_DOWNLOADS", "never")
        mp.setenv("UV_NO_CONFIG", "1")
        mp.setenv("HPM_CACHE_DIR", str(tmp_path_factory.mktemp("hpm-cache")))
        # every git init (the tests', uv's, hpm's cache) without the template's sample hooks
        mp.setenv("GIT_TEMPLATE_DIR", "")
        for name in (
            "VIRTUAL_ENV",
            "UV_PROJECT_ENVIRONMENT",
            "UV_NO_SYNC",
            "UV_FROZEN",
            "HPM_UV",
            "HPM_MACHINE",
            "HPM_MACHINE_ROOT",
        ):
            mp.delenv(name, raising=False)
        yield cache


@pytest.fixture(scope="session", autouse=True)
def interruptible_children() -> Iterator[None]:
    """The processes the tests interrupt with SIGINT must not inherit it ignored.

    A shell starts a background job (``make test &`` in a script, ``nohup``) with SIGINT
    ignored, and an ignored signal stays ignored through exec: the ``python -m hpm`` that a test
    stops with SIGINT, as a terminal's Ctrl-C would, then waited for its uv for ever.
    """
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="session", autouse=True)
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's child Pythons (``python -m hpm``, the console script, build backends, the
    stand-in tools) share compiled modules instead of compiling hpm from source each time.

    Where the environment says ``PYTHONDONTWRITEBYTECODE`` (this sandbox does), every such
    process compiled every hpm module again: ~0.1 s of CPU each. ``make test`` names a lasting
    ``PYTHONPYCACHEPREFIX`` under build/; without one, the session makes its own. No compiled
    file lands in the source tree or in a test's directories; the session's own temporary
    sources' compiled files are removed at its end.
    """
    prefix = Path(os.environ.get("PYTHONPYCACHEPREFIX") or tmp_path_factory.mktemp("pycache"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPYCACHEPREFIX", str(prefix))
        mp.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        yield prefix
    mirror = prefix / tmp_path_factory.getbasetemp().resolve().relative_to("/")
    shutil.rmtree(mirror, ignore_errors=True)
    with contextlib.suppress(OSError):  # the run's directory, once no other worker is in it
        mirror.parent.rmdir()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty uv project in a temporary directory."""
    from helpers.projects import write_project

    return write_project(tmp_path / "project")


@pytest.fixture
def example_registry_copy(tmp_path: Path) -> Path:
    """A copy of the example registry beside the project (``../registry`` from it)."""
    from helpers.projects import copy_example_registry

    return copy_example_registry(tmp_path / "registry")


@pytest.fixture
def uv_bin() -> str:
    from hpm.apply.uv import find_uv

    return find_uv()


@pytest.fixture(scope="session")
def accelerator_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Flat indexes ``cu124/`` and ``cpu/`` of tiny torch-like wheels, written once a session."""
    from helpers.wheels import write_accelerator_indexes

    return write_accelerator_indexes(tmp_path_factory.mktemp("accelerator-wheels"))
