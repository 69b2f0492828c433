"""Metrics over a store: one pass reads the real incidents of the period, with the
matrix's verdict joined in, as a cube of additive cells (the SQL is console/store/metrics.py),
then each figure is rolled up from it. Formulas and definitions: console.model.metrics.
"""

from __future__ import annotations

import copy
import sqlite3
from collections import Counter
from datetime import datetime

from console.model import metrics as M
from console.model.clock import iso
from console.model.maturity import assess as assess_maturity
from console.model.org import SEVERITIES, Org
from console.model.responsibility import OnCallNow, on_call_of
from console.store import metrics as metrics_sql
from console.store.metrics import DURATIONS

DIMENSIONS = (("overall", None), ("layer", "layer"), ("team", "team"), ("severity", "severity"))


class Analysis:
    """The real incidents declared in [since, until), ready to be measured.

    Uses temp tables on `conn` (per connection; safe beside writers in WAL)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        org: Org,
        since: datetime | None = None,
        until: datetime | None = None,
    ):
        self.conn = conn
        self.org = org
        self.since = since
        self.until = until
        self._cube_rows: list[tuple] | None = None
        self._group_figures: dict | None = None
        self._period_info: dict | None = None
        self._has_mx = False
        self._judge()

    # ------------------------------------------------------------ preparation
    def _judge(self) -> None:
        """What the matrix in force says about every cause seen in the history."""
        causes, expected = [], []
        for service, layer in metrics_sql.causes(self.conn):
            key = M.cause_key(service, layer)
            per_sev = {sev: M.matrix_teams(self.org, service, layer, sev) for sev in SEVERITIES}
            if per_sev[SEVERITIES[0]] is None:
                continue  # a cause this org does not know: nothing to judge against
            causes.append((key, M.cause_owner(self.org, service, layer)))
            expected += [(key, sev, team) for sev, teams in per_sev.items() for team in teams or ()]
        metrics_sql.judge(self.conn, causes, expected)

    def _bounds(self) -> tuple[str | None, str | None]:
        return iso(self.since), iso(self.until)

    def _mx(self) -> str:
        """The per-incident rows as a temp table, for the pattern finder's many GROUP BYs."""
        if not self._has_mx:
            metrics_sql.build_mx(self.conn, *self._bounds())
            self._has_mx = True
        return metrics_sql.MX

    # ------------------------------------------------------------ figures
    _CUBE_SUMS = (
        "incidents",
        "resolved",
        "tta_sum",
        "ttm_sum",
        "ttr_sum",
        "tta_n",
        "ttm_n",
        "ttr_n",
        "mis",
        "judged",
        "misrouted",
        "mispaged",
        "coord_sum",
        "coord_n",
        "prevented",
        "reescalations",
    )
    _CUBE_KEYS = ("layer", "team", "severity", "week")

    def _cube(self) -> list[tuple]:
        """One scan: the additive figures and the durations (group_concat) of every
        (layer, team, severity, week) cell, rolled up per dimension in Python."""
        if self._cube_rows is None:
            self._cube_rows = metrics_sql.cube(self.conn, *self._bounds())
        return self._cube_rows

    def _groups(self) -> dict[str, dict[str, dict]]:
        """{dimension: {key: figures}} for overall, layer, team, severity and week."""
        if self._group_figures is None:
            self._group_figures = self._rollup()
        return self._group_figures

    def _rollup(self) -> dict[str, dict[str, dict]]:
        width = len(self._CUBE_SUMS)
        cells: dict[str, dict[str, list[tuple]]] = {d: {} for d in ("overall", *self._CUBE_KEYS)}
        for row in self._cube():
            for d, key in (("overall", "all"), *zip(self._CUBE_KEYS, row[:4], strict=True)):
                cells[d].setdefault(key, []).append(row)
        parsed: dict[int, list[list[float]]] = {}
        out: dict[str, dict[str, dict]] = {}
        for d, groups in cells.items():
            out[d] = {}
            for key, rows in groups.items():
                sums = [sum(col) for col in zip(*(r[4 : 4 + width] for r in rows), strict=True)]
                maxima = [r[4 + width] for r in rows if r[4 + width] is not None]
                out[d][key] = figures = self._figures(
                    key, dict(zip(self._CUBE_SUMS, sums, strict=True)), max(maxima, default=None)
                )
                if d != "week":
                    runs = [self._parse(parsed, r, width) for r in rows]
                    self._percentiles(figures, runs)
        return out

    @staticmethod
    def _parse(parsed: dict, row: tuple, width: int) -> list[list[int]]:
        """A cell's durations in whole milliseconds, sorted (parsed once, shared by every
        dimension); the log's times have millisecond resolution, so this is exact."""
        cached = parsed.get(id(row))
        if cached is None:
            cached = parsed[id(row)] = [
                sorted(map(int, text.split(","))) if text else [] for text in row[7 + width :]
            ]
        return cached

    @staticmethod
    def _percentiles(figures: dict, runs: list[list[list[int]]]) -> None:
        """Exact median and p90, linear between ranks. SQLite has no percentile aggregate
        and window queries would sort once per dimension and duration (12 sorts, ~3 s on
        100,000 incidents); the cells are sorted runs, which timsort merges cheaply."""
        for idx, (name, _) in enumerate(DURATIONS):
            vals: list[int] = []
            for run in runs:
                vals.extend(run[idx])
            if not vals:
                continue
            vals.sort()
            for p, label in zip(M.PERCENTILES, ("median", "p90"), strict=True):
                lo, hi, frac = M.rank_bounds(len(vals), p)
                figures[name][label] = M.interpolate(vals[lo], vals[hi], frac) / 60_000

    @staticmethod
    def _figures(key, f: dict, coord_max: float | None) -> dict:
        mis, judged, n = int(f["mis"]), int(f["judged"]), int(f["incidents"])
        return {
            "key": key,
            "incidents": n,
            "resolved": int(f["resolved"]),
            **{
                k: {
                    "n": int(f[f"{k}_n"]),
                    "mean": _min(_mean(f[f"{k}_sum"], f[f"{k}_n"])),
                    "median": None,
                    "p90": None,
                }
                for k in ("tta", "ttm", "ttr")
            },
            "mis_escalation": {
                "rate": M.ratio(mis, judged),
                "count": mis,
                "of": judged,
                "misrouted": int(f["misrouted"]),
                "mispaged": int(f["mispaged"]),
            },
            "coordination": {
                "n": int(f["coord_n"]),
                "mean": _min(_mean(f["coord_sum"], f["coord_n"])),
                "max": _min(coord_max),
            },
            "prevention": {
                "rate": M.ratio(int(f["prevented"]), n),
                "count": int(f["prevented"]),
                "of": n,
            },
            "reescalations": int(f["reescalations"]),
        }

    def metrics(self) -> dict:
        """Overall and by layer, team and severity, plus the weekly trend."""
        groups = copy.deepcopy(self._groups())
        result: dict = {
            "period": self.period(),
            "overall": groups["overall"].get("all") or _empty("all"),
        }
        for name in ("layer", "team", "severity"):
            order = list(SEVERITIES) if name == "severity" else None
            keys = sorted(
                groups[name], key=lambda k: (order.index(k) if order and k in order else 99, str(k))
            )
            result[f"by_{name}"] = [groups[name][k] for k in keys]
        result["weekly"] = [
            {
                "week": w,
                "incidents": g["incidents"],
                "mttr": g["ttr"]["mean"],
                "resolved": g["ttr"]["n"],
                "mis_escalated": g["mis_escalation"]["count"],
                "mis_escalation_rate": g["mis_escalation"]["rate"],
            }
            for w, g in sorted(groups["week"].items())
        ]
        return result

    def period(self) -> dict:
        if self._period_info is None:
            drills = metrics_sql.drills_in_period(self.conn, *self._bounds())
            cube, width = self._cube(), len(self._CUBE_SUMS)
            self._period_info = {
                "since": iso(self.since),
                "until": iso(self.until),
                "incidents": sum(r[4] for r in cube),
                "resolved": int(sum(r[5] for r in cube)),
                "drills_excluded": drills,
                "first_declared": min((r[5 + width] for r in cube), default=None),
                "last_declared": max((r[6 + width] for r in cube), default=None),
            }
        return dict(self._period_info)

    def weekly(self) -> list[dict]:
        """Weeks start on Monday (UTC)."""
        return self.metrics()["weekly"]

    def indicators(self, overall: dict | None = None) -> dict[str, float | None]:
        o = overall or self._groups()["overall"].get("all") or _empty("all")
        return {
            "mttr": o["ttr"]["mean"],
            "mis_escalation": o["mis_escalation"]["rate"],
            "coordination": o["coordination"]["mean"],
            "prevention": o["prevention"]["rate"],
        }

    def assessment(self, overall: dict | None = None) -> dict:
        out = assess_maturity(
            self.indicators(overall),
            self.org.maturity,
            target=self.org.target_level,
            practice=self.org.practice,
        )
        out["period"] = self.period()
        return out

    # ------------------------------------------------------------ patterns
    def patterns(self, top_n: int = 5) -> dict:
        """Where incidents concentrate, re-escalate and coordinate slowly; and what
        the data says the matrix should change."""
        mx = self._mx()
        out: dict = {}
        for name, col in (("layers", "layer"), ("services", "service"), ("teams", "team")):
            rows = metrics_sql.pattern_rows(self.conn, mx, col)
            items = [
                {
                    "key": k,
                    "incidents": n,
                    "reescalations": int(re),
                    "coordination_mean": _min(ac),
                    "coordination_max": _min(xc),
                    "coordinated": nc,
                    "mis_escalated": int(mis),
                    "mis_escalation_rate": M.ratio(int(mis), judged),
                }
                for k, n, re, ac, xc, nc, mis, judged in rows
            ]
            out[name] = {
                "most_incidents": sorted(items, key=lambda x: (-x["incidents"], x["key"]))[:top_n],
                "most_reescalations": sorted(
                    (x for x in items if x["reescalations"]),
                    key=lambda x: (-x["reescalations"], x["key"]),
                )[:top_n],
                "longest_coordination": sorted(
                    (x for x in items if x["coordination_mean"] is not None),
                    key=lambda x: (-x["coordination_mean"], x["key"]),
                )[:top_n],
            }
        out["suggestions"] = self.suggestions()
        return out

    def suggestions(self) -> list[M.MatrixSuggestion]:
        org, mx = self.org, self._mx()
        layer_rows, service_rows = metrics_sql.routing_rows(self.conn, mx)
        by_layer = M.matrix_suggestions(
            layer_rows,
            kind="layer",
            team_name=self.team_name,
            subject=lambda k: f"{org.layers[k].name if k in org.layers else k} incidents",
            matrix_first=lambda k: M.layer_first_team(org, k) if k in org.layers else None,
        )
        by_service = M.matrix_suggestions(
            service_rows,
            kind="service",
            team_name=self.team_name,
            subject=lambda k: f"Incidents declared on {k}",
            matrix_first=lambda k: org.services[k].owner if k in org.services else None,
        )
        return by_layer + by_service

    def team_name(self, team: str | None) -> str:
        if team is None:
            return "nobody"
        t = self.org.teams.get(team)
        return t.name if t else team


