"""The SQL behind the metrics (console/metrics): the real incidents of a period, one row
each with the matrix's verdict joined in, and the GROUP BYs the figures, patterns and
predictive escalation are read from. The verdicts and the per-incident rows are temp
tables on the caller's connection (per connection; safe beside writers in WAL). What the
rows mean is console/metrics/queries.py's; formulas and definitions console.model.metrics.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from console.model.metrics import NEAR_MISS_SEVERITY
from console.store.projections import FACT_COLUMNS

# The durations, as (figure, column of incident_facts); the cube concatenates them in this order.
DURATIONS = (("tta", "tta_s"), ("ttm", "ttm_s"), ("ttr", "ttr_s"))
MX = "temp.mx"


def _cause_key_sql(alias: str = "f") -> str:
    return f"coalesce({alias}.cause_service, '') || '|' || coalesce({alias}.cause_layer, '')"


def _period(since: str | None, until: str | None, alias: str = "i") -> tuple[str, list]:
    clauses, params = [], []
    if since:
        clauses.append(f"{alias}.declared_at >= ?")
        params.append(since)
    if until:
        clauses.append(f"{alias}.declared_at < ?")
        params.append(until)
    return "".join(f" AND {x}" for x in clauses), params


def causes(conn: sqlite3.Connection) -> list[tuple[str | None, str | None]]:
    """Every (cause service, cause layer) seen in the history."""
    return conn.execute("SELECT DISTINCT cause_service, cause_layer FROM incident_facts").fetchall()


def judge(
    conn: sqlite3.Connection,
    owners: Iterable[tuple[str, str | None]],
    expected: Iterable[tuple[str, str, str]],
) -> None:
    """Hold what the matrix says about each cause for the queries below: its owner
    (cause key, team) and the teams it would page (cause key, severity, team)."""
    conn.execute("DROP TABLE IF EXISTS temp.mx_cause")
    conn.execute("DROP TABLE IF EXISTS temp.mx_expected")
    conn.execute("CREATE TEMP TABLE mx_cause (cause_key TEXT PRIMARY KEY, owner TEXT)")
    conn.execute(
        "CREATE TEMP TABLE mx_expected (cause_key TEXT, severity TEXT, team TEXT, "
        "PRIMARY KEY (cause_key, severity, team)) WITHOUT ROWID"
    )
    conn.executemany("INSERT INTO temp.mx_cause VALUES (?, ?)", owners)
    conn.executemany("INSERT OR IGNORE INTO temp.mx_expected VALUES (?, ?, ?)", expected)


def _incidents_sql(since: str | None, until: str | None) -> tuple[str, list]:
    """One row per real incident of the period, with the matrix's verdict (`judge` first)."""
    where, params = _period(since, until)
    resolver = "coalesce(f.resolved_by_team, c.owner, i.responsible_team)"
    resolved = "i.resolved_at IS NOT NULL"
    # mis-routed: the first responding team is not the resolving team; mis-paged: a page
    # the matrix (for the eventual cause, at the page's severity) would not have made.
    # Both NULL while open (the cause is not known yet); mis-escalated = either.
    misrouted = f"coalesce(f.first_team != {resolver}, 0)"
    mispaged = (
        "(c.cause_key IS NOT NULL AND EXISTS (SELECT 1 FROM incident_pages p "
        "WHERE p.incident_id = i.id AND NOT EXISTS (SELECT 1 FROM temp.mx_expected e "
        "WHERE e.cause_key = c.cause_key AND e.severity = p.severity AND e.team = p.team)))"
    )
    sql = f"""
        SELECT i.id, i.declared_at, {resolved} AS resolved,
               (i.prevented = 1 OR i.severity = '{NEAR_MISS_SEVERITY}') AS prevented,
               f.peak_severity AS severity, coalesce(f.cause_layer, '') AS layer,
               f.cause_service AS service, f.declared_service, f.first_team,
               CASE WHEN {resolved} THEN {resolver} END AS resolver,
               CASE WHEN {resolved} THEN {resolver} ELSE i.responsible_team END AS team,
               f.tta_s, f.ttm_s, f.ttr_s, f.coord_s, f.reescalations,
               CASE WHEN {resolved} THEN {misrouted} END AS misrouted,
               CASE WHEN {resolved} THEN {mispaged} END AS mispaged
        FROM incidents i
        JOIN incident_facts f ON f.id = i.id
        LEFT JOIN temp.mx_cause c ON c.cause_key = {_cause_key_sql()}
        WHERE i.drill IS NULL{where}"""
    return sql, params


def build_mx(conn: sqlite3.Connection, since: str | None, until: str | None) -> str:
    """The per-incident rows as a temp table, for the pattern finder's many GROUP BYs."""
    sql, params = _incidents_sql(since, until)
    conn.execute("DROP TABLE IF EXISTS temp.mx")
    conn.execute(f"CREATE TEMP TABLE mx AS {sql}", params)
    return MX


