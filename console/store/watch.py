"""Noticing commits made through other connections (another process, or a thread
with its own Store) without reading anything while nothing changed.

`PRAGMA data_version` changes only when another connection commits, and costs
microseconds; only then is the event log read past the last seen `seq`.
"""

from __future__ import annotations

import sqlite3

from msgspec import Struct


class Change(Struct, frozen=True):
    incidents: tuple[str, ...]  # incidents with new events, oldest change first
    actors: frozenset[str]  # who recorded them


class CommitWatcher:
    """Use on the connection's own thread (a SQLite connection never crosses threads)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._version = self._data_version()
        self._seq = self._max_seq()

    def _data_version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def _max_seq(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]

    def poll(self) -> Change | None:
        """New events committed elsewhere since the last poll; None when there are none.
        (Events this connection wrote meanwhile come along too: its own listeners
        already heard of them, a second reload finds nothing new.)"""
        if self.conn.in_transaction:
            return None  # mid-command: look again on the next tick
        version = self._data_version()
        if version == self._version:
            return None
        self._version = version
        # Grouped in SQLite, not here: a pulled history commits thousands of rows a
        # second, and this runs on the UI's thread.
        top = self.conn.execute(
            "SELECT max(seq) FROM events WHERE seq > ?", [self._seq]
        ).fetchone()[0]
        if top is None:
            return None  # settings, outbox or leases only: nothing a screen shows
        span = [self._seq, top]
        incidents = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT incident_id, min(seq) AS first FROM events WHERE seq > ? AND seq <= ?"
                " GROUP BY incident_id ORDER BY first",
                span,
            )
        )
        actors = frozenset(
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT actor FROM events WHERE seq > ? AND seq <= ?", span
            )
        )
        self._seq = top
        return Change(incidents, actors)
