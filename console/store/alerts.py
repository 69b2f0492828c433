"""Alert groups as a projection (which incident a group belongs to, or that it waits),
and the local holds that debounce flapping alerts. SQL for console/alerts lives here.

`alert_groups` is folded from each group's own aggregate (`ALG-...`), like `incidents`
from an incident's events, so `rebuild` reproduces it and synced groups appear in it.
`alert_holds` is local on purpose: a change held back while an alert flaps is not a
fact yet, so it is not an event until it has held.
"""

from __future__ import annotations

import json
import sqlite3

from msgspec import Struct

from console.model.clock import iso
from console.model.folds.alerts import alerts_of
from console.model.incident import Incident

GROUP_COLUMNS = (
    "group_id",
    "group_key",
    "source",
    "name",
    "incident_id",
    "how",
    "service",
    "severity",
    "firing",
    "total",
    "summary",
    "first_at",
    "updated_at",
)


def store_group(conn: sqlite3.Connection, agg: Incident) -> None:
    """Refresh one group's row from the fold of its aggregate."""
    st = alerts_of(agg)
    link = st.groups.get(agg.id)
    alerts = list(st.alerts.values())
    if not alerts and link is None:
        return
    first = min(alerts, key=lambda a: a.first_at) if alerts else None
    worst = min((a for a in alerts if a.severity), key=lambda a: a.severity or "SEV9", default=None)
    row = {
        "group_id": agg.id,
        "group_key": link.group_key if link else (first.group_key if first else ""),
        "source": link.source if link else (first.source if first else ""),
        "name": (first.name if first else "") or "",
        "incident_id": link.incident if link else None,
        "how": link.how if link else None,
        "service": next((a.service for a in alerts if a.service), None),
        "severity": worst.severity if worst else None,
        "firing": len(st.firing),
        "total": len(alerts),
        "summary": (first.summary if first else "") or "",
        "first_at": iso(first.first_at) if first else (iso(link.at) if link else None),
        "updated_at": iso(max((a.changed_at for a in alerts), default=link.at if link else None)),
    }
    conn.execute(
        f"INSERT INTO alert_groups ({', '.join(GROUP_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in GROUP_COLUMNS)}) ON CONFLICT(group_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in GROUP_COLUMNS if c != "group_id"),
        [row[c] for c in GROUP_COLUMNS],
    )


def clear_groups(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM alert_groups")


def group(conn: sqlite3.Connection, group_id: str) -> dict | None:
    cur = conn.execute(
        f"SELECT {', '.join(GROUP_COLUMNS)} FROM alert_groups WHERE group_id = ?", [group_id]
    )
    row = cur.fetchone()
    return dict(zip(GROUP_COLUMNS, row, strict=True)) if row else None


def waiting(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    """Groups with no incident, firing ones first, newest first."""
    cur = conn.execute(
        f"SELECT {', '.join(GROUP_COLUMNS)} FROM alert_groups WHERE incident_id IS NULL "
        "ORDER BY firing > 0 DESC, severity IS NULL, severity, updated_at DESC LIMIT ?",
        [limit],
    )
    return [dict(zip(GROUP_COLUMNS, r, strict=True)) for r in cur]


def waiting_count(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM alert_groups WHERE incident_id IS NULL AND firing > 0"
    ).fetchone()
    return int(row[0])


def incidents_with_alerts(conn: sqlite3.Connection, open_only: bool = True) -> list[str]:
    sql = (
        "SELECT DISTINCT g.incident_id FROM alert_groups g JOIN incidents i ON i.id = g.incident_id"
    )
    if open_only:
        sql += " WHERE i.is_open = 1"
    return [r[0] for r in conn.execute(sql + " ORDER BY i.sev_rank, i.number DESC")]


def declared_from_alert(conn: sqlite3.Connection, incident_ids: list[str]) -> set[str]:
    """Which of these incidents an alert declared (the board marks them)."""
    if not incident_ids:
        return set()
    marks = ", ".join("?" for _ in incident_ids)
    cur = conn.execute(
        f"SELECT incident_id FROM alert_groups WHERE how = 'declared' AND incident_id IN ({marks})",
        incident_ids,
    )
    return {r[0] for r in cur}


def open_incident_on(conn: sqlite3.Connection, service: str) -> str | None:
    """The open (real, not drill) incident on this service: most severe, then newest."""
    row = conn.execute(
        "SELECT id FROM incidents WHERE is_open = 1 AND drill IS NULL "
        "AND (',' || services || ',') LIKE ? ESCAPE '\\' ORDER BY sev_rank, number DESC LIMIT 1",
        ["%," + service.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ",%"],
    ).fetchone()
    return row[0] if row else None


# ------------------------------------------------------------------ flapping holds


class Hold(Struct, frozen=True):
    home: str
    fingerprint: str
    body: dict
    until: str
    flaps: int


def hold(
    conn: sqlite3.Connection, home: str, fingerprint: str, body: dict, until: str, flaps: int
) -> None:
    conn.execute(
        "INSERT INTO alert_holds (home, fingerprint, body, until, flaps) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(home, fingerprint) DO UPDATE SET body = excluded.body, "
        "until = excluded.until, flaps = excluded.flaps",
        [home, fingerprint, json.dumps(body, sort_keys=True), until, flaps],
    )


def held(conn: sqlite3.Connection, home: str, fingerprint: str) -> Hold | None:
    row = conn.execute(
        "SELECT home, fingerprint, body, until, flaps FROM alert_holds "
        "WHERE home = ? AND fingerprint = ?",
        [home, fingerprint],
    ).fetchone()
    return Hold(row[0], row[1], json.loads(row[2]), row[3], row[4]) if row else None


def release(conn: sqlite3.Connection, home: str, fingerprint: str) -> None:
    conn.execute("DELETE FROM alert_holds WHERE home = ? AND fingerprint = ?", [home, fingerprint])


def release_home(conn: sqlite3.Connection, home: str) -> None:
    conn.execute("DELETE FROM alert_holds WHERE home = ?", [home])


def due_holds(conn: sqlite3.Connection, now: str) -> list[Hold]:
    cur = conn.execute(
        "SELECT home, fingerprint, body, until, flaps FROM alert_holds WHERE until <= ? "
        "ORDER BY until",
        [now],
    )
    return [Hold(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in cur]


def hold_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM alert_holds").fetchone()[0])


class LocalHolds:
    """The holds of one console database (the intake's default). Several serve processes
    on one PostgreSQL log share theirs instead (console/store/alerts_pg.py)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def hold(self, home: str, fingerprint: str, body: dict, until: str, flaps: int) -> None:
        hold(self.conn, home, fingerprint, body, until, flaps)

    def held(self, home: str, fingerprint: str) -> Hold | None:
        return held(self.conn, home, fingerprint)

    def release(self, home: str, fingerprint: str) -> None:
        release(self.conn, home, fingerprint)

    def release_home(self, home: str) -> None:
        release_home(self.conn, home)

    def due(self, now: str) -> list[Hold]:
        return due_holds(self.conn, now)
