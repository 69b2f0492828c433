"""The incidents table: a projection of the event log, rebuilt at will.

This is the write side (folding, facts); the queries live in console.store.board,
which `list` loads without the model."""

from __future__ import annotations

import sqlite3
from itertools import groupby
from operator import itemgetter

from msgspec.structs import astuple

from console.model.clock import iso
from console.model.escalation import next_open
from console.model.fold import fold
from console.model.incident import Incident
from console.model.metrics import Facts, facts_of
from console.model.names import severity_rank
from console.store import alerts, events
from console.store.board import (  # noqa: F401 - the read side, kept importable from here
    COLUMNS,
    _filter,
    board,
    count,
    exists,
    get,
    is_open,
    max_number,
    snapshot,
)

# The kinds console.model.metrics.facts_of reads; it skips every other. A fold that keeps
# only these events (a rebuild, console/store/folded.py) gets the same facts from far
# fewer; tests compare with facts_of over every event on random logs.
FACT_KINDS = frozenset(
    {
        "declared",
        "service_added",
        "severity_set",
        "step_ticked",
        "step_unticked",
        "page_acknowledged",
        "resolved",
        "reopened",
    }
)


def is_group_id(aggregate_id: str) -> bool:
    # Imported on use: alert payloads (hashing, patterns) are not needed to fold a command.
    from console.model.alert_payloads import is_group_id

    return is_group_id(aggregate_id)


def incident_number(incident_id: str) -> int:
    rest = incident_id.split("-", 1)[-1]
    if rest.isdigit():  # INC-123: the digits are all of it
        return int(rest)
    digits = "".join(ch for ch in rest if ch.isdigit())
    return int(digits) if digits else 0


def row_values(inc: Incident) -> tuple:
    """The incident's row, in COLUMNS order. Clock-free: which step is next does not
    depend on now, only the countdown does."""
    declared = inc.declared_at  # (a stored incident has been declared)
    step = next_open(inc.plan(declared)) if inc.open and declared is not None else None
    # Most incidents are detected when declared and mitigated when resolved: one
    # formatting each (a rebuild writes a hundred thousand rows).
    detected, mitigated, resolved = inc.detected_at, inc.mitigated_at, inc.resolved_at
    declared_at, mitigated_at = iso(declared), iso(mitigated)
    return (
        inc.id,
        incident_number(inc.id),
        inc.title,
        inc.severity,
        severity_rank(inc.severity),
        inc.status,
        int(inc.open),
        inc.drill,
        int(inc.prevented),
        inc.commander,
        ",".join(inc.layers),
        ",".join(inc.services),
        inc.responsible_team,
        declared_at,
        declared_at if detected is declared else iso(detected),
        iso(inc.acknowledged_at),
        mitigated_at,
        mitigated_at if resolved is mitigated else iso(resolved),
        step.key if step else None,
        ",".join(step.targets) if step else None,
        iso(step.due_at) if step else None,
        inc.event_count,
        inc.last_hlc,
    )


def row_for(inc: Incident) -> dict:
    return dict(zip(COLUMNS, row_values(inc), strict=True))


_INSERT = f"INSERT INTO incidents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_UPSERT = (
    f"INSERT INTO incidents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS if c != 'id')}"
)


def upsert(conn: sqlite3.Connection, inc: Incident) -> None:
    conn.execute(_UPSERT, row_values(inc))


def refresh(conn: sqlite3.Connection, incident_id: str, evs: list | None = None) -> Incident | None:
    """Re-fold one incident from its events and store its row (`evs`: all of the
    incident's events when the caller already holds them, e.g. from an EventCache)."""
    if evs is None:
        evs = events.for_incident(conn, incident_id)
    inc = fold(evs)
    if inc is not None:
        store_state(conn, inc, evs)
    return inc


def store_state(conn: sqlite3.Connection, inc: Incident, evs, figures=None) -> None:
    """The rows of one folded incident (`evs`: its events, or only those facts_of reads;
    `figures`: a function giving facts_of's result when the caller keeps it)."""
    if inc.declared_at is not None:
        upsert(conn, inc)
        store_facts(conn, inc, evs, figures() if figures else None)
    elif is_group_id(inc.id):
        alerts.store_group(conn, inc)  # an alert group waiting for (or linked to) an incident


def rebuild(conn: sqlite3.Connection) -> int:
    """Drop every projection row and fold them all again from the log."""
    conn.execute("DELETE FROM incidents")
    conn.execute("DELETE FROM incident_facts")
    conn.execute("DELETE FROM incident_pages")
    conn.execute("DELETE FROM fold_snapshots")  # derived too; written again as commands run
    alerts.clear_groups(conn)
    done = 0
    batch = _Inserts(conn)
    rows = conn.execute(
        "SELECT event_id, incident_id, kind, body, actor, origin, hlc, at, server_seq "
        "FROM events ORDER BY incident_id, hlc"
    )
    to_event = events.row_to_folded_event
    for _, group in groupby(rows, key=itemgetter(1)):
        evs = [to_event(row) for row in group]
        inc = fold(evs)
        if inc is None:
            continue
        if inc.declared_at is not None:
            batch.add(inc, evs)
            done += 1
        elif is_group_id(inc.id):
            alerts.store_group(conn, inc)
    batch.flush()
    return done


