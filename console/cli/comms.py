"""CLI verbs for everyone not at the keyboard: `update ID [--text ...]` posts a
stakeholder update (drafted from the incident unless given) and sends it;
`decide ID TEXT [--by PERSON] [--option ...]` records a decision;
`request-decision ID QUESTION [--of ROLE]...` asks leadership for one."""

from __future__ import annotations

import sys


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "update",
        cmd_update,
        "post a stakeholder update (drafted from the incident unless --text) and send it "
        "through the stakeholder channels",
    )
    sp.add_argument("id")
    sp.add_argument("--text", help="the update as sent ('-' reads it from stdin)")
    sp.add_argument(
        "--draft", action="store_true", help="print the draft and where it would go; send nothing"
    )
    sp = verb("decide", cmd_decide, "record a decision: who decided, what, options considered")
    sp.add_argument("id")
    sp.add_argument("text", nargs="+")
    sp.add_argument("--by", metavar="PERSON", help="who decided (default: you, --as)")
    sp.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="TEXT",
        help="an option that was considered (repeat for each)",
    )
    sp = verb(
        "request-decision",
        cmd_request_decision,
        "ask leadership for a decision; the room shows it pending until one is recorded",
    )
    sp.add_argument("id")
    sp.add_argument("question", nargs="+")
    sp.add_argument(
        "--of",
        action="append",
        default=[],
        metavar="ROLE",
        help="the role asked (default: the leadership roles)",
    )


def _desk(ctx):
    from console.comms.desk import CommsDesk

    return CommsDesk(ctx.service)


def cmd_update(ctx) -> int:
    from console.model.clock import iso

    desk = _desk(ctx)
    incident_id = ctx.service.resolve_id(ctx.args.id)
    if ctx.args.draft:
        d = desk.draft(incident_id)
        data = {
            "id": d.incident_id,
            "text": d.text,
            "channels": list(d.channels),
            "roles": list(d.roles),
            "next_due_at": iso(d.next_due_at),
        }
        where = ", ".join(d.channels) or "no stakeholder channel (timeline only)"
        ctx.emit(data, f"{d.text}\n\n(would go to: {where})")
        return 0
    text = ctx.args.text
    if text == "-":
        text = sys.stdin.read()
    ev = desk.post(incident_id, text)
    from console.comms.send import send_now

    report = send_now(ctx.service, incident_id)
    mine = [d for d in (report.delivered if report else []) if d["kind"] == "update"]
    failed = [d for d in (report.failed if report else []) if d["kind"] == "update"]
    channels = ev.body.get("channels", [])
    data = {
        "id": incident_id,
        "event_id": ev.event_id,
        "channels": channels,
        "delivered": [d["channel"] for d in mine],
        "failed": [{"channel": d["channel"], "error": d["error"]} for d in failed],
        "queued": report is None,
    }
    if not channels:
        said = "recorded on the timeline (no stakeholder channel configured)"
    elif report is None:
        said = f"recorded; the shared server's runner sends it to {', '.join(channels)}"
    else:
        said = f"recorded; delivered to {', '.join(data['delivered']) or 'none yet'}"
        if failed:
            said += "; failed: " + ", ".join(f"{d['channel']} ({d['error']})" for d in failed)
            said += " (retried by the escalation runner)"
    ctx.emit(data, f"{incident_id}: stakeholder update {said}")
    return 0


def cmd_decide(ctx) -> int:
    desk = _desk(ctx)
    ev = desk.decide(ctx.args.id, " ".join(ctx.args.text), ctx.args.by, ctx.args.option)
    data = {"id": ev.incident_id, "event_id": ev.event_id, **ev.body}
    ctx.emit(data, f"{ev.incident_id}: decision by {ev.body['by']} recorded")
    return 0


def cmd_request_decision(ctx) -> int:
    desk = _desk(ctx)
    ev = desk.request_decision(ctx.args.id, " ".join(ctx.args.question), ctx.args.of)
    data = {"id": ev.incident_id, "event_id": ev.event_id, **ev.body}
    ctx.emit(data, f"{ev.incident_id}: decision requested of {', '.join(ev.body['asked_of'])}")
    return 0
