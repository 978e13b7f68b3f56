"""``python -m hpm`` and the ``hpm`` console script.

The import of the CLI happens inside :func:`run`, so that Ctrl-C while Python is still loading
hpm (click, the registry code) ends quietly with exit 130 instead of a traceback.
"""

from __future__ import annotations

import sys


def run() -> None:
    """Run the command line; a Ctrl-C that reaches this far exits 130 without a traceback."""
    try:
        from hpm.cli import main

        main(prog_name="hpm")
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    run()
