"""The PostgreSQL server log on its own: migrations, identity, and an unreachable database."""

from __future__ import annotations

import threading
import uuid

import httpx
import psycopg
import pytest

from console.model.errors import InputError
from console.store import pg_schema
from console.store.server_log_pg import safe_url
from console.sync.server import ServerLog, create_app, start_in_thread

TOKEN = "pg-token-0123456789abcdef"


def test_migrations_run_once_even_when_processes_race_and_the_log_keeps_its_id(pg_url):
    logs: list[ServerLog] = []
    threads = [threading.Thread(target=lambda: logs.append(ServerLog(pg_url))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(logs) == 4 and len({log.log_id for log in logs}) == 1
    for log in logs:
        log.close()
    with psycopg.connect(pg_url) as conn:
        assert pg_schema.applied(conn) == [v for v, _, _ in pg_schema.MIGRATIONS]
    again = ServerLog(pg_url)
    assert again.log_id == logs[0].log_id and again.backend == "postgresql"
    again.close()


def test_a_bad_url_is_one_clear_line_without_the_password(pg_cluster):
    url = f"postgresql://postgres:hunter2@127.0.0.1:{pg_cluster.port}/no_such_db"
    with pytest.raises(InputError) as info:
        ServerLog(url)
    assert "cannot open the server log" in str(info.value)
    assert "hunter2" not in str(info.value) and "hunter2" not in safe_url(url)


def test_health_is_503_when_the_database_is_unreachable(pg_cluster, pg_url):
    log = ServerLog(pg_url)
    running = start_in_thread(create_app(log, [TOKEN]))
    dbname = pg_url.rsplit("/", 1)[1]
    try:
        assert httpx.get(f"{running.url}/v1/health").json()["reachable"] is True
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS false")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [dbname],
            )
        r = httpx.get(f"{running.url}/v1/health", timeout=10)
        assert r.status_code == 503
        assert r.json() == {
            "ok": False,
            "protocol": 1,
            "backend": "postgresql",
            "reachable": False,
        }
        event = {
            "event_id": str(uuid.uuid4()),
            "incident_id": "INC-1",
            "kind": "note_added",
            "body": {"text": "while the database is away"},
            "actor": "ana",
            "origin": "dev-a",
            "hlc": "1772355600000-00000",
            "at": "2026-03-01T09:00:00.000Z",
        }
        r = httpx.post(
            f"{running.url}/v1/push",
            json={"protocol": 1, "client_id": "x", "events": [event]},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert r.status_code == 503 and r.headers["retry-after"] == "2"  # clients retry
    finally:
        running.stop()
        log.close()