class _Inserts:
    """The rows of a rebuild, inserted a few thousand at a time: the tables start empty,
    so there is nothing to compare with and no upsert to do."""

    SIZE = 2000

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.incidents: list[tuple] = []
        self.facts: list[tuple] = []
        self.pages: list[tuple] = []

    def add(self, inc: Incident, evs: list) -> None:
        self.incidents.append(row_values(inc))
        facts, pages = facts_of(inc, [ev for ev in evs if ev.kind in FACT_KINDS])
        self.facts.append(astuple(facts))  # in FACT_COLUMNS order
        self.pages.extend((inc.id, *astuple(page)) for page in pages)
        if len(self.incidents) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        conn = self.conn
        conn.executemany(_INSERT, self.incidents)
        conn.executemany(_FACTS_INSERT, self.facts)
        conn.executemany(
            "INSERT OR REPLACE INTO incident_pages (incident_id, team, severity, paged_at, "
            "acked_at) VALUES (?, ?, ?, ?, ?)",
            self.pages,
        )
        self.incidents, self.facts, self.pages = [], [], []


# ---- metrics facts: incident_facts + incident_pages, derived
# from the same events in the same transaction; see console/model/metrics.py.
FACT_COLUMNS: tuple[str, ...] = Facts.__struct_fields__  # the table's columns, in order


# An upsert, not INSERT OR REPLACE: updating in place leaves the primary-key and
# declared-service index entries alone, so a command dirties fewer pages.
_FACTS_REPLACE = (
    f"INSERT INTO incident_facts ({', '.join(FACT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in FACT_COLUMNS)}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in FACT_COLUMNS if c != "id")
)


_FACTS_INSERT = (
    f"INSERT INTO incident_facts ({', '.join(FACT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in FACT_COLUMNS)})"
)
_FACTS_ROW = f"SELECT {', '.join(FACT_COLUMNS)} FROM incident_facts WHERE id = ?"
_PAGES_ROWS = (
    "SELECT incident_id, team, severity, paged_at, acked_at FROM incident_pages "
    "WHERE incident_id = ? ORDER BY team, severity"
)


def store_facts(conn: sqlite3.Connection, inc: Incident, evs, figures=None) -> None:
    facts, pages = figures or facts_of(inc, evs)
    # No write when nothing changed: most commands (notes, status) leave the facts as
    # they were, and an unchanged row costs pages in the WAL.
    row = astuple(facts)
    if conn.execute(_FACTS_ROW, [inc.id]).fetchone() != row:
        conn.execute(_FACTS_REPLACE, row)
    new_pages = {(p.team, p.severity): (inc.id, *astuple(p)) for p in pages}
    old_pages = {(r[1], r[2]): r for r in conn.execute(_PAGES_ROWS, [inc.id])}
    gone = [(inc.id, *key) for key in old_pages.keys() - new_pages.keys()]
    if gone:
        conn.executemany(
            "DELETE FROM incident_pages WHERE incident_id = ? AND team = ? AND severity = ?", gone
        )
    changed = [row for key, row in new_pages.items() if old_pages.get(key) != row]
    if changed:
        conn.executemany(
            "INSERT OR REPLACE INTO incident_pages (incident_id, team, severity, paged_at, acked_at) "
            "VALUES (?, ?, ?, ?, ?)",
            changed,
        )


def rebuild_facts(conn: sqlite3.Connection) -> int:
    """Only the metrics facts, from the log (the migration that adds them backfills so)."""
    conn.execute("DELETE FROM incident_facts")
    conn.execute("DELETE FROM incident_pages")
    done = 0
    for incident_id in events.incident_ids(conn):
        evs = events.for_incident(conn, incident_id)
        inc = fold(evs)
        if inc is not None and inc.declared_at is not None:
            store_facts(conn, inc, evs)
            done += 1
    return done


def rebuild_alert_groups(conn: sqlite3.Connection) -> int:
    """Only the alert groups, from their own aggregates in the log."""
    alerts.clear_groups(conn)
    done = 0
    for incident_id in events.incident_ids(conn):
        if is_group_id(incident_id):
            agg = fold(events.for_incident(conn, incident_id))
            if agg is not None:
                alerts.store_group(conn, agg)
                done += 1
    return done


def facts_snapshot(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    facts = conn.execute(
        f"SELECT {', '.join(FACT_COLUMNS)} FROM incident_facts ORDER BY id"
    ).fetchall()
    pages = conn.execute(
        "SELECT * FROM incident_pages ORDER BY incident_id, team, severity"
    ).fetchall()
    return facts, pages
