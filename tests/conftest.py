"""Shared by every test package: nothing a test does may touch the real home dir."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Config, data, the compiled-org cache and the default database live under the
    test's tmp_path."""
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DB", str(tmp_path / "data" / "local.db"))


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL for the session (tests/pgcluster.py), started on first use.
    Without the server binaries the tests that need it are skipped, except under CI=true,
    where that fails the run."""
    import os

    import pgcluster

    bindir = pgcluster.find_bindir()
    if bindir is None:
        why = "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    cluster = pgcluster.Cluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a fresh, empty PostgreSQL database."""
    return pg_cluster.new_database()


@pytest.fixture
def utc_local_zone():
    """The process's local zone is UTC, so screens read the same on every machine."""
    import os
    import time

    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()
