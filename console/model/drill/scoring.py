"""The scorecard of one drill run: every figure from T+0, compared with the
scenario's answer key, the escalation rules and the maturity model."""

from __future__ import annotations

from datetime import datetime
from typing import Any, overload

from console.model.clock import iso, t_text
from console.model.drill.answers import (
    allowed_teams,
    fault_scope,
    required_teams,
)
from console.model.drill.scenario import (
    Expected,
    Scenario,
    minutes,
)
from console.model.events import Event
from console.model.figures import (
    COORDINATION_MIN_TEAMS,
    coordination_time,
    time_to_mitigate,
    time_to_resolve,
)
from console.model.fold import fold
from console.model.folds.drill import drill_state
from console.model.incident import Incident
from console.model.maturity import assess as assess_maturity
from console.model.org import Org, severity_rank

# ------------------------------------------------------------------ scoring


@overload
def _rel(t0: datetime, when: datetime) -> float: ...
@overload
def _rel(t0: datetime, when: datetime | None) -> float | None: ...
def _rel(t0: datetime, when: datetime | None) -> float | None:
    return None if when is None else (when - t0).total_seconds()


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("ok" if ok else "missed")


def score(
    scn: Scenario,
    org: Org,
    events: list[Event],
    t0: datetime,
    end_at: datetime,
    end_reason: str = "",
    mode: str = "",
) -> dict[str, Any]:
    """The scorecard of one run: every figure from T+0 (the opening alert), each
    compared with the scenario's answer key, the rules, and the maturity thresholds."""
    evs = sorted((e for e in events if e.when <= end_at), key=lambda e: e.sort_key)
    inc = fold(evs) if evs else None
    st = drill_state(inc) if inc else {"pages": [], "acks": {}}
    exp = scn.expected
    end_s = _rel(t0, end_at)

    # mitigation: the first move to monitoring/resolved at or after the fix became possible
    mit_first, mit_credited = None, None
    for ev in evs:
        status = (
            ev.body.get("status")
            if ev.kind == "status_set"
            else ("resolved" if ev.kind == "resolved" else None)
        )
        if status in ("monitoring", "resolved"):
            t = _rel(t0, ev.when)
            mit_first = t if mit_first is None else mit_first
            if t >= exp.mitigate_from and mit_credited is None:
                mit_credited = t
    horizon = mit_credited if mit_credited is not None else end_s
    mitigation = {
        "seconds": mit_credited,
        "t": t_text(mit_credited),
        "minutes": minutes(mit_credited),
        "first_marked": t_text(mit_first),
        "premature": mit_first is not None and mit_first < exp.mitigate_from,
        "reasonable_from": t_text(exp.mitigate_from),
        "expected_by": t_text(exp.mitigate_by),
        "ok": mit_credited is not None and mit_credited <= exp.mitigate_by,
    }

    severity = _score_severity(inc, t0, exp, horizon)
    declared = _rel(t0, inc.declared_at) if inc else None

    required = required_teams(org, scn, horizon)
    allowed = allowed_teams(org, scn)
    first_page: dict[str, float] = {}
    paged_via: dict[str, str] = {}
    for p in sorted(st["pages"], key=lambda p: p["at"]):
        if p["team"] and p["team"] not in first_page:
            first_page[p["team"]] = _rel(t0, p["at"])
            paged_via[p["team"]] = p.get("step") or "direct page"
    ack_at: dict[str, datetime] = dict(st["acks"])
    acks = {team: _rel(t0, at) for team, at in ack_at.items()}

    def team_name(team: str) -> str:
        return org.teams[team].name if team in org.teams else team

    engagement = []
    for team, req in required.items():
        paged = first_page.get(team)
        engagement.append(
            {
                "team": team,
                "team_name": team_name(team),
                "why": req.why,
                "required_by": t_text(req.by),
                "required_by_seconds": req.by,
                "paged": t_text(paged),
                "paged_seconds": paged,
                "via": paged_via.get(team),
                "late_seconds": None if paged is None else max(0.0, paged - req.by),
                "acknowledged": t_text(acks.get(team)),
                "acknowledged_seconds": acks.get(team),
                "ok": paged is not None and paged <= req.by,
            }
        )
    wrong = [
        {
            "team": t,
            "team_name": team_name(t),
            "paged": t_text(s),
            "paged_seconds": s,
            "via": paged_via[t],
        }
        for t, s in sorted(first_page.items(), key=lambda kv: (kv[1], kv[0]))
        if t not in allowed
    ]
    missed = [
        {"team": t, "team_name": team_name(t), "required_by": t_text(r.by), "why": r.why}
        for t, r in required.items()
        if t not in first_page
    ]
    involved = set(first_page) | set(required)
    count = len(wrong) + len(missed)
    rate = round(count / len(involved), 4) if involved else 0.0
    mis = {
        "wrong": wrong,
        "missed": missed,
        "count": count,
        "teams_involved": len(involved),
        "rate": rate,
        "ok": count == 0,
    }

    # Coordination time as metrics defines it: declared -> every paged team (here, paged
    # on the drill sink) acknowledged, only when two or more teams were paged.
    coordination_s = coordination_time(inc.declared_at if inc else None, first_page, ack_at)
    one_team = declared is not None and len(first_page) < COORDINATION_MIN_TEAMS
    coordination = {
        "seconds": coordination_s,
        "minutes": minutes(coordination_s),
        "from": t_text(declared),
        "until": t_text(
            None if coordination_s is None or declared is None else declared + coordination_s
        ),
        "teams_paged": len(first_page),
        "teams_acknowledged": len(set(first_page) & set(acks)),
        "not_measured": f"{len(first_page)} team{'' if len(first_page) == 1 else 's'} paged: "
        f"coordination needs {COORDINATION_MIN_TEAMS}"
        if one_team
        else None,
        "waiting_for": [t for t in required if t not in acks],
        # the drill's own verdict: every team the answer key requires acknowledged
        "ok": all(t in acks for t in required) and declared is not None,
    }
    # Time to mitigate and to resolve as metrics defines them: from the start (impact
    # start when recorded, else declared), so a drill and a real incident read alike.
    start = _rel(t0, inc.detected_at) if inc and inc.detected_at else None
    ttm_s = time_to_mitigate(inc) if inc else None
    ttr_s = time_to_resolve(inc) if inc else None
    start_label = "impact start" if inc and inc.impact_started_at else "declared"
    time_to = {
        name: {
            "seconds": value,
            "minutes": minutes(value),
            "from": t_text(start),
            "from_label": start_label,
            "until": t_text(None if value is None or start is None else start + value),
        }
        for name, value in (("mitigate", ttm_s), ("resolve", ttr_s))
    }

    # MTTR reads time to resolve, as `assess` does. One drill cannot show a prevention
    # rate; a figure it never reached is the floor, and coordination with fewer than two
    # teams paged is left out, as metrics leaves such incidents out.
    maturity = assess_maturity(
        {  # unrounded, as metrics' means are
            "mttr": None if ttr_s is None else ttr_s / 60,
            "mis_escalation": rate,
            "coordination": None if coordination_s is None else coordination_s / 60,
        },
        org.maturity,
        missing={
            "mttr": "never reached",
            "mis_escalation": "never reached",
            "coordination": "no data" if one_team else "never reached",
        },
        unmeasured=("prevention",),
        labels={"mttr": "time to resolve", "coordination": "cross-team coordination"},
    )
    engaged_ok = all(e["ok"] for e in engagement)
    won = bool(
        severity["ok"] and engaged_ok and mis["ok"] and coordination["ok"] and mitigation["ok"]
    )
    return {
        "scenario": scn.name,
        "title": scn.title,
        "mode": mode,
        "incident": inc.id if inc else None,
        "t0": iso(t0),
        "ended_at": iso(end_at),
        "ended": t_text(end_s),
        "end_reason": end_reason,
        "won": won,
        "declared": {"seconds": declared, "t": t_text(declared)},
        "severity": severity,
        "engagement": engagement,
        "mis_escalation": mis,
        "coordination": coordination,
        "mitigation": mitigation,
        "time_to_mitigate": time_to["mitigate"],
        "time_to_resolve": time_to["resolve"],
        "maturity": maturity,
        "answer_key": {
            "severity": exp.severity,
            "severity_by": t_text(exp.severity_by),
            "why": exp.why,
            "layers": list(fault_scope(org, scn).layers),
            "services": list(exp.services),
            "responsible_teams": allowed,
            "mitigate_from": t_text(exp.mitigate_from),
            "mitigate_by": t_text(exp.mitigate_by),
        },
    }


def _score_severity(
    inc: Incident | None, t0: datetime, exp: Expected, horizon: float
) -> dict[str, Any]:
    """Time to the right severity: when it settled on the expected one and stayed there
    until mitigation (or the end). Lowering it after mitigation is normal practice."""
    path = [] if inc is None else [(_rel(t0, at), sev) for at, sev in inc.severity_history]
    within = [(t, s) for t, s in path if t <= horizon]
    settled = None
    if within and within[-1][1] == exp.severity:
        settled = within[-1][0]
        for t, s in reversed(within):
            if s != exp.severity:
                break
            settled = t
    most = min((severity_rank(s) for _, s in within), default=None)
    return {
        "expected": exp.severity,
        "by": t_text(exp.severity_by),
        "by_seconds": exp.severity_by,
        "seconds": settled,
        "t": t_text(settled),
        "path": [{"t": t_text(t), "severity": s} for t, s in path],
        "over_escalated": most is not None and most < severity_rank(exp.severity),
        "under_escalated": bool(within)
        and within[-1][1] != exp.severity
        and severity_rank(within[-1][1]) > severity_rank(exp.severity),
        "ok": settled is not None and settled <= exp.severity_by,
    }
