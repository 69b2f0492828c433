"""The incidents table's queries: the board, counts, one row. No model imports, so a
`list` reads the projection without loading the fold (console.store.projections
writes it)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.store.db import Store

COLUMNS = (
    "id",
    "number",
    "title",
    "severity",
    "sev_rank",
    "status",
    "is_open",
    "drill",
    "prevented",
    "commander",
    "layers",
    "services",
    "responsible_team",
    "declared_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "next_step",
    "next_targets",
    "next_due_at",
    "event_count",
    "last_hlc",
)


def snapshot(conn: sqlite3.Connection) -> list[tuple]:
    cols = ", ".join(COLUMNS)
    return conn.execute(f"SELECT {cols} FROM incidents ORDER BY id").fetchall()


def exists(conn: sqlite3.Connection, incident_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM incidents WHERE id = ?", [incident_id]).fetchone() is not None
    )


def is_open(conn: sqlite3.Connection, incident_id: str) -> bool:
    row = conn.execute("SELECT is_open FROM incidents WHERE id = ?", [incident_id]).fetchone()
    return bool(row and row[0])


def get(conn: sqlite3.Connection, incident_id: str) -> dict | None:
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM incidents WHERE id = ?", [incident_id])
    row = cur.fetchone()
    return dict(zip(COLUMNS, row, strict=True)) if row else None


def board(
    conn: sqlite3.Connection,
    *,
    include_resolved: bool = False,
    include_drills: bool = True,
    text: str = "",
    limit: int = 200,
    offset: int = 0,
) -> list[dict]:
    """One page of the board: open first, most severe, then the most overdue next step."""
    where, params = _filter(include_resolved, include_drills, text)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM incidents {where} "
        "ORDER BY is_open DESC, sev_rank ASC, next_due_at IS NULL, next_due_at ASC, number DESC "
        "LIMIT ? OFFSET ?"
    )
    return [dict(zip(COLUMNS, r, strict=True)) for r in conn.execute(sql, [*params, limit, offset])]


def page(store: Store, *, include_resolved: bool = False, limit: int = 200) -> list[dict]:
    """The board for a face that holds a store but no service (the `list` verb)."""
    return board(store.conn, include_resolved=include_resolved, limit=limit)


def count(
    conn: sqlite3.Connection,
    *,
    include_resolved: bool = False,
    include_drills: bool = True,
    text: str = "",
) -> int:
    where, params = _filter(include_resolved, include_drills, text)
    return conn.execute(f"SELECT count(*) FROM incidents {where}", params).fetchone()[0]


def _filter(include_resolved: bool, include_drills: bool, text: str) -> tuple[str, list]:
    clauses, params = [], []
    if not include_resolved:
        clauses.append("is_open = 1")
    if not include_drills:
        clauses.append("drill IS NULL")
    if text:
        like = f"%{text}%"
        clauses.append(
            "(id LIKE ? OR title LIKE ? OR severity LIKE ? OR status LIKE ? "
            "OR layers LIKE ? OR services LIKE ? OR commander LIKE ?)"
        )
        params.extend([like] * 7)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def max_number(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(number) FROM incidents").fetchone()
    return row[0] or 0