def _mean(total: float, n: float) -> float | None:
    return total / n if n else None


def _min(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _empty(key: str) -> dict:
    blank = {"n": 0, "mean": None, "median": None, "p90": None}
    return {
        "key": key,
        "incidents": 0,
        "resolved": 0,
        "tta": dict(blank),
        "ttm": dict(blank),
        "ttr": dict(blank),
        "mis_escalation": {"rate": None, "count": 0, "of": 0, "misrouted": 0, "mispaged": 0},
        "coordination": {"n": 0, "mean": None, "max": None},
        "prevention": {"rate": None, "count": 0, "of": 0},
        "reescalations": 0,
    }


# ------------------------------------------------------------------ predictive escalation


def suggest_team(
    conn: sqlite3.Connection,
    org: Org,
    service: str | None = None,
    layer: str | None = None,
    on_call: OnCallNow | None = None,
) -> dict:
    """The team most likely to resolve an incident declared on `service` (or `layer`),
    from resolved real incidents declared the same way; falls back from service to its
    layer to the matrix. Indexed lookups only: cheap enough for the room. Its on-call is
    whoever `on_call` (the schedules at the moment asked about) says holds the pager."""
    if service is not None and layer is None and service in org.services:
        layer = org.services[service].layer
    attempts = []
    if service:
        attempts.append(("service", service))
    if layer:
        attempts.append(("layer", layer))
    for basis, key in attempts:
        rows = metrics_sql.resolutions(conn, basis, key)
        resolvers: Counter = Counter()
        for named, cause_service, cause_layer, responsible, n in rows:
            team = named or M.cause_owner(org, cause_service, cause_layer) or responsible
            if team:
                resolvers[team] += n
        total = sum(resolvers.values())
        if total < M.MIN_HISTORY:
            continue  # too few to say anything: try the wider basis
        evidence = [
            {"team": t, "team_name": _team_name(org, t), "count": n, "share": n / total}
            for t, n in sorted(resolvers.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        pred = M.predict(dict(resolvers), basis, key)
        team, count = (pred.team, pred.count) if pred else (None, 0)
        return _suggestion(org, team, basis, key, count, total, evidence, service, layer, on_call)
    owner = M.cause_owner(org, service, layer)
    return _suggestion(org, owner, "matrix", service or layer, 0, 0, [], service, layer, on_call)


def _team_name(org: Org, team: str | None) -> str | None:
    if team is None:
        return None
    return org.teams[team].name if team in org.teams else team


def _suggestion(
    org, team, basis, key, count, total, alternatives, service, layer, on_call_now
) -> dict:
    matrix = M.cause_owner(org, service, layer)
    t = org.teams.get(team) if team else None
    on_call = on_call_of(t, on_call_now) if t else None
    if basis == "matrix":
        why = (
            (
                f"no history of {key} incidents yet ({M.MIN_HISTORY} needed); the matrix makes "
                f"{_team_name(org, team)} responsible"
            )
            if team
            else "no history and no matrix entry"
        )
    else:
        where = f"{'service' if basis == 'service' else 'layer'} {key}"
        spread = ", ".join(f"{a['team_name']} {a['count']}" for a in alternatives)
        if team:
            why = (
                f"{_team_name(org, team)} resolved {count} of {total} incidents declared on "
                f"{where} ({count / total:.0%})"
            )
        else:
            why = (
                f"no clear suggestion: {total} resolved incidents declared on {where} were "
                f"resolved by {spread}; none resolved {M.PREDICT_SHARE:.0%} of them and "
                f"{M.PREDICT_LEAD:.0%} more than the next"
            )
    return {
        "team": team,
        "team_name": _team_name(org, team),
        "on_call": on_call,
        "on_call_name": org.person_name(on_call) if on_call else None,
        "basis": basis,
        "key": key,
        "count": count,
        "total": total,
        "share": (count / total) if total and team else None,
        "matrix_team": matrix,
        "matrix_team_name": _team_name(org, matrix),
        "differs_from_matrix": bool(team and matrix and team != matrix),
        "alternatives": alternatives,
        "why": why,
    }
