"""What the board and the room show about paging: failing channels (nothing is
dropped silently) and the pages of one incident. Plain reads; any thread's connection."""

from __future__ import annotations

import sqlite3

from console.store import outbox

DEFAULT_FAILING_AFTER = 3


def failing_channels(
    conn: sqlite3.Connection, failing_after: int = DEFAULT_FAILING_AFTER
) -> list[dict]:
    """Channels whose last `failing_after` attempts failed (or that failed in a way a
    retry cannot fix), with what is waiting on them. Empty when all is well."""
    pending = outbox.pending_by_channel(conn)
    out = []
    for h in outbox.channel_health(conn):
        if h["consecutive_failures"] >= failing_after or (
            h["permanent"] and h["consecutive_failures"]
        ):
            waiting = pending.get(
                h["channel"], {"pending": 0, "oldest_pending_at": None, "incidents": []}
            )
            out.append(
                {
                    "channel": h["channel"],
                    "consecutive_failures": h["consecutive_failures"],
                    "permanent": bool(h["permanent"]),
                    "last_error": h["last_error"],
                    "failing_since": h["failing_since"],
                    "last_failure_at": h["last_failure_at"],
                    "last_success_at": h["last_success_at"],
                    **waiting,
                }
            )
    return out


def incident_paging(conn: sqlite3.Connection, incident_id: str) -> list[dict]:
    """Every outbox row of an incident: what went where, and what is still waiting."""
    return [
        {
            "key": r.key,
            "kind": r.kind,
            "step": r.step,
            "target": r.target,
            "channel": r.channel,
            "state": r.state,
            "attempts": r.attempts,
            "created_at": r.created_at,
            "next_attempt_at": r.next_attempt_at if r.state == "queued" else None,
            "delivered_at": r.delivered_at,
            "last_error": r.last_error,
        }
        for r in outbox.for_incident(conn, incident_id)
    ]


def overview(conn: sqlite3.Connection, failing_after: int = DEFAULT_FAILING_AFTER) -> dict:
    """`escalate --status`: outbox counts, channel health, failing channels, last pass."""
    last = conn.execute("SELECT value FROM settings WHERE key = 'notify.last_pass_at'").fetchone()
    return {
        "outbox": outbox.counts(conn),
        "pending": outbox.pending_by_channel(conn),
        "channels": outbox.channel_health(conn),
        "failing": failing_channels(conn, failing_after),
        "last_pass_at": last[0] if last else None,
    }
