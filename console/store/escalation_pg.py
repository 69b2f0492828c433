"""Escalation shared by several serve processes through their PostgreSQL log database.

Two leases, both timed by the database's clock (one clock for every process):
- the leader lease: one process at a time decides and delivers pages; it renews the
  lease every pass, and when it stops renewing (killed, cut off) another takes over once
  the lease has run out;
- a claim per page key (intent@channel), taken before sending and marked sent after.
  A key marked sent is never sent again by anyone; a claim left by a killed process
  expires and the page is sent again under the same key (at least once, one key).
"""

from __future__ import annotations

from typing import Any, Literal

import psycopg

from console.store.pg_conn import LazyConnection

Claim = Literal["mine", "sent", "busy"]
LEADER = "escalation"


class PgDelivery(LazyConnection):
    """One connection (autocommit), opened lazily and reopened after an error; used from
    the escalation runner's thread only."""

    def _one(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        try:
            return self._db().execute(sql, params).fetchone()
        except psycopg.OperationalError:
            self.close()  # reconnect on the next call; this pass fails and is retried
            raise

    def lead(self, holder: str, seconds: float) -> bool:
        """Take or renew the leader lease; False while another process holds it."""
        row = self._one(
            "INSERT INTO escalation_leader (name, holder, until) "
            "VALUES (%s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            "WHERE escalation_leader.holder = excluded.holder OR escalation_leader.until < now() "
            "RETURNING holder",
            [LEADER, holder, seconds],
        )
        return row is not None

    def resign(self, holder: str) -> None:
        """A clean stop: another process may lead at its next pass."""
        self._one(
            "DELETE FROM escalation_leader WHERE name = %s AND holder = %s RETURNING holder",
            [LEADER, holder],
        )

    def leader(self) -> tuple[str, bool] | None:
        """(holder, lease still running) — for status displays and tests."""
        row = self._one(
            "SELECT holder, until > now() FROM escalation_leader WHERE name = %s", [LEADER]
        )
        return (row[0], row[1]) if row else None

    def claim(self, key: str, holder: str, seconds: float) -> Claim:
        """May this holder send the page with this key now?"""
        row = self._one(
            "INSERT INTO page_sends (key, holder, claimed_until) "
            "VALUES (%s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, "
            "claimed_until = excluded.claimed_until, attempts = page_sends.attempts + 1 "
            "WHERE page_sends.sent_at IS NULL AND (page_sends.holder = excluded.holder "
            "OR page_sends.claimed_until < now()) RETURNING holder",
            [key, holder, seconds],
        )
        if row is not None:
            return "mine"
        sent = self._one("SELECT sent_at IS NOT NULL FROM page_sends WHERE key = %s", [key])
        return "sent" if sent and sent[0] else "busy"

    def mark_sent(self, key: str, holder: str) -> None:
        self._one(
            "UPDATE page_sends SET sent_at = now() WHERE key = %s AND sent_at IS NULL "
            "RETURNING key",
            [key],
        )

    def release(self, key: str, holder: str) -> None:
        """The send failed: another attempt (by anyone) may claim it at once."""
        self._one(
            "DELETE FROM page_sends WHERE key = %s AND holder = %s AND sent_at IS NULL "
            "RETURNING key",
            [key, holder],
        )

    def sends(self) -> dict[str, tuple[int, bool]]:
        """key → (claims taken, sent) — for tests and diagnostics."""
        rows = self._db().execute("SELECT key, attempts, sent_at IS NOT NULL FROM page_sends")
        return {r[0]: (r[1], r[2]) for r in rows}
