"""uv's output reaches the user while uv runs, and hpm keeps its tail for its own messages.

A package whose build the test holds (``helpers.projects.GATED_BACKEND``) keeps the real uv in
the middle of ``uv sync`` until the test has seen uv's first lines: if hpm held them back until uv
ended, the build would still be waiting and the assertions below would fail.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers.projects import uv_run, write_gated_package, write_project

from hpm.apply import uv as uvcmd
from hpm.apply.process import Child, start_time
from hpm.errors import UvError


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project depending on a gated package, locked; `uv sync` will hold its build."""
    write_gated_package(tmp_path / "pkg", "gated")
    project = write_project(tmp_path / "project")
    uv_run(project, "add", "--no-sync", "gated @ ../pkg")
    gate = tmp_path / "gate"
    gate.mkdir()
    monkeypatch.setenv("GATE_DIR", str(gate))
    monkeypatch.setenv("GATE_HOLD", "build")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return project


def test_each_line_is_passed_on_while_uv_is_still_running(held: Path, uv_bin: str) -> None:
    gate = held.parent / "gate"
    children: list[Child] = []
    seen: list[str] = []

    def echo(line: str) -> None:
        seen.append(line)
        if line.strip().startswith("Building gated"):  # uv announces the build, then waits
            while not (gate / "started").exists():
                time.sleep(0.01)
            assert start_time(children[0].pid) is not None  # uv is still running
            (gate / "release").touch()  # only now may the build (and uv) finish

    done = uvcmd.run(uvcmd.sync_argv(uv_bin), held, echo=echo, on_start=children.append)
    assert done.returncode == 0, done.tail
    assert (gate / "release").exists(), seen
    assert "timed out" not in (gate / "started").read_text()  # released by the echo above
    assert "Installed 1 package" in done.tail


def test_on_a_terminal_uv_gets_a_tty_and_the_tail_is_plain_text(held: Path, uv_bin: str) -> None:
    (held.parent / "gate" / "release").touch()
    master, slave = os.openpty()
    try:
        done = uvcmd.run(uvcmd.sync_argv(uv_bin), held, terminal=slave)
        os.set_blocking(master, False)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except BlockingIOError:
                break
            shown += chunk
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 0, done.tail
    assert b"\x1b[" in shown  # uv saw a terminal: it coloured its output
    assert b"Installed" in shown
    assert "Installed 1 package" in done.tail
    assert "\x1b" not in done.tail and "\r" not in done.tail


def test_output_that_is_not_utf8_is_decoded_with_replacement(tmp_path: Path) -> None:
    script = tmp_path / "uv"
    script.write_text("#!/bin/sh\nprintf 'caf\\351 \\377\\n' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(UvError) as caught:
        uvcmd.run_checked([str(script), "add", "--", "x"], tmp_path)
    assert caught.value.output == "caf\N{REPLACEMENT CHARACTER} \N{REPLACEMENT CHARACTER}"
    assert caught.value.step == "uv add"
    assert caught.value.returncode == 3


def test_only_the_last_lines_are_kept() -> None:
    tail = uvcmd._Tail(2)
    tail.feed(b"one\ntwo\nthr")
    tail.feed(b"ee\r\nfo", final=False)
    tail.feed(b"ur: 10%\rfour: 100%", final=True)
    assert tail.text == "three\nfour: 100%"


def test_hpm_sync_on_a_terminal_hands_uv_a_terminal(tmp_path: Path) -> None:
    import subprocess
    import sys
    import threading

    from helpers.cli import hpm_env, make_demo, set_groups

    demo = make_demo(tmp_path)
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    master, slave = os.openpty()
    shown = bytearray()

    def drain() -> None:  # read while hpm runs, so a full terminal buffer never blocks it
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    env = hpm_env()
    env.pop("NO_COLOR", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hpm", "sync"],
            cwd=demo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    finally:
        os.close(slave)
        reader.join()
        os.close(master)
    assert done.returncode == 0, bytes(shown).decode(errors="replace")
    assert b"Installed" in shown  # uv's own output went to the terminal, as uv wrote it
    assert b"\x1b[" in shown  # coloured: uv saw a terminal
    assert b"Installed" not in done.stdout  # not also copied to stdout
