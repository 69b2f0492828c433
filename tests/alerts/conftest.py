"""Fixtures for the alert tests live in akit.py (a unique module name, so other suites'
conftest modules cannot shadow it)."""

from akit import desk_world, memory_keyring  # noqa: F401