def cube(conn: sqlite3.Connection, since: str | None, until: str | None) -> list[tuple]:
    """One scan: per (layer, team, severity, week) cell, 16 additive figures (in the order
    of Analysis._CUBE_SUMS), max(coord_s), the first and last declared_at and each of
    DURATIONS in whole milliseconds (group_concat). The subquery's LIMIT keeps it a
    co-routine, so each verdict is computed once."""
    sql, params = _incidents_sql(since, until)
    return conn.execute(
        f"""
        SELECT layer, team, severity, date(declared_at, '-6 days', 'weekday 1') AS week,
               count(*), total(resolved),
               total(tta_s), total(ttm_s), total(ttr_s), count(tta_s), count(ttm_s), count(ttr_s),
               total(misrouted OR mispaged), count(misrouted), total(misrouted), total(mispaged),
               total(coord_s), count(coord_s), total(prevented), total(reescalations),
               max(coord_s), min(declared_at), max(declared_at),
               {", ".join(f"group_concat(CAST(round({c} * 1000) AS INTEGER))" for _, c in DURATIONS)}
        FROM ({sql} LIMIT -1) GROUP BY layer, team, severity, week""",
        params,
    ).fetchall()


def drills_in_period(conn: sqlite3.Connection, since: str | None, until: str | None) -> int:
    where, params = _period(since, until)
    return conn.execute(
        f"SELECT count(*) FROM incidents i WHERE drill IS NOT NULL{where}", params
    ).fetchone()[0]


def pattern_rows(conn: sqlite3.Connection, mx: str, col: str) -> list[tuple]:
    """Per value of `col` (layer, service, team) in the `build_mx` table: incidents,
    re-escalations, mean/max/count of coordination, mis-escalated, judged."""
    return conn.execute(f"""
        SELECT {col}, count(*), total(reescalations), avg(coord_s), max(coord_s), count(coord_s),
               total(misrouted OR mispaged), count(misrouted)
        FROM {mx} WHERE {col} IS NOT NULL AND {col} != '' GROUP BY {col}""").fetchall()


def routing_rows(conn: sqlite3.Connection, mx: str) -> tuple[list[tuple], list[tuple]]:
    """Resolved incidents counted by (layer, first team, resolver) and by (declared
    service, first team, resolver), from the `build_mx` table."""
    layer_rows = conn.execute(
        f"SELECT layer, first_team, resolver, count(*) FROM {mx} WHERE resolved AND layer != '' "
        "GROUP BY 1, 2, 3"
    ).fetchall()
    service_rows = conn.execute(
        f"SELECT declared_service, first_team, resolver, count(*) FROM {mx} "
        "WHERE resolved AND declared_service IS NOT NULL GROUP BY 1, 2, 3"
    ).fetchall()
    return layer_rows, service_rows


_DECLARED_ON = {"service": "f.declared_service = ?", "layer": "f.declared_layer = ?"}


def resolutions(conn: sqlite3.Connection, basis: str, key: str) -> list[tuple]:
    """Resolved real incidents declared on service or layer `key` (`basis`), counted by
    (resolved_by_team, cause_service, cause_layer, responsible_team). Indexed lookups."""
    return conn.execute(
        f"""
        SELECT f.resolved_by_team, f.cause_service, f.cause_layer, i.responsible_team, count(*)
        FROM incident_facts f JOIN incidents i ON i.id = f.id
        WHERE {_DECLARED_ON[basis]} AND i.drill IS NULL AND i.resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4""",
        [key],
    ).fetchall()


# ------------------------------------------------------------------ one incident (postmortem)


def peer_durations(conn: sqlite3.Connection, incident_id: str, layer: str | None) -> list[tuple]:
    """(tta_s, ttm_s, ttr_s) of every other real incident caused on the same layer."""
    return conn.execute(
        "SELECT f.tta_s, f.ttm_s, f.ttr_s FROM incident_facts f JOIN incidents i ON i.id = f.id "
        "WHERE i.drill IS NULL AND i.id != ? AND coalesce(f.cause_layer, '') = coalesce(?, '')",
        [incident_id, layer],
    ).fetchall()


def facts(conn: sqlite3.Connection, incident_id: str) -> dict:
    """The incident's row of incident_facts by column name ({} when it has none)."""
    row = conn.execute(
        f"SELECT {', '.join(FACT_COLUMNS)} FROM incident_facts WHERE id = ?", [incident_id]
    ).fetchone()
    return dict(zip(FACT_COLUMNS, row, strict=True)) if row else {}


def pages(conn: sqlite3.Connection, incident_id: str) -> list[dict]:
    """The teams paged for the incident: team, severity, paged_at, acked_at; by time."""
    return [
        dict(zip(("team", "severity", "paged_at", "acked_at"), p, strict=True))
        for p in conn.execute(
            "SELECT team, severity, paged_at, acked_at FROM incident_pages WHERE incident_id = ? "
            "ORDER BY paged_at, team",
            [incident_id],
        )
    ]
