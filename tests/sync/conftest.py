"""Fixtures for the shared war room: a real server on 127.0.0.1 (ephemeral port),
consoles on real SQLite files, an in-memory keyring, an isolated environment."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import keyring
import pytest
from memkeyring import MemoryKeyring

from console.config import load
from console.model.clock import ManualClock
from console.service import IncidentService
from console.store import Store
from console.store import sync_state as state
from console.sync.client import SyncClient
from console.sync.server import ServerLog, create_app, start_in_thread

TOKEN = "test-token-0123456789abcdef"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INCIDENT_CONSOLE_DB", raising=False)
    monkeypatch.delenv("INCIDENT_CONSOLE_TOKEN", raising=False)
    monkeypatch.setenv("INCIDENT_CONSOLE_ACTOR", "tester")


@pytest.fixture(autouse=True)
def no_real_keyring():
    """No test may read or write the developer's real keyring."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def memory_keyring(no_real_keyring):
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


class Server:
    """A real reference server in a thread; restartable on the same port and log.
    `path` is a SQLite file or a PostgreSQL database URL."""

    def __init__(self, path: Path | str, port: int = 0):
        self.path = path
        self.port = port
        self.log: ServerLog | None = None
        self.running = None

    def start(self) -> Server:
        self.log = ServerLog(self.path)
        self.running = start_in_thread(create_app(self.log, [TOKEN]), port=self.port)
        self.port = int(self.running.url.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        if self.running:
            self.running.stop()
            self.running = None
        if self.log:
            self.log.close()
            self.log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def backend(self) -> str:
        return "postgresql" if str(self.path).startswith("postgresql://") else "sqlite"

    def restore_empty_backup(self) -> None:
        """As if the log were restored from a backup taken before any event (log id kept)."""
        if self.backend == "sqlite":
            with sqlite3.connect(self.path) as restored:
                restored.execute("DELETE FROM log")
            return
        import psycopg

        with psycopg.connect(str(self.path)) as restored:
            restored.execute("DELETE FROM log")
            restored.execute("UPDATE log_head SET seq = 0")

    def rows(self) -> list[tuple]:
        log = ServerLog(self.path)  # a second connection: a read-only look at the log
        try:
            return log.rows()
        finally:
            log.close()

    def http(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@pytest.fixture(scope="session")
def shared_uvicorn(tmp_path_factory):
    """One real uvicorn for the session; each test swaps in a fresh log (fast: no restarts)."""
    log = ServerLog(tmp_path_factory.mktemp("shared") / "idle.db")
    app = create_app(log, [TOKEN])
    running = start_in_thread(app)
    yield app, running
    running.stop()
    app.state.log.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The server's storage: every server contract test runs against both."""
    return request.param


@pytest.fixture
def log_target(backend, tmp_path, request):
    """Where a test's server log lives: `log_target(name)` is a SQLite file in tmp_path, or
    a fresh PostgreSQL database (the same one again for the same name: restarts)."""
    made: dict[str, str | Path] = {}

    def target(name: str) -> str | Path:
        if name not in made:
            made[name] = (
                tmp_path / name
                if backend == "sqlite"
                else request.getfixturevalue("pg_cluster").new_database()
            )
        return made[name]

    return target


@pytest.fixture
def server(log_target, shared_uvicorn):
    """A real server with an empty log of its own, on 127.0.0.1 (ephemeral port)."""
    app, running = shared_uvicorn
    srv = Server(log_target("server.db"), port=int(running.url.rsplit(":", 1)[1]))
    srv.log = ServerLog(srv.path)
    previous, app.state.log = app.state.log, srv.log
    yield srv
    app.state.log = previous
    srv.log.close()


@pytest.fixture
def make_server(log_target):
    """Servers a test starts and stops itself (restarts, resets); all stopped at the end.
    The path names the log: on PostgreSQL, the same path is the same database."""
    made: list[Server] = []

    def make(path: Path, port: int = 0, start: bool = True) -> Server:
        srv = Server(log_target(Path(path).name), port)
        made.append(srv)
        return srv.start() if start else srv

    yield make
    for srv in made:
        srv.stop()


@pytest.fixture
def org():
    return load(None)


class Console:
    """One person's console: its own database file, clock and service."""

    def __init__(self, path: Path, org, actor: str, start: datetime = T0):
        self.path = path
        self.clock = ManualClock(start)
        self.store = Store(path)
        self.service = IncidentService(self.store, org, self.clock, actor)

    def client(self, url: str, token: str = TOKEN, **kw) -> SyncClient:
        kw.setdefault("sleep", lambda s: None)
        kw.setdefault("random", lambda: 0.5)
        kw.setdefault("timeout", 5.0)
        if state.remote(self.store.conn) != url:
            state.set_remote(self.store, url)
        return SyncClient(self.service, url, token, **kw)

    def sync(self, url: str, **kw) -> dict:
        with self.client(url, **kw) as c:
            return c.sync_once()

    def event_ids(self) -> set[str]:
        return {r[0] for r in self.store.conn.execute("SELECT event_id FROM events")}

    def outbox(self) -> int:
        return state.outbox_depth(self.store.conn)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def consoles(tmp_path, org):
    made: list[Console] = []

    def make(name: str, actor: str | None = None) -> Console:
        c = Console(tmp_path / f"{name}.db", org, actor or name)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
