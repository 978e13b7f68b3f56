"""The kernel's parent-death signal for hpm's child processes (Linux ``prctl PR_SET_PDEATHSIG``).

A child hpm starts (uv, :mod:`hpm.apply.process`; the registry's parse child,
:mod:`hpm.registry.parallel`) asks the kernel for SIGKILL the moment hpm dies, however it dies
(``kill -9`` included), and exits at once if hpm died before it asked.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1

Prctl = Callable[..., int]


@functools.cache
def prctl() -> Prctl | None:
    """libc's ``prctl`` (Linux), looked up once per process; look it up *before* forking.

    Through the symbols already loaded into this process (``dlopen(NULL)``: Python links libc),
    not ``ctypes.util.find_library``, which runs ``ldconfig -p`` in a child process each time it
    is asked (about 10 ms per uv step); a statically linked Python falls back to it.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        from ctypes.util import find_library

        name = find_library("c")
        return ctypes.CDLL(name, use_errno=True).prctl if name else None


def die_with(parent: int, prctl_function: Prctl | None) -> None:
    """In a child just started: SIGKILL when ``parent`` dies; exit at once if it already has.

    ``prctl_function`` is :func:`prctl`'s answer, taken in the parent (the child looks nothing up:
    another thread of the parent may have held the dynamic loader's lock at the fork).
    """
    if prctl_function is not None:
        prctl_function(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(137)
