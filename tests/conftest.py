"""Shared by every test package: nothing a test does may touch the real home dir."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Config, data and the default database live under the test's tmp_path."""
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DB", str(tmp_path / "data" / "local.db"))
