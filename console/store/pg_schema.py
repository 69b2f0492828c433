"""The war-room server's PostgreSQL schema, as numbered migrations.

`schema_migrations` records what ran. Several serve processes may start at once against
a new database: migrating holds a transaction-scoped advisory lock, so one migrates and
the others wait and then find nothing to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg

MIGRATION_LOCK = 0x1C_5E_01  # an arbitrary, fixed advisory-lock key for this schema

# A step is SQL, or a function of the connection for what SQL alone cannot say.
Step = str | Callable[[psycopg.Connection[Any]], None]


def _backfill_lifecycle(conn: psycopg.Connection[Any]) -> None:
    from console.store.server_log_pg import backfill_lifecycle

    backfill_lifecycle(conn)


MIGRATIONS: list[tuple[int, str, list[Step]]] = [
    (
        1,
        "the log",
        [
            """CREATE TABLE log (
                server_seq BIGINT PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                incident_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                client_id TEXT NOT NULL,
                received_at TEXT NOT NULL
            )""",
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            # One row: the last server_seq handed out. Appends lock it for their whole
            # transaction, so sequence numbers become visible in number order.
            """CREATE TABLE log_head (
                one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
                seq BIGINT NOT NULL
            )""",
            "INSERT INTO log_head (seq) VALUES (0)",
        ],
    ),
    (
        2,
        "escalation across serve processes",
        [
            # Which serve process runs escalation now, until when (renewed every pass).
            """CREATE TABLE escalation_leader (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                until TIMESTAMPTZ NOT NULL
            )""",
            # One row per page key (intent@channel): claimed before sending, marked sent
            # after. A key marked sent is never sent again by any process.
            """CREATE TABLE page_sends (
                key TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                claimed_until TIMESTAMPTZ NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 1,
                sent_at TIMESTAMPTZ
            )""",
        ],
    ),
    (
        3,
        "alert intake across serve processes",
        [
            # The changes held back while an alert flaps, shared by every serve process
            # (a console database keeps its own in its alert_holds); `until` is ISO text.
            """CREATE TABLE alert_holds (
                home TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                body TEXT NOT NULL,
                until TEXT NOT NULL,
                flaps INTEGER NOT NULL,
                PRIMARY KEY (home, fingerprint)
            )""",
        ],
    ),
    (
        4,
        "which incidents are open (a joining console gets them first)",
        [
            """CREATE TABLE incident_lifecycle (
                incident_id TEXT PRIMARY KEY,
                is_open BOOLEAN NOT NULL DEFAULT TRUE,
                hlc TEXT COLLATE "C" NOT NULL DEFAULT '',
                origin TEXT COLLATE "C" NOT NULL DEFAULT '',
                event_id TEXT COLLATE "C" NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX incident_lifecycle_open ON incident_lifecycle (incident_id) WHERE is_open",
            "CREATE INDEX log_incident ON log (incident_id, server_seq)",
            _backfill_lifecycle,
        ],
    ),
]


def migrate(conn: psycopg.Connection) -> None:
    """Bring the database up to date (idempotent; safe when several processes race)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, statements in MIGRATIONS:
            if version in done:
                continue
            for step in statements:
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step)
            if version == 1:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('log_id', %s)", [uuid.uuid4().hex]
                )
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", [version, name]
            )


def applied(conn: psycopg.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
