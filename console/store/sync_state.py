"""What the console remembers about syncing, kept in its own database: the remote
URL, the pull cursor (with the log it belongs to), the outbox, dead letters.

Never the token. Functions taking `conn` run inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from msgspec import Struct

from console.model.events import Event
from console.store import Store
from console.store.events import row_to_event

REMOTE = "sync.remote"
CURSOR = "sync.cursor"
LAST_SYNC = "sync.last_sync"
LAST_ERROR = "sync.last_error"
JOIN = "sync.join"

_EVENT_COLUMNS = (
    "e.event_id, e.incident_id, e.kind, e.body, e.actor, e.origin, e.hlc, e.at, e.server_seq"
)


class Cursor(Struct, frozen=True):
    """How far we have pulled: the server_seq, and which event sits there (so a log that
    was rewritten under the same log id, e.g. restored from a backup, is noticed)."""

    log_id: str | None = None
    after: int = 0
    after_id: str | None = None


def _get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _set(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM settings WHERE key = ?", [key])
    else:
        conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def remote(conn: sqlite3.Connection) -> str | None:
    return _get(conn, REMOTE)


def set_remote(store: Store, url: str | None) -> None:
    """A new remote starts from scratch: its log id will differ, which resets the cursor."""
    with store.transaction() as conn:
        if remote(conn) != url:
            _set(conn, REMOTE, url)
            _set(conn, CURSOR, None)


def cursor(conn: sqlite3.Connection) -> Cursor:
    raw = _get(conn, CURSOR)
    if not raw:
        return Cursor()
    data = json.loads(raw)
    return Cursor(data.get("log_id"), int(data.get("after", 0)), data.get("after_id"))


def set_cursor(conn: sqlite3.Connection, cur: Cursor) -> None:
    _set(
        conn,
        CURSOR,
        json.dumps(
            {"log_id": cur.log_id, "after": cur.after, "after_id": cur.after_id}, sort_keys=True
        ),
    )


def adopt_log(conn: sqlite3.Connection, log_id: str, *, force: bool = False) -> bool:
    """Start over against a different (or reset) server log: the old server_seqs mean
    nothing there, so every local event goes back into the outbox and we pull from 0.
    Re-pushing is safe (event ids are idempotency keys). True when it reset."""
    if not force and cursor(conn).log_id == log_id:
        return False
    conn.execute("UPDATE events SET server_seq = NULL WHERE server_seq IS NOT NULL")
    set_cursor(conn, Cursor(log_id, 0))
    return True


# ------------------------------------------------------------------ outbox


_PENDING = (
    "FROM events e WHERE e.server_seq IS NULL AND NOT EXISTS "
    "(SELECT 1 FROM sync_dead_letters d WHERE d.event_id = e.event_id AND d.direction = 'push')"
)


def outbox(conn: sqlite3.Connection, limit: int, after: int = 0) -> list[tuple[int, Event]]:
    """Events to push, oldest first, with their place in the local log; only those past
    `after` (a place: what is already on its way is skipped). Dead letters are left out
    so they never block the rest."""
    rows = conn.execute(
        f"SELECT e.seq, {_EVENT_COLUMNS} {_PENDING} AND e.seq > ? ORDER BY e.seq LIMIT ?",
        [after, limit],
    )
    return [(r[0], row_to_event(r[1:])) for r in rows]


def outbox_depth(conn: sqlite3.Connection) -> int:
    return conn.execute(f"SELECT count(*) {_PENDING}").fetchone()[0]


def seq_conflict(conn: sqlite3.Connection, results: list[dict[str, Any]]) -> bool:
    """Would these server_seqs collide with other events' ones? Only when the server
    lost events but kept its log id (restored from a backup): then we start over."""
    pairs = [(r["server_seq"], r["event_id"]) for r in results if r["status"] != "rejected"]
    if not pairs:
        return False
    marks = ",".join("?" for _ in pairs)
    row = conn.execute(
        f"SELECT 1 FROM events WHERE server_seq IN ({marks}) AND event_id NOT IN ({marks}) LIMIT 1",
        [p[0] for p in pairs] + [p[1] for p in pairs],
    ).fetchone()
    return row is not None


def record_results(
    conn: sqlite3.Connection, results: list[dict[str, Any]], sent: dict[str, Event], at: str
) -> tuple[int, int, int]:
    """Store what the server said about a pushed batch: (accepted, duplicate, rejected)."""
    seqs = [(r["server_seq"], r["event_id"]) for r in results if r["status"] != "rejected"]
    conn.executemany(
        "UPDATE events SET server_seq = ? WHERE event_id = ? AND server_seq IS NULL", seqs
    )
    rejected = [r for r in results if r["status"] == "rejected"]
    for r in rejected:
        add_dead_letter(
            conn, sent[r["event_id"]].to_dict(), "push", r.get("error") or "rejected", at
        )
    accepted = sum(r["status"] == "accepted" for r in results)
    return accepted, len(seqs) - accepted, len(rejected)


# ------------------------------------------------------------------ dead letters


def add_dead_letter(
    conn: sqlite3.Connection, raw: Any, direction: str, reason: str, at: str
) -> None:
    get = raw.get if isinstance(raw, dict) else (lambda _k: None)
    text = lambda v: v if isinstance(v, str) else None  # noqa: E731
    conn.execute(
        "INSERT INTO sync_dead_letters (event_id, incident_id, kind, direction, reason, payload, at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT(event_id, direction) DO UPDATE SET "
        "reason = excluded.reason, payload = excluded.payload, at = excluded.at",
        [
            text(get("event_id")),
            text(get("incident_id")),
            text(get("kind")),
            direction,
            reason,
            json.dumps(raw, sort_keys=True, default=str)[:200_000],
            at,
        ],
    )


def dead_letters(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """For `sync status` and the TUI: what the server refused (push) or sent broken (pull)."""
    rows = conn.execute(
        "SELECT id, event_id, incident_id, kind, direction, reason, at FROM sync_dead_letters "
        "ORDER BY id DESC LIMIT ?",
        [limit],
    )
    keys = ("id", "event_id", "incident_id", "kind", "direction", "reason", "at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def dead_letter_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM sync_dead_letters").fetchone()[0]


def retry_dead_letters(store: Store) -> int:
    """Put refused events back into the outbox (after the cause is fixed on the server)."""
    with store.transaction() as conn:
        return conn.execute("DELETE FROM sync_dead_letters WHERE direction = 'push'").rowcount


# ------------------------------------------------------------------ bookkeeping


def note_success(conn: sqlite3.Connection, at: str) -> None:
    _set(conn, LAST_SYNC, at)
    if _get(conn, LAST_ERROR) is not None:
        _set(conn, LAST_ERROR, None)


def note_join(conn: sqlite3.Connection, log_id: str, upto: int, incidents: int) -> None:
    """A join took the incidents open on `log_id` up to server_seq `upto` first; the
    history from 0 is complete once the cursor passes it."""
    _set(
        conn,
        JOIN,
        json.dumps({"log_id": log_id, "upto": upto, "incidents": incidents}, sort_keys=True),
    )


def join_state(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The last join, with whether its history has all arrived (None: never joined)."""
    raw = _get(conn, JOIN)
    if not raw:
        return None
    data = json.loads(raw)
    cur = cursor(conn)
    data["history_complete"] = cur.log_id == data.get("log_id") and cur.after >= data.get("upto", 0)
    return data


def note_error(store: Store, message: str, at: str) -> None:
    with store.transaction() as conn:
        _set(conn, LAST_ERROR, json.dumps({"at": at, "error": message}, sort_keys=True))


def summary(conn: sqlite3.Connection) -> dict[str, Any]:
    """Everything `sync status` shows that needs no network (and never the token)."""
    cur = cursor(conn)
    err = _get(conn, LAST_ERROR)
    return {
        "remote": remote(conn),
        "log_id": cur.log_id,
        "cursor": cur.after,
        "outbox": outbox_depth(conn),
        "last_sync": _get(conn, LAST_SYNC),
        "last_error": json.loads(err) if err else None,
        "dead_letters": dead_letter_count(conn),
        "join": join_state(conn),
    }
