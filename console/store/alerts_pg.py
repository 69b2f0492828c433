"""Alert intake shared by several serve processes through their PostgreSQL log database.

Each process writes alerts into its own mirror database, so two processes given the same
notification (a load balancer retrying on the other) would each declare an incident.
Here every notification is handled under one advisory lock, held for a transaction on
this connection, and the changes held back while an alert flaps live in a shared table
written in that transaction: a notification is handled as if one process received them
all (console/alerts/shared.py catches up with the log under the lock and pushes its
writes before releasing it).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import psycopg

from console.model.errors import ConsoleError
from console.store.alerts import Hold
from console.store.pg_conn import LazyConnection

ALERT_LOCK = 0x1C_A1_E7  # an arbitrary, fixed advisory-lock key for alert intake
LOCK_WAIT = "30s"  # a process stuck holding it: the sender gets 503 and retries


class PgAlertHolds(LazyConnection):
    """One connection (autocommit outside `locked()`), opened lazily and reopened after an
    error; used from the alert desk's thread only."""

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The only alert intake of every process until the block ends; the holds written
        inside it commit with it (or not at all)."""
        try:
            conn = self._db()
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [ALERT_LOCK])
                yield
        except psycopg.OperationalError as exc:
            self.close()
            raise ConsoleError(
                f"alert intake: the shared database is unavailable ({exc})"
            ) from None

    def hold(self, home: str, fingerprint: str, body: dict, until: str, flaps: int) -> None:
        self._db().execute(
            "INSERT INTO alert_holds (home, fingerprint, body, until, flaps) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (home, fingerprint) DO UPDATE SET "
            "body = excluded.body, until = excluded.until, flaps = excluded.flaps",
            [home, fingerprint, json.dumps(body, sort_keys=True), until, flaps],
        )

    def held(self, home: str, fingerprint: str) -> Hold | None:
        row = (
            self._db()
            .execute(
                "SELECT home, fingerprint, body, until, flaps FROM alert_holds "
                "WHERE home = %s AND fingerprint = %s",
                [home, fingerprint],
            )
            .fetchone()
        )
        return Hold(row[0], row[1], json.loads(row[2]), row[3], row[4]) if row else None

    def release(self, home: str, fingerprint: str) -> None:
        self._db().execute(
            "DELETE FROM alert_holds WHERE home = %s AND fingerprint = %s", [home, fingerprint]
        )

    def release_home(self, home: str) -> None:
        self._db().execute("DELETE FROM alert_holds WHERE home = %s", [home])

    def due(self, now: str) -> list[Hold]:
        rows = self._db().execute(
            "SELECT home, fingerprint, body, until, flaps FROM alert_holds WHERE until <= %s "
            "ORDER BY until",
            [now],
        )
        return [Hold(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    def any_due(self, now: str) -> bool:
        """Cheap, without the lock: is there anything for a flush to write?"""
        try:
            row = (
                self._db()
                .execute("SELECT EXISTS (SELECT 1 FROM alert_holds WHERE until <= %s)", [now])
                .fetchone()
            )
        except psycopg.OperationalError:
            self.close()
            return False  # the next tick tries again
        return bool(row and row[0])
