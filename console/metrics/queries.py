"""Metrics over a store, in SQL: one pass builds a per-incident temp table (real
incidents of the period, with the matrix's verdict joined in), then each figure is
a GROUP BY or a window query over it. Formulas and definitions: console.model.metrics.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime

from console.model import metrics as M
from console.model.clock import iso
from console.model.org import SEVERITIES, Org

DURATIONS = (("tta", "tta_s"), ("ttm", "ttm_s"), ("ttr", "ttr_s"))
DIMENSIONS = (("overall", "'all'"), ("layer", "layer"), ("team", "team"), ("severity", "severity"))


def _cause_key_sql(alias: str = "f") -> str:
    return f"coalesce({alias}.cause_service, '') || '|' || coalesce({alias}.cause_layer, '')"


class Analysis:
    """The real incidents declared in [since, until), ready to be measured.

    Builds temp tables on `conn` (per connection; safe beside writers in WAL)."""

    def __init__(self, conn: sqlite3.Connection, org: Org, since: datetime | None = None,
                 until: datetime | None = None):
        self.conn = conn
        self.org = org
        self.since = since
        self.until = until
        self._judge()
        self._base()

    # ------------------------------------------------------------ preparation
    def _judge(self) -> None:
        """What the matrix in force says about every cause seen in the history."""
        c = self.conn
        c.execute("DROP TABLE IF EXISTS temp.mx_cause")
        c.execute("DROP TABLE IF EXISTS temp.mx_expected")
        c.execute("CREATE TEMP TABLE mx_cause (cause_key TEXT PRIMARY KEY, owner TEXT)")
        c.execute("CREATE TEMP TABLE mx_expected (cause_key TEXT, severity TEXT, team TEXT, "
                  "PRIMARY KEY (cause_key, severity, team)) WITHOUT ROWID")
        causes, expected = [], []
        for service, layer in c.execute("SELECT DISTINCT cause_service, cause_layer FROM incident_facts"):
            key = M.cause_key(service, layer)
            per_sev = {sev: M.matrix_teams(self.org, service, layer, sev) for sev in SEVERITIES}
            if per_sev[SEVERITIES[0]] is None:
                continue  # a cause this org does not know: nothing to judge against
            causes.append((key, M.cause_owner(self.org, service, layer)))
            expected += [(key, sev, team) for sev, teams in per_sev.items() for team in teams or ()]
        c.executemany("INSERT INTO temp.mx_cause VALUES (?, ?)", causes)
        c.executemany("INSERT OR IGNORE INTO temp.mx_expected VALUES (?, ?, ?)", expected)

    def _period(self, alias: str = "i") -> tuple[str, list]:
        clauses, params = [], []
        if self.since:
            clauses.append(f"{alias}.declared_at >= ?")
            params.append(iso(self.since))
        if self.until:
            clauses.append(f"{alias}.declared_at < ?")
            params.append(iso(self.until))
        return "".join(f" AND {x}" for x in clauses), params

    def _base(self) -> None:
        c = self.conn
        c.execute("DROP TABLE IF EXISTS temp.mx")
        where, params = self._period()
        c.execute(f"""
            CREATE TEMP TABLE mx AS
            WITH b AS (
              SELECT i.id, i.number, i.declared_at, i.resolved_at IS NOT NULL AS resolved,
                     i.responsible_team, (i.prevented = 1 OR i.severity = '{M.NEAR_MISS_SEVERITY}') AS prevented,
                     f.peak_severity AS severity, coalesce(f.cause_layer, '') AS layer,
                     f.cause_service AS service, f.declared_service, f.declared_layer, f.first_team,
                     f.tta_s, f.ttm_s, f.ttr_s, f.coord_s, f.reescalations,
                     c.cause_key AS judged_key,
                     CASE WHEN i.resolved_at IS NOT NULL
                          THEN coalesce(f.resolved_by_team, c.owner, i.responsible_team) END AS resolver
              FROM incidents i
              JOIN incident_facts f ON f.id = i.id
              LEFT JOIN temp.mx_cause c ON c.cause_key = {_cause_key_sql()}
              WHERE i.drill IS NULL{where})
            , v AS (
              SELECT b.*, coalesce(resolver, responsible_team) AS team,
                   CASE WHEN resolved THEN coalesce(first_team != resolver, 0) END AS misrouted,
                   CASE WHEN resolved THEN judged_key IS NOT NULL AND EXISTS (
                       SELECT 1 FROM incident_pages p WHERE p.incident_id = b.id AND NOT EXISTS (
                           SELECT 1 FROM temp.mx_expected e WHERE e.cause_key = b.judged_key
                           AND e.severity = p.severity AND e.team = p.team)) END AS mispaged
              FROM b)
            -- mis-escalated = mis-routed or mis-paged (NULL while open: the cause is not known yet)
            SELECT v.*, CASE WHEN resolved THEN (misrouted OR mispaged) END AS mis FROM v""", params)

    # ------------------------------------------------------------ figures
    def _groups(self, expr: str) -> dict[str, dict]:
        rows = self.conn.execute(f"""
            SELECT {expr} AS g, count(*), sum(resolved),
                   avg(tta_s), avg(ttm_s), avg(ttr_s), count(tta_s), count(ttm_s), count(ttr_s),
                   sum(mis), count(mis), sum(misrouted), sum(mispaged),
                   avg(coord_s), count(coord_s), max(coord_s), sum(prevented), sum(reescalations)
            FROM temp.mx GROUP BY g""").fetchall()
        out = {}
        for (g, n, resolved, a_tta, a_ttm, a_ttr, n_tta, n_ttm, n_ttr, mis, judged, routed, paged,
             a_coord, n_coord, x_coord, prevented, reesc) in rows:
            means = {"tta": (a_tta, n_tta), "ttm": (a_ttm, n_ttm), "ttr": (a_ttr, n_ttr)}
            out[g] = {
                "key": g, "incidents": n, "resolved": resolved or 0,
                **{k: {"n": cnt, "mean": _min(avg), "median": None, "p90": None} for k, (avg, cnt) in means.items()},
                "mis_escalation": {"rate": M.ratio(mis or 0, judged), "count": mis or 0, "of": judged,
                                   "misrouted": routed or 0, "mispaged": paged or 0},
                "coordination": {"n": n_coord, "mean": _min(a_coord), "max": _min(x_coord)},
                "prevention": {"rate": M.ratio(prevented or 0, n), "count": prevented or 0, "of": n},
                "reescalations": reesc or 0,
            }
        self._percentiles(expr, out)
        return out

    def _percentiles(self, expr: str, out: dict[str, dict]) -> None:
        windows, picks = [], []
        for i, (_, col) in enumerate(DURATIONS):
            windows.append(f"row_number() OVER (PARTITION BY {expr} ORDER BY {col} NULLS LAST) - 1 AS k{i}, "
                           f"count({col}) OVER (PARTITION BY {expr}) AS n{i}")
            for p in M.PERCENTILES:
                lo = f"CAST((n{i} - 1) * {p!r} AS INTEGER)"
                hi = f"{lo} + ((n{i} - 1) * {p!r} > {lo})"
                picks.append(f"max(CASE WHEN k{i} = {lo} THEN {col} END)")
                picks.append(f"max(CASE WHEN k{i} = {hi} THEN {col} END)")
        counts = ", ".join(f"max(n{i})" for i in range(len(DURATIONS)))
        sql = (f"WITH r AS (SELECT {expr} AS g, tta_s, ttm_s, ttr_s, {', '.join(windows)} FROM temp.mx) "
               f"SELECT g, {counts}, {', '.join(picks)} FROM r GROUP BY g")
        for row in self.conn.execute(sql):
            g, ns, values = row[0], row[1:1 + len(DURATIONS)], row[1 + len(DURATIONS):]
            it = iter(values)
            for (name, _), n in zip(DURATIONS, ns, strict=True):
                for p, label in zip(M.PERCENTILES, ("median", "p90"), strict=True):
                    lo_v, hi_v = next(it), next(it)
                    if n and lo_v is not None and hi_v is not None:
                        out[g][name][label] = M.interpolate(lo_v, hi_v, M.rank_bounds(n, p)[2]) / 60

    def metrics(self) -> dict:
        """Overall and by layer, team and severity, plus the weekly trend."""
        result: dict = {"period": self.period()}
        for name, expr in DIMENSIONS:
            groups = self._groups(expr)
            if name == "overall":
                result["overall"] = groups.get("all") or _empty("all")
            else:
                order = list(SEVERITIES) if name == "severity" else None
                keys = sorted(groups, key=lambda k: (order.index(k) if order and k in order else 99, str(k)))
                result[f"by_{name}"] = [groups[k] for k in keys]
        result["weekly"] = self.weekly()
        return result

    def period(self) -> dict:
        where, params = self._period()
        drills = self.conn.execute(f"SELECT count(*) FROM incidents i WHERE drill IS NOT NULL{where}",
                                   params).fetchone()[0]
        n, resolved, first, last = self.conn.execute(
            "SELECT count(*), sum(resolved), min(declared_at), max(declared_at) FROM temp.mx").fetchone()
        return {"since": iso(self.since), "until": iso(self.until), "incidents": n,
                "resolved": resolved or 0, "drills_excluded": drills, "first_declared": first,
                "last_declared": last}

    def weekly(self) -> list[dict]:
        """Weeks start on Monday (UTC)."""
        rows = self.conn.execute("""
            SELECT date(declared_at, '-6 days', 'weekday 1') AS week, count(*), avg(ttr_s), count(ttr_s),
                   sum(mis), count(mis)
            FROM temp.mx GROUP BY week ORDER BY week""")
        return [{"week": w, "incidents": n, "mttr": _min(a), "resolved": r,
                 "mis_escalated": mis or 0, "mis_escalation_rate": M.ratio(mis or 0, judged)}
                for w, n, a, r, mis, judged in rows]

    def indicators(self, overall: dict | None = None) -> dict[str, float | None]:
        o = overall or self._groups("'all'").get("all") or _empty("all")
        return {"mttr": o["ttr"]["mean"], "mis_escalation": o["mis_escalation"]["rate"],
                "coordination": o["coordination"]["mean"], "prevention": o["prevention"]["rate"]}

    def assessment(self, overall: dict | None = None) -> dict:
        out = M.assess(self.indicators(overall), self.org.maturity)
        out["period"] = self.period()
        return out

    # ------------------------------------------------------------ patterns
    def patterns(self, top_n: int = 5) -> dict:
        """Where incidents concentrate, re-escalate and coordinate slowly; and what
        the data says the matrix should change."""
        out: dict = {}
        for name, col in (("layers", "layer"), ("services", "service"), ("teams", "team")):
            rows = self.conn.execute(f"""
                SELECT {col}, count(*), sum(reescalations), avg(coord_s), max(coord_s), count(coord_s),
                       sum(mis), count(mis)
                FROM temp.mx WHERE {col} IS NOT NULL AND {col} != '' GROUP BY {col}""").fetchall()
            items = [{"key": k, "incidents": n, "reescalations": re or 0, "coordination_mean": _min(ac),
                      "coordination_max": _min(xc), "coordinated": nc, "mis_escalated": mis or 0,
                      "mis_escalation_rate": M.ratio(mis or 0, judged)}
                     for k, n, re, ac, xc, nc, mis, judged in rows]
            out[name] = {
                "most_incidents": sorted(items, key=lambda x: (-x["incidents"], x["key"]))[:top_n],
                "most_reescalations": sorted((x for x in items if x["reescalations"]),
                                             key=lambda x: (-x["reescalations"], x["key"]))[:top_n],
                "longest_coordination": sorted((x for x in items if x["coordination_mean"] is not None),
                                               key=lambda x: (-x["coordination_mean"], x["key"]))[:top_n],
            }
        out["suggestions"] = self.suggestions()
        return out

    def suggestions(self) -> list[dict]:
        org = self.org
        layer_rows = self.conn.execute(
            "SELECT layer, first_team, resolver, count(*) FROM temp.mx WHERE resolved AND layer != '' "
            "GROUP BY 1, 2, 3").fetchall()
        service_rows = self.conn.execute(
            "SELECT declared_service, first_team, resolver, count(*) FROM temp.mx "
            "WHERE resolved AND declared_service IS NOT NULL GROUP BY 1, 2, 3").fetchall()
        by_layer = M.matrix_suggestions(
            layer_rows, kind="layer", team_name=self.team_name,
            subject=lambda k: f"{org.layers[k].name if k in org.layers else k} incidents",
            matrix_first=lambda k: M.layer_first_team(org, k) if k in org.layers else None)
        by_service = M.matrix_suggestions(
            service_rows, kind="service", team_name=self.team_name,
            subject=lambda k: f"Incidents declared on {k}",
            matrix_first=lambda k: org.services[k].owner if k in org.services else None)
        return by_layer + by_service

    def team_name(self, team: str | None) -> str:
        if team is None:
            return "nobody"
        t = self.org.teams.get(team)
        return t.name if t else team


def _min(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _empty(key: str) -> dict:
    blank = {"n": 0, "mean": None, "median": None, "p90": None}
    return {"key": key, "incidents": 0, "resolved": 0, "tta": dict(blank), "ttm": dict(blank),
            "ttr": dict(blank), "mis_escalation": {"rate": None, "count": 0, "of": 0, "misrouted": 0, "mispaged": 0},
            "coordination": {"n": 0, "mean": None, "max": None},
            "prevention": {"rate": None, "count": 0, "of": 0}, "reescalations": 0}


# ------------------------------------------------------------------ predictive escalation


def suggest_team(conn: sqlite3.Connection, org: Org, service: str | None = None,
                 layer: str | None = None) -> dict:
    """The team most likely to resolve an incident declared on `service` (or `layer`),
    from resolved real incidents declared the same way; falls back from service to its
    layer to the matrix. Indexed lookups only: cheap enough for the room."""
    if service is not None and layer is None and service in org.services:
        layer = org.services[service].layer
    attempts = []
    if service:
        attempts.append(("service", service, "f.declared_service = ?"))
    if layer:
        attempts.append(("layer", layer, "f.declared_layer = ?"))
    alternatives: list[dict] = []
    for basis, key, clause in attempts:
        rows = conn.execute(f"""
            SELECT f.resolved_by_team, f.cause_service, f.cause_layer, i.responsible_team, count(*)
            FROM incident_facts f JOIN incidents i ON i.id = f.id
            WHERE {clause} AND i.drill IS NULL AND i.resolved_at IS NOT NULL
            GROUP BY 1, 2, 3, 4""", [key]).fetchall()
        resolvers: Counter = Counter()
        for named, cause_service, cause_layer, responsible, n in rows:
            team = named or M.cause_owner(org, cause_service, cause_layer) or responsible
            if team:
                resolvers[team] += n
        pred = M.predict(dict(resolvers), basis, key)
        if pred is not None:
            alternatives = [{"team": t, "team_name": _team_name(org, t), "count": n, "share": n / pred.total}
                            for t, n in sorted(resolvers.items(), key=lambda kv: (-kv[1], kv[0]))]
            return _suggestion(org, pred.team, basis, key, pred.count, pred.total, alternatives, service, layer)
    owner = M.cause_owner(org, service, layer)
    return _suggestion(org, owner, "matrix", service or layer, 0, 0, alternatives, service, layer)


def _team_name(org: Org, team: str | None) -> str | None:
    if team is None:
        return None
    return org.teams[team].name if team in org.teams else team


def _suggestion(org, team, basis, key, count, total, alternatives, service, layer) -> dict:
    matrix = M.cause_owner(org, service, layer)
    t = org.teams.get(team) if team else None
    on_call = t.on_call if t else None
    if basis == "matrix":
        why = (f"no history of {key} incidents yet ({M.MIN_HISTORY} needed); the matrix makes "
               f"{_team_name(org, team)} responsible") if team else "no history and no matrix entry"
    else:
        why = (f"{_team_name(org, team)} resolved {count} of {total} incidents declared on "
               f"{'service' if basis == 'service' else 'layer'} {key} ({count / total:.0%})")
    return {
        "team": team, "team_name": _team_name(org, team), "on_call": on_call,
        "on_call_name": org.person_name(on_call) if on_call else None,
        "basis": basis, "key": key, "count": count, "total": total,
        "share": (count / total) if total else None, "matrix_team": matrix,
        "matrix_team_name": _team_name(org, matrix),
        "differs_from_matrix": bool(team and matrix and team != matrix),
        "alternatives": alternatives, "why": why,
    }
