"""One PostgreSQL connection for one thread of a serve process (the escalation runner's,
the alert desk's): autocommit, opened when first used with the schema migrated, and
opened again after an error (the database restarted, the connection broke)."""

from __future__ import annotations

from typing import Any

import psycopg

from console.store import pg_schema


class LazyConnection:
    def __init__(self, url: str):
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None

    def _db(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            pg_schema.migrate(self._conn)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
