"""The living incident document, as Markdown, from the same view `show` prints."""

from __future__ import annotations

from datetime import datetime


def _local(ts: str | None) -> str:
    if not ts:
        return "—"
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def markdown(view: dict) -> str:
    r = view["responsibility"]
    lines = [
        f"# {view['id']}: {view['title']}",
        "",
        f"**{'DRILL ' + view['drill'] + ' — ' if view.get('drill') else ''}{view['severity']}** "
        f"({view['severity_meaning']}) · status **{view['status']}** · pattern {r['pattern']['name']}",
        "",
        "| | |", "|---|---|",
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
        lines.append(f"Responsible team: **{rt['team_name']}** ({rt['team_type']}), on call {rt['on_call']} {rt['contact'] or ''}")
        lines.append("")
    lines += ["| Domain | Layer | First response | Second line | Final responsibility |", "|---|---|---|---|---|"]
    for d in r["domains"]:
        cells = []
        for k in ("first", "second", "final"):
            c = d[k]
            cell = f"{c['team_type']}: {c['team_name'] or '—'}" + (f" ({c['on_call']})" if c["on_call"] else "")
            cells.append(f"**{cell}**" if c["responsible"] else cell)
        lines.append(f"| {d['name']} | {d['layer']} | " + " | ".join(cells) + " |")
    lines += ["", "| Team type | Role at " + view["severity"] + " |", "|---|---|"]
    lines += [f"| {t} | {role} |" for t, role in r["team_type_roles"].items()]
    for layer in r["layers"]:
        lines.append("")
        lines.append(f"- **{layer['name']}**: blast radius {layer['blast_radius']}; detected by {layer['detection']}; "
                     f"recovery: {layer['recovery']}")
    lines += ["", "## Escalation", "", "| Step | Due | State | Targets |", "|---|---|---|---|"]
    for s in view["escalation"]:
        targets = "; ".join(
            f"{t['role']}: " + ", ".join(c["person_name"] or "—" for c in t["contacts"]) for t in s["targets"])
        lines.append(f"| {s['key']} | {_local(s['due_at'])} | {s['state']} | {targets} |")
    lines += ["", "## Timeline", ""]
    for t in view["timeline"]:
        lines.append(f"- {_local(t['at'])} · {t['actor']} · {t['text']}")
    lines.append("")
    return "\n".join(lines)
