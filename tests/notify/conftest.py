"""Fixtures for the notify tests live in nkit.py (a unique module name, so other suites'
conftest modules cannot shadow it)."""

from nkit import isolated_env, memory_keyring, receivers, world  # noqa: F401
