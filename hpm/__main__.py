"""``python -m hpm`` and the ``hpm`` console script.

The import of the CLI happens inside :func:`run`, so that Ctrl-C while Python is still loading
hpm (click, the registry code) ends quietly with exit 130 instead of a traceback.

Start-up runs without the cyclic garbage collector: importing and loading the project leave
next to no cyclic garbage, yet every automatic collection walked all the objects they keep
(modules, classes, the registry). :func:`hpm.cli.project.start_collecting` hands it back, with those
objects left out of its walks for good (``gc.freeze``), before the command does its work.

The installed ``hpm`` command is :func:`console`: once the command is done it flushes the output
and ends the process with ``os._exit``, skipping the interpreter's teardown (freeing every
module's objects one by one: about 15 ms of CPU after the work is over). ``python -m hpm`` and
:func:`run` end as any Python program does.
"""

from __future__ import annotations

import gc
import os
import sys


def run() -> None:
    """Run the command line; a Ctrl-C that reaches this far exits 130 without a traceback."""
    gc.disable()  # until the command is loaded (start_collecting)
    try:
        from hpm.cli import main

        main(prog_name="hpm")
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)


def console() -> None:
    """The ``hpm`` console script: :func:`run`, then exit at once with its status.

    As the interpreter would: ``sys.exit(None)`` is 0, a message is printed and exits 1, and
    output that cannot be flushed (a closed pipe) makes the status 120, without a traceback.
    Anything else escaping :func:`run` (a bug) ends the usual way, with its traceback.
    """
    try:
        run()
        status = 0
    except SystemExit as done:
        status = _status(done.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = 120
    os._exit(status)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


if __name__ == "__main__":
    run()
