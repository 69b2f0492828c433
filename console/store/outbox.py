"""The notification outbox, the per-(incident, step) delivery lease and channel health.

Rows are written in the caller's transaction (with the page_queued event); the
`key` (intent key @ channel) is UNIQUE, so a page is queued at most once. Leases use
wall-clock seconds: they are about processes being alive, not about incident time.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass

_COLUMNS = (
    "id, key, intent_key, incident_id, step, target, kind, channel, event_id, message, state, "
    "attempts, created_at, next_attempt_at, last_attempt_at, last_error, delivered_at"
)


@dataclass(frozen=True)
class Row:
    id: int
    key: str
    intent_key: str
    incident_id: str
    step: str
    target: str
    kind: str
    channel: str
    event_id: str
    message: dict
    state: str
    attempts: int
    created_at: str
    next_attempt_at: str
    last_attempt_at: str | None
    last_error: str | None
    delivered_at: str | None

    @property
    def lease_step(self) -> str:
        return self.step


def _row(r) -> Row:
    values = list(r)
    values[9] = json.loads(values[9])
    return Row(*values)


def outbox_key(intent_key: str, channel: str) -> str:
    return f"{intent_key}@{channel}"


def enqueue(
    conn: sqlite3.Connection,
    *,
    intent_key: str,
    incident_id: str,
    step: str,
    target: str,
    kind: str,
    channel: str,
    event_id: str,
    message: dict,
    now: str,
) -> bool:
    cur = conn.execute(
        "INSERT INTO notify_outbox (key, intent_key, incident_id, step, target, kind, channel, event_id, "
        "message, created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO NOTHING",
        [
            outbox_key(intent_key, channel),
            intent_key,
            incident_id,
            step,
            target,
            kind,
            channel,
            event_id,
            json.dumps(message, sort_keys=True),
            now,
            now,
        ],
    )
    return cur.rowcount == 1


def candidates(conn: sqlite3.Connection, resolved_since: str, drills_only: bool) -> list[str]:
    """Open incidents, plus those resolved since `resolved_since` that were paged (they owe
    a resolve) or posted a stakeholder update (they may owe the last one), by number."""
    only = "AND drill IS NOT NULL" if drills_only else ""
    rows = conn.execute(  # two index ranges (is_open leads the board index; resolved_at)
        f"SELECT id FROM (SELECT id, number FROM incidents WHERE is_open = 1 {only} UNION "
        f"SELECT id, number FROM incidents WHERE resolved_at >= ? {only} AND (id IN "
        f"(SELECT incident_id FROM notify_outbox) OR EXISTS (SELECT 1 FROM events "
        f"WHERE events.incident_id = incidents.id AND events.kind = 'update_posted'))) "
        f"ORDER BY number",
        [resolved_since],
    )
    return [r[0] for r in rows]


def local_keys(conn: sqlite3.Connection, incident_id: str) -> set[str]:
    """The outbox keys this database holds for an incident."""
    return {
        r[0]
        for r in conn.execute("SELECT key FROM notify_outbox WHERE incident_id = ?", [incident_id])
    }


def due(conn: sqlite3.Connection, now: str, limit: int = 500) -> list[Row]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM notify_outbox WHERE state = 'queued' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?",
        [now, limit],
    )
    return [_row(r) for r in rows]


def get(conn: sqlite3.Connection, row_id: int) -> Row | None:
    r = conn.execute(f"SELECT {_COLUMNS} FROM notify_outbox WHERE id = ?", [row_id]).fetchone()
    return _row(r) if r else None


def for_incident(conn: sqlite3.Connection, incident_id: str) -> list[Row]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM notify_outbox WHERE incident_id = ? ORDER BY id", [incident_id]
    )
    return [_row(r) for r in rows]


def mark_delivered(conn, row_id: int, now: str) -> None:
    conn.execute(
        "UPDATE notify_outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, "
        "last_attempt_at = ?, last_error = NULL WHERE id = ?",
        [now, now, row_id],
    )


def mark_failed(conn, row_id: int, error: str, now: str, next_attempt_at: str) -> None:
    conn.execute(
        "UPDATE notify_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, "
        "next_attempt_at = ? WHERE id = ?",
        [now, error, next_attempt_at, row_id],
    )


def mark_abandoned(conn, row_id: int, why: str, now: str) -> None:
    conn.execute(
        "UPDATE notify_outbox SET state = 'abandoned', last_error = ?, last_attempt_at = ? "
        "WHERE id = ?",
        [why, now, row_id],
    )


# ------------------------------------------------------------------ leases


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """A holder on this host whose process is gone can be taken over at once."""
    try:
        host, pid_text, _ = holder.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_lease(conn, incident_id: str, step: str, holder: str, now: float, seconds: float) -> bool:
    """Inside BEGIN IMMEDIATE: take or renew the lease unless someone alive holds it."""
    row = conn.execute(
        "SELECT holder, until FROM notify_leases WHERE incident_id = ? AND step = ?",
        [incident_id, step],
    ).fetchone()
    if row is not None and row[0] != holder and row[1] > now and not holder_is_dead(row[0]):
        return False
    conn.execute(
        "INSERT INTO notify_leases (incident_id, step, holder, until) VALUES (?,?,?,?) "
        "ON CONFLICT(incident_id, step) DO UPDATE SET holder = excluded.holder, until = excluded.until",
        [incident_id, step, holder, now + seconds],
    )
    return True


def release_lease(conn, incident_id: str, step: str, holder: str) -> None:
    conn.execute(
        "DELETE FROM notify_leases WHERE incident_id = ? AND step = ? AND holder = ?",
        [incident_id, step, holder],
    )


def lease_holder(conn, incident_id: str, step: str) -> tuple[str, float] | None:
    row = conn.execute(
        "SELECT holder, until FROM notify_leases WHERE incident_id = ? AND step = ?",
        [incident_id, step],
    ).fetchone()
    return (row[0], row[1]) if row else None


# ------------------------------------------------------------------ channel health


def channel_ok(conn, channel: str, now: str) -> None:
    conn.execute(
        "INSERT INTO notify_channels (channel, consecutive_failures, permanent, last_success_at) "
        "VALUES (?, 0, 0, ?) ON CONFLICT(channel) DO UPDATE SET consecutive_failures = 0, "
        "permanent = 0, failing_since = NULL, last_success_at = excluded.last_success_at",
        [channel, now],
    )


def channel_failed(conn, channel: str, error: str, now: str, permanent: bool) -> int:
    conn.execute(
        "INSERT INTO notify_channels (channel, consecutive_failures, permanent, last_error, failing_since, "
        "last_failure_at) VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT(channel) DO UPDATE SET "
        "consecutive_failures = consecutive_failures + 1, permanent = excluded.permanent, "
        "last_error = excluded.last_error, failing_since = COALESCE(failing_since, excluded.failing_since), "
        "last_failure_at = excluded.last_failure_at",
        [channel, int(permanent), error, now, now],
    )
    return conn.execute(
        "SELECT consecutive_failures FROM notify_channels WHERE channel = ?", [channel]
    ).fetchone()[0]


def channel_health(conn) -> list[dict]:
    cols = (
        "channel",
        "consecutive_failures",
        "permanent",
        "last_error",
        "failing_since",
        "last_failure_at",
        "last_success_at",
    )
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM notify_channels ORDER BY channel")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def pending_by_channel(conn) -> dict[str, dict]:
    rows = conn.execute(
        "SELECT channel, count(*), min(created_at), group_concat(DISTINCT incident_id) "
        "FROM notify_outbox WHERE state = 'queued' GROUP BY channel"
    )
    return {
        r[0]: {
            "pending": r[1],
            "oldest_pending_at": r[2],
            "incidents": sorted((r[3] or "").split(",")),
        }
        for r in rows
    }


def counts(conn) -> dict[str, int]:
    out = {"queued": 0, "delivered": 0, "abandoned": 0}
    for state, n in conn.execute("SELECT state, count(*) FROM notify_outbox GROUP BY state"):
        out[state] = n
    return out
