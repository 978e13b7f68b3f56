"""Helpers shared by tests that run the real uv and git (see tests/conftest.py for fixtures)."""
