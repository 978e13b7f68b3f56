"""The command line, the only package that imports click (see ``hpm.cli.app``)."""

from hpm.cli.app import main

__all__ = ["main"]
