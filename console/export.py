"""The living incident document, as Markdown, from the same view `show` prints.
With an analysis (IncidentService.postmortem) it becomes a postmortem draft.

Every string of the view and the analysis goes through markdown_inline first: user
text stays on its line, shows its control characters, and cannot open a table cell,
a link or an HTML tag."""

from __future__ import annotations

from datetime import datetime

from console.model.text import map_strings, markdown_inline
from console.zone import text as zone_text


def _local(ts: str | None) -> str:
    """In the zone the console shows, named: a reader elsewhere knows what 13:25 means."""
    if not ts:
        return "—"
    return zone_text(datetime.fromisoformat(ts.replace("Z", "+00:00")), "%Y-%m-%d %H:%M:%S")


def markdown(view: dict, analysis: dict | None = None) -> str:
    view = map_strings(view, markdown_inline)
    analysis = map_strings(analysis, markdown_inline)
    r = view["responsibility"]
    lines = [
        f"# {view['id']}: {view['title']}",
        "",
        f"**{'DRILL ' + view['drill'] + ' — ' if view.get('drill') else ''}{view['severity']}** "
        f"({view['severity_meaning']}) · status **{view['status']}** · pattern {r['pattern']['name']}",
        "",
        "| | |",
        "|---|---|",
        f"| Declared | {_local(view['declared_at'])} by {view['declared_by']} |",
        f"| Impact started | {_local(view['detected_at'])} |",
        f"| Acknowledged | {_local(view['acknowledged_at'])} |",
        f"| Mitigated | {_local(view['mitigated_at'])} |",
        f"| Resolved | {_local(view['resolved_at'])} |",
        f"| Layers | {', '.join(view['layers']) or '—'} |",
        f"| Services | {', '.join(view['services']) or '—'} |",
        f"| Detection | {view['detection'] or '—'} |",
        "",
        "## Roles",
        "",
    ]
    for role, person in view["roles"].items():
        pending = view["handoffs"].get(role)
        extra = f" (handoff to {pending['to']} pending)" if pending else ""
        lines.append(f"- **{role}**: {person or '—'}{extra}")
    lines += ["", "## Responsibility", ""]
    rt = r.get("responsible_team")
    if rt:
        lines.append(
            f"Responsible team: **{rt['team_name']}** ({rt['team_type']}), on call {rt['on_call']} {rt['contact'] or ''}"
        )
        lines.append("")
    lines += [
        "| Domain | Layer | First response | Second line | Final responsibility |",
        "|---|---|---|---|---|",
    ]
    for d in r["domains"]:
        cells = []
        for k in ("first", "second", "final"):
            c = d[k]
            cell = f"{c['team_type']}: {c['team_name'] or '—'}" + (
                f" ({c['on_call']})" if c["on_call"] else ""
            )
            cells.append(f"**{cell}**" if c["responsible"] else cell)
        lines.append(f"| {d['name']} | {d['layer']} | " + " | ".join(cells) + " |")
    lines += ["", "| Team type | Role at " + view["severity"] + " |", "|---|---|"]
    lines += [f"| {t} | {role} |" for t, role in r["team_type_roles"].items()]
    for layer in r["layers"]:
        lines.append("")
        lines.append(
            f"- **{layer['name']}**: blast radius {layer['blast_radius']}; detected by {layer['detection']}; "
            f"recovery: {layer['recovery']}"
        )
    lines += ["", "## Escalation", "", "| Step | Due | State | Targets |", "|---|---|---|---|"]
    for s in view["escalation"]:
        targets = "; ".join(
            f"{t['role']}: " + ", ".join(c["person_name"] or "—" for c in t["contacts"])
            for t in s["targets"]
        )
        lines.append(f"| {s['key']} | {_local(s['due_at'])} | {s['state']} | {targets} |")
    if analysis is None:  # the postmortem draft gives decisions a section of its own
        lines += _decisions(view.get("decisions", []))
    lines += _updates(view.get("updates", []))
    lines += ["", "## Timeline", ""]
    for t in view["timeline"]:
        lines.append(f"- {_local(t['at'])} · {t['actor']} · {t['text']}")
    lines.append("")
    if analysis is not None:
        lines = _postmortem(view, analysis, lines)
    return "\n".join(lines)


def _decisions(decisions: list[dict]) -> list[str]:
    """Who decided what, when, and what else was on the table."""
    lines = ["", "## Decisions", ""]
    if not decisions:
        return [*lines, "No decision was recorded."]
    for d in decisions:
        lines.append(f"- {_local(d['at'])} · **{d['by']}**: {d['text']}")
        if d.get("asked"):
            lines.append(f"  - asked: {d['asked']}")
        if d["options"]:
            lines.append(f"  - options considered: {'; '.join(d['options'])}")
        if d.get("recorded_by") and d["recorded_by"] != d["by"]:
            lines.append(f"  - recorded by {d['recorded_by']}")
    return lines


def _updates(updates: list[dict]) -> list[str]:
    if not updates:
        return []
    lines = ["", "## Stakeholder updates", ""]
    for u in updates:
        to = ", ".join(u["channels"]) or "the timeline only"
        lines.append(f"- {_local(u['at'])} · {u['by']} · {u['severity']} {u['status']} · to {to}")
        lines += [f"  > {line}" for line in u["text"].splitlines()]
    return lines


