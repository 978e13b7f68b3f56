"""``python -m hpm`` and the ``hpm`` console script.

The import of the CLI happens inside :func:`run`, so that Ctrl-C while Python is still loading
hpm (click, the registry code) ends quietly with exit 130 instead of a traceback.

Start-up runs without the cyclic garbage collector: importing and loading the project leave
next to no cyclic garbage, yet every automatic collection walked all the objects they keep
(modules, classes, the registry). :func:`hpm.cli.project.start_collecting` hands it back, with those
objects left out of its walks for good (``gc.freeze``), before the command does its work.
"""

from __future__ import annotations

import gc
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


if __name__ == "__main__":
    run()
