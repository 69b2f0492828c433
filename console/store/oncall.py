"""On-call data in the local database: override events (each team's `oncall:TEAM`
aggregate in the event log) and imported calendars with their expanded shifts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from console.model.clock import iso, parse_iso
from console.model.fold import fold
from console.model.folds.oncall import PREFIX, book_of
from console.model.oncall import Calendar, Override
from console.model.schedule import Shift
from console.store import events

# The aggregate ids of on-call overrides sort between these (an index range, not LIKE).
_LOW, _HIGH = PREFIX, PREFIX[:-1] + chr(ord(PREFIX[-1]) + 1)


def overrides(conn: sqlite3.Connection) -> list[Override]:
    """Every live override, in the order the log records them (later ones win)."""
    out: list[Override] = []
    teams = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT incident_id FROM events WHERE incident_id >= ? AND incident_id < ?",
            [_LOW, _HIGH],
        )
    ]
    for aggregate in teams:
        agg = fold(events.for_incident(conn, aggregate))
        if agg is not None:
            out.extend(book_of(agg).live())
    return out


def version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever an override or a calendar does: when to rebuild a Rota."""
    ev = conn.execute(
        "SELECT count(*), max(seq) FROM events WHERE incident_id >= ? AND incident_id < ?",
        [_LOW, _HIGH],
    ).fetchone()
    cal = conn.execute("SELECT count(*), max(as_of) FROM oncall_calendars").fetchone()
    return (*ev, *cal)


def calendars(conn: sqlite3.Connection) -> dict[str, Calendar]:
    out: dict[str, Calendar] = {}
    rows = conn.execute(
        "SELECT team, source, as_of, starts_at, until, unmatched FROM oncall_calendars"
    ).fetchall()
    for team, source, as_of, starts_at, until, unmatched in rows:
        shifts = tuple(
            Shift(person, _when(a), _when(b), "calendar")
            for a, b, person in conn.execute(
                "SELECT starts_at, ends_at, person FROM oncall_shifts WHERE team = ? "
                "ORDER BY starts_at",
                [team],
            )
        )
        out[team] = Calendar(
            team=team,
            source=source,
            as_of=_when(as_of),
            start=_when(starts_at),
            until=_when(until),
            shifts=shifts,
            unmatched=tuple(json.loads(unmatched or "[]")),
        )
    return out


def store_calendar(conn: sqlite3.Connection, calendar: Calendar, summaries: Iterable[str]) -> None:
    """Replace the team's calendar and its shifts (inside the caller's transaction)."""
    conn.execute("DELETE FROM oncall_shifts WHERE team = ?", [calendar.team])
    conn.executemany(
        "INSERT INTO oncall_shifts (team, starts_at, ends_at, person, summary) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (calendar.team, iso(s.start), iso(s.end), s.person, summary)
            for s, summary in zip(calendar.shifts, summaries, strict=True)
            if s.person
        ],
    )
    conn.execute(
        "INSERT INTO oncall_calendars (team, source, as_of, starts_at, until, unmatched, error) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT(team) DO UPDATE SET "
        "source = excluded.source, as_of = excluded.as_of, starts_at = excluded.starts_at, "
        "until = excluded.until, unmatched = excluded.unmatched, error = NULL",
        [
            calendar.team,
            calendar.source,
            iso(calendar.as_of),
            iso(calendar.start),
            iso(calendar.until),
            json.dumps(list(calendar.unmatched)),
        ],
    )


def record_error(conn: sqlite3.Connection, team: str, error: str) -> None:
    """A refresh that failed: the old shifts stay (and go stale); the error is shown."""
    conn.execute("UPDATE oncall_calendars SET error = ? WHERE team = ?", [error, team])


def sources(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """(team, source, last error) of every imported calendar."""
    return [
        tuple(r)
        for r in conn.execute("SELECT team, source, error FROM oncall_calendars ORDER BY team")
    ]


def _when(text: str):
    when = parse_iso(text)
    assert when is not None
    return when