# ---- postmortem draft: the living document above, framed by
# summary and impact, and followed by what the data says went well and badly.


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} min"


def _decision_log(decisions: list[dict], unanswered: list[dict], still_open: bool) -> list[str]:
    """The postmortem's Decisions: who decided what, when, from which options, and what
    leadership was asked and never answered."""
    lines = ["", "## Decisions", ""]
    if not decisions:
        lines.append("No decision was recorded.")
    else:
        lines += [
            "| When | Into the incident | Decided by | Decision | Options considered | Asked |",
            "|---|---|---|---|---|---|",
        ]
        for d in decisions:
            by = d["by_name"]
            if d["recorded_by"] and d["recorded_by"] != d["by"]:
                by += f", recorded by {d['recorded_by']}"
            asked = "—"
            if d["asked"]:
                asked = f"{d['asked']} (by {d['asked_by']}; decided {_minutes(d['waited_minutes'])} later)"
            lines.append(
                f"| {_local(d['at'])} | {_minutes(d['minutes_in'])} | {by} | {d['text']} | "
                f"{'; '.join(d['options']) or '—'} | {asked} |"
            )
    if unanswered:
        lines += [
            "",
            "Still waiting for a decision:" if still_open else "Asked and never decided:",
            "",
        ]
        lines += [
            f"- {u['question']} — asked by {u['asked_by']} at {_local(u['asked_at'])}"
            + (f" of {', '.join(u['of'])}" if u["of"] else "")
            for u in unanswered
        ]
    return lines


def _postmortem(view: dict, a: dict, living: list[str]) -> list[str]:
    state = "still open" if a["open"] else "resolved"
    cause = a["cause_service"] or a["cause_layer_name"] or "not recorded"
    head = [
        f"# Postmortem draft — {view['id']}: {view['title']}",
        "",
        "> Drafted from the event log; edit before sharing. Figures compare this incident",
        "> with other real incidents whose cause was in the same layer.",
        "",
        "## Summary",
        "",
        f"- **What**: {view['title']} ({state}; peak severity {a['peak_severity']})",
        f"- **Cause**: {cause}"
        + (
            f" ({a['cause_layer_name']} layer)"
            if a["cause_service"] and a["cause_layer_name"]
            else ""
        ),
        f"- **Resolution**: {a['summary'] or '—'}",
        f"- **First responding team**: {a['first_team_name'] or '—'}; "
        f"**resolved by**: {a['resolving_team_name'] or '—'}",
        "",
        "## Impact",
        "",
        f"- Impact from {_local(view['detected_at'])} to {_local(view['resolved_at'])}"
        f" ({_minutes(a['minutes']['ttr'])})",
        f"- Layers: {', '.join(view['layers']) or '—'}; services: {', '.join(view['services']) or '—'}",
        "- Blast radius: "
        + (
            "; ".join(f"{x['name']}: {x['blast_radius']}" for x in view["responsibility"]["layers"])
            or "—"
        ),
        f"- Detected by: {view['detection'] or '—'}",
        "",
        "| | this incident | median of peers |",
        "|---|---|---|",
    ]
    for key, label in (
        ("tta", "Time to acknowledge"),
        ("ttm", "Time to mitigate"),
        ("ttr", "Time to resolve"),
    ):
        head.append(
            f"| {label} | {_minutes(a['minutes'][key])} | {_minutes(a['peers'].get(key))} |"
        )
    head.append(f"| Cross-team coordination | {_minutes(a['minutes']['coord'])} | |")
    head += _decision_log(a.get("decisions", []), a.get("unanswered", []), a["open"])
    head += ["", "## Incident record"]
    body = living[1:]  # the living document without its title
    tail = ["## Responsibility in hindsight", ""]
    if a["pages"]:
        tail += [
            "| Team paged | At | Acknowledged | Matrix names it for the cause |",
            "|---|---|---|---|",
        ]
        for p in a["pages"]:
            verdict = {True: "yes", False: "**no**", None: "cannot tell"}[p["expected"]]
            tail.append(
                f"| {p['team_name']} | {p['severity']} {_local(p['paged_at'])} | "
                f"{_local(p['acked_at'])} | {verdict} |"
            )
    else:
        tail.append("No page was recorded.")
    tail += [
        "",
        f"The matrix makes **{a['cause_owner_name'] or '—'}** responsible for {cause}.",
        "",
        "## What the data says",
        "",
        "### Went well",
        "",
    ]
    tail += [f"- {x}" for x in a["went_well"]] or ["- (nothing the data can vouch for)"]
    tail += ["", "### Went badly", ""]
    tail += [f"- {x}" for x in a["went_badly"]] or ["- (nothing the data flags)"]
    if a.get("waived"):
        tail += ["", "### Escalation steps waived", ""]
        tail += [f"- {w['step']} by {w['by']}: {w['reason']}" for w in a["waived"]]
    tail += ["", "## Action items", "", "- [ ] (owner, due date) — fill in", ""]
    return head + body + tail
