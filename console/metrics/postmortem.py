"""What the data says about one incident: its facts beside its peers (same cause
layer), the matrix's verdict on who was paged, the escalation's punctuality. The
postmortem draft (console/export.py) renders it."""

from __future__ import annotations

from datetime import datetime

from console.model import maturity
from console.model import metrics as M
from console.model.clock import iso, parse_iso, parse_iso_required
from console.model.folds.comms import comms_state
from console.store import metrics as metrics_sql

LATE_DECLARE_MINUTES = 10  # impact this long before declaring is worth a line


def _peer_medians(conn, incident_id: str, layer: str | None) -> dict:
    rows = metrics_sql.peer_durations(conn, incident_id, layer)
    out: dict[str, float | None] = {"n": len(rows)}
    for idx, name in enumerate(("tta", "ttm", "ttr")):
        vals = [r[idx] / 60 for r in rows if r[idx] is not None]
        out[name] = M.percentile(vals, 0.5) if len(vals) >= M.MIN_HISTORY else None
    return out


def analyse(service, incident_id: str, now: datetime | None = None) -> dict:
    conn, org = service.store.conn, service.org
    view = service.view(incident_id, now)
    facts = metrics_sql.facts(conn, incident_id)
    pages = metrics_sql.pages(conn, incident_id)
    resolved = [e for e in service.events(incident_id) if e.kind in ("resolved", "reopened")]
    summary = (
        resolved[-1].body.get("summary", "") if resolved and resolved[-1].kind == "resolved" else ""
    )
    cause_service, cause_layer = facts.get("cause_service"), facts.get("cause_layer")
    owner = M.cause_owner(org, cause_service, cause_layer)
    resolver = None
    if not view["open"]:
        resolver = facts.get("resolved_by_team") or owner or view["responsible_team"]
    first = facts.get("first_team")
    for p in pages:
        expected = M.matrix_teams(org, cause_service, cause_layer, p["severity"])
        p["team_name"] = _name(org, p["team"])
        p["expected"] = None if expected is None else p["team"] in expected
    peers = _peer_medians(conn, incident_id, cause_layer)
    minutes = {
        k: (None if (seconds := facts.get(f"{k}_s")) is None else seconds / 60)
        for k in ("tta", "ttm", "ttr", "coord")
    }
    well, badly = _judge(org, view, facts, pages, minutes, peers, first, resolver)
    decisions, unanswered = _decision_log(service, incident_id, parse_iso(view["declared_at"]))
    if unanswered and not view["open"]:
        badly.append(
            "Asked of leadership and never decided: "
            + "; ".join(f"{u['question']} (asked by {u['asked_by']})" for u in unanswered)
        )
    return {
        "id": incident_id,
        "summary": summary,
        "open": view["open"],
        "cause_service": cause_service,
        "cause_layer": cause_layer,
        "cause_layer_name": org.layers[cause_layer].name
        if cause_layer in org.layers
        else cause_layer,
        "cause_owner": owner,
        "cause_owner_name": _name(org, owner),
        "first_team": first,
        "first_team_name": _name(org, first),
        "resolving_team": resolver,
        "resolving_team_name": _name(org, resolver),
        "peak_severity": facts.get("peak_severity") or view["severity"],
        "minutes": minutes,
        "peers": peers,
        "pages": pages,
        "severity_raises": facts.get("severity_raises", 0),
        "team_changes": facts.get("team_changes", 0),
        "decisions": decisions,
        "unanswered": unanswered,
        "went_well": well,
        "went_badly": badly,
        "waived": [
            {"step": s["key"], "reason": s["waived_reason"], "by": s["waived_by"]}
            for s in view["escalation"]
            if s["state"] == "waived"
        ],
    }


def _decision_log(
    service, incident_id: str, declared: datetime | None
) -> tuple[list[dict], list[dict]]:
    """Who decided what and when (minutes into the incident), what else was on the table,
    the question it answered and how long that answer took; and the questions no decision
    answered."""
    org = service.org
    state = comms_state(service.get(incident_id))

    def person(who: str) -> str:
        known = org.people.get(who)
        return f"{known.name} ({who})" if known is not None and known.name != who else who

    def into(at: datetime) -> float | None:
        return None if declared is None else (at - declared).total_seconds() / 60

    decisions = []
    for d in state.decisions:
        asked = state.requests.get(d.answers) if d.answers else None
        decisions.append(
            {
                "at": iso(d.at),
                "minutes_in": into(d.at),
                "by": d.by,
                "by_name": person(d.by),
                "recorded_by": d.actor,
                "text": d.text,
                "options": list(d.options),
                "asked": asked.question if asked else None,
                "asked_by": asked.actor if asked else None,
                "asked_at": iso(asked.at) if asked else None,
                "waited_minutes": (d.at - asked.at).total_seconds() / 60 if asked else None,
            }
        )
    unanswered = [
        {
            "question": r.question,
            "asked_by": r.actor,
            "asked_at": iso(r.at),
            "minutes_in": into(r.at),
            "of": list(r.of),
        }
        for r in state.pending
    ]
    return decisions, unanswered


