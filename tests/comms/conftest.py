"""The comms tests reuse the notify kit: real receivers on 127.0.0.1, an in-memory
keyring, a ManualClock and real SQLite files."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "notify"))

from nkit import isolated_env, make_world, memory_keyring, receivers  # noqa: E402, F401


@pytest.fixture
def told(tmp_path, receivers, memory_keyring):  # noqa: F811
    """A world whose webhook channel is marked for stakeholders."""
    w = make_world(tmp_path, receivers, memory_keyring, hook_extra="stakeholders = true")
    yield w
    w.close()
