"""hpm: compose a project's dependencies from a registry of groups, then hand them to uv."""

__version__ = "0.1.0"
