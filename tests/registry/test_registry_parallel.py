"""A large registry's files parsed on two cores (hpm.registry.parallel) give what one process
gives: the same documents, the same problems, the same registry; the child never outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpm.errors import InputError
from hpm.registry import load_registry, parallel
from hpm.registry.cache import encode
from hpm.registry.yamlfile import parse_document

CASES = Path(__file__).resolve().parents[1] / "cases"
REGISTRIES = sorted(
    [p for p in (CASES / "registry").iterdir() if (p / "groups").is_dir()]
    + [p / "registry" for p in (CASES / "bad_input").iterdir() if (p / "registry").is_dir()]
)

FILES = [
    (b"name: g\nstrategy: 1-of-N\noptions: [a, {name: b, requires: [a]}]\n", "groups/a.yaml"),
    (b"when: 2020-01-02\nn: 1.5\nb: true\nz: ~\n", "groups/b.yaml"),  # a timestamp: not sent
    (b"a: 1\na: 2\n", "groups/c.yaml"),  # a duplicate key: a problem
    (b"a: [1, 2\n", "groups/d.yaml"),  # invalid YAML
    (b"R&D: &x 1\nb: *x\n", "groups/e.yaml"),  # an alias
    (b"- when: [a]\n  requires: [b]\n" * 200, "rules.yaml"),
]
CLEAN = {0, 5}  # the files of FILES that parse without a problem and that marshal can carry


def _parse_on_two(files: list[tuple[bytes, str]]) -> list:
    parsed = parallel.ParsedFiles(files)
    assert parsed.child is not None and 0 < parsed.first < len(files)  # a child parses some
    try:
        return [parsed[i] for i in range(len(files))]
    finally:
        parsed.close()


def test_the_child_parses_its_share_as_this_process_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    files = FILES * 4
    assert _parse_on_two(files) == [parse_document(raw, name) for raw, name in files]


def test_what_the_child_sends_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    parsed = parallel.ParsedFiles(FILES * 4)
    try:
        parsed[parsed.first]
        # the child's clean documents wait to be asked for; the others are parsed here
        clean = [i for i in range(parsed.first + 1, len(FILES) * 4) if i % len(FILES) in CLEAN]
        assert clean and sorted(parsed.sent) == clean
    finally:
        parsed.close()


def test_a_failed_child_leaves_its_share_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(parallel, "_send", fail)  # runs in the child
    files = FILES * 4
    assert _parse_on_two(files) == [parse_document(raw, name) for raw, name in files]


@pytest.mark.skipif(not hasattr(signal, "SIGCHLD"), reason="POSIX signals")
def test_with_sigchld_ignored_one_process_parses_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an ignored SIGCHLD is inherited through exec: the system would reap a child at once, and
    # hpm could later kill whatever process got its pid
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        files = FILES * 4
        parsed = parallel.ParsedFiles(files)
        assert parsed.child is None
        got = [parsed[i] for i in range(len(files))]
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert got == [parse_document(raw, name) for raw, name in files]


def test_close_ends_and_reaps_a_child_not_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    parsed = parallel.ParsedFiles(FILES * 50)
    assert parsed.child is not None
    pid = parsed.child.pid
    parsed.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


CHILD_NEVER_DONE = """
import time
from hpm.registry import parallel
parallel.PARALLEL_FROM = 0
parallel._send = lambda *_: time.sleep(3600)  # the child parses for an hour
parsed = parallel.ParsedFiles([(b"a: 1\\n", "groups/a.yaml")] * 4)
print(parsed.child.pid, flush=True)
time.sleep(3600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux parent-death signal")
def test_a_killed_parent_leaves_no_child_parsing() -> None:
    process = subprocess.Popen([sys.executable, "-c", CHILD_NEVER_DONE], stdout=subprocess.PIPE)
    assert process.stdout is not None
    child = int(process.stdout.readline())
    assert _running(child)
    process.kill()  # kill -9: no finally, no close() runs in the parent
    process.wait()
    # the kernel's SIGKILL reaches the child as the parent dies; poll until /proc says so (a
    # child left parsing would still run after the bound, an hour from now)
    bound = time.monotonic() + 60
    while _running(child) and time.monotonic() < bound:
        time.sleep(0.01)
    assert not _running(child)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not: only its exit status is left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def test_small_registries_are_parsed_by_one_process() -> None:
    assert parallel.ParsedFiles(FILES).child is None


@pytest.mark.parametrize("root", REGISTRIES, ids=lambda p: p.relative_to(CASES).as_posix())
def test_a_registry_loads_the_same_on_two_cores(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _outcome(root)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    assert _outcome(root) == one


def _outcome(root: Path) -> object:
    try:
        return encode(load_registry(root))
    except InputError as e:
        return e.problems