def _name(org, team: str | None) -> str | None:
    if team is None:
        return None
    return org.teams[team].name if team in org.teams else team


def _judge(org, view, facts, pages, minutes, peers, first, resolver) -> tuple[list[str], list[str]]:
    well: list[str] = []
    badly: list[str] = []
    layer = facts.get("cause_layer") or "unknown-layer"
    labels = {"tta": "Acknowledged", "ttm": "Mitigated", "ttr": "Resolved"}
    for key, label in labels.items():
        value, peer = minutes.get(key), peers.get(key)
        if value is None or peer is None:
            continue
        line = (
            f"{label} {value:.0f} min after impact started; the median of {peers['n']} other "
            f"{layer}-layer incidents is {peer:.0f} min"
        )
        (well if value <= peer else badly).append(line)
    declared, detected = parse_iso(view["declared_at"]), parse_iso(view["detected_at"])
    if declared and detected:
        lag = (declared - detected).total_seconds() / 60
        if lag > LATE_DECLARE_MINUTES:
            badly.append(
                f"Declared {lag:.0f} min after impact started (detection: {view['detection'] or 'not recorded'})"
            )
        elif detected < declared:
            well.append(f"Declared {lag:.0f} min after impact started")
    grace = org.overdue_after_seconds
    late, skipped, on_time = [], [], 0
    for s in view["escalation"]:
        # "skipped" is a step that fell due and was never ticked nor waived; steps a
        # severity change superseded before they fell due are "cancelled", not missed.
        if s["state"] == "skipped":
            skipped.append(s["key"])
        elif s["notified_at"]:
            notified, due = parse_iso_required(s["notified_at"]), parse_iso_required(s["due_at"])
            delay = (notified - due).total_seconds()
            if delay > grace:
                late.append(f"{s['key']} (+{delay / 60:.0f} min)")
            else:
                on_time += 1
    if late:
        badly.append("Escalation steps notified late: " + ", ".join(late))
    if skipped:
        badly.append(
            "Escalation steps that fell due but were never notified: " + ", ".join(skipped)
        )
    if on_time and not late and not skipped:
        well.append(f"All {on_time} escalation step(s) were notified on time")
    wrong = [p for p in pages if p["expected"] is False]
    if wrong:
        cause = facts.get("cause_service") or layer
        badly.append(
            "Paged outside the matrix for the cause "
            + cause
            + ": "
            + ", ".join(f"{p['team_name']} at {p['severity']}" for p in wrong)
        )
    elif pages and all(p["expected"] for p in pages):
        well.append(
            f"Every paged team ({len({p['team'] for p in pages})}) is one the matrix names for the cause"
        )
    if resolver and first:
        if first != resolver:
            badly.append(
                f"Routed first to {_name(org, first)} but resolved by {_name(org, resolver)} "
                "(mis-routed: the cause was outside the first team's services)"
            )
        else:
            well.append(f"The first responding team ({_name(org, first)}) also resolved it")
    coord = minutes.get("coord")
    if coord is not None:
        levels = sorted(org.maturity, key=lambda m: m.level)
        best = maturity.indicator_level(coord, maturity.BY_ID["coordination"], levels)
        text = f"Every paged team acknowledged within {coord:.0f} min of declaring"
        if best >= 3:
            well.append(f"{text} (level {min(best, 3)} pace)")
        else:
            need = next((m for m in levels if m.level == 3), None)
            need = need and maturity.needs_text(need, maturity.BY_ID["coordination"])
            badly.append(f"{text}; maturity level 3 needs {need}" if need else text)
    elif facts.get("teams_paged", 0) >= 2 and facts.get("teams_acked", 0) < facts.get(
        "teams_paged", 0
    ):
        badly.append(
            f"Only {facts['teams_acked']} of {facts['teams_paged']} paged teams acknowledged"
        )
    if facts.get("severity_raises"):
        badly.append(
            f"Severity was raised {facts['severity_raises']} time(s) after declaring "
            f"(peak {facts.get('peak_severity')}): the first assessment was too low"
        )
    if facts.get("team_changes"):
        badly.append(
            f"The responsible team changed {facts['team_changes']} time(s) during the incident"
        )
    if view["severity"] in ("SEV1", "SEV2") and not view["roles"].get("communications"):
        badly.append("Nobody held the communications role")
    if view["roles"].get("scribe"):
        well.append(f"A scribe ({view['roles']['scribe']}) kept the timeline")
    return well, badly
