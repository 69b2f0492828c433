"""TUI test fixtures: real SQLite files under tmp_path, a ManualClock, local time
pinned to UTC (so what the screen shows is the same everywhere)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tuikit import open_service

from console import config
from console.model.clock import ManualClock

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _utc(utc_local_zone):
    """Every TUI test sees UTC as the local zone."""


@pytest.fixture(autouse=True)
def _colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="session")
def org():
    return config.load(None)


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "console.db"


@pytest.fixture
def service(db_path, org, clock):
    svc = open_service(db_path, org, clock)
    yield svc
    svc.store.close()


@pytest.fixture(scope="session")
def example_db(tmp_path_factory, org) -> Path:
    """The demo database, written once per session at a fixed moment."""
    from console.example import write_example_db

    path = tmp_path_factory.mktemp("example") / "example.db"
    write_example_db(path, org, seed=7, now=T0)
    return path


@pytest.fixture
def demo_service(example_db, tmp_path, org, clock):
    path = tmp_path / "demo.db"
    shutil.copyfile(example_db, path)
    svc = open_service(path, org, clock)
    yield svc
    svc.store.close()
