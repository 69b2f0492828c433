"""Acknowledgements back from the paging tool: a PagerDuty incident that is one of our
pages (its incident_key is our dedup_key) acknowledged there is acknowledged here, as
the person who did it, through the same command `incident-console ack` runs; resolved
and reassigned are noted on the incident's timeline."""

from __future__ import annotations

import re

from console.model import events
from console.model.alert_payloads import PagerEvent
from console.model.errors import InputError
from console.model.folds.alerts import alerts_of
from console.model.folds.paging import state_of
from console.notify.actions import acknowledge
from console.service import IncidentService

# console.model.paging.messages.dedup_key: "incident-console/<incident>/<target>"
_OUR_KEY = re.compile(r"^incident-console/(INC-\d{1,12})/([^/\s]{1,200})\Z")
TOOL = "PagerDuty"


def _actor(service: IncidentService, ev: PagerEvent) -> str:
    """The org's person when PagerDuty's name for the agent is one of ours, else that
    name made safe to be an actor, else the tool."""
    name = " ".join(ev.agent_name.split())
    for person in service.org.people.values():
        if name and (person.name.lower() == name.lower() or person.id == name):
            return person.id
    cleaned = "".join(ch for ch in name if ch.isprintable())[: events.MAX_ACTOR]
    return cleaned or "pagerduty"


def handle(service: IncidentService, ev: PagerEvent) -> dict:
    """What happened, as a small dict the receiver answers with."""
    m = _OUR_KEY.match(ev.incident_key)
    if m is None:
        return {"status": "ignored", "why": "not one of our pages (incident_key)"}
    incident_id, target = m.groups()
    try:
        inc = service.get(incident_id)
    except InputError:
        return {"status": "ignored", "why": f"no incident {incident_id} here"}
    actor = _actor(service, ev)
    if ev.event_type == "incident.acknowledged":
        st = state_of(inc)
        paged = {s for s, t in st.pages if t == target}
        if not paged:
            return {"status": "ignored", "why": f"{incident_id}: {target} was not paged"}
        if all(st.acked(target, s) for s in paged):
            return {"status": "unchanged", "incident": inc.id, "why": "already acknowledged"}
        if not inc.open:
            return {"status": "ignored", "why": f"{incident_id} is resolved"}
        as_agent = IncidentService(service.store, service.org, service.clock, actor=actor)
        acknowledge(as_agent, inc.id, None, target, via=TOOL)
        return {"status": "acknowledged", "incident": inc.id, "target": target, "by": actor}
    if ev.event_type in ("incident.resolved", "incident.reassigned"):
        if ev.id and any(p.get("webhook_id") == ev.id for p in alerts_of(inc).pager):
            return {"status": "unchanged", "incident": inc.id, "why": "already noted"}
        body = events.PagerUpdate(
            tool="pagerduty",
            event_type=ev.event_type,
            target=target,
            agent=events.clip(ev.agent_name, events.MAX_NAME),
            tool_incident=ev.tool_incident,
            url=ev.url,
            webhook_id=ev.id,
        )
        service.record(inc.id, body, actor=actor)
        return {"status": "noted", "incident": inc.id, "event_type": ev.event_type}
    return {"status": "ignored", "why": f"{ev.event_type} is not acted on"}
