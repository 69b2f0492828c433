"""Acknowledgements back from the paging tool: a PagerDuty incident that is one of our
pages (its incident_key is our dedup_key) acknowledged there is acknowledged here, as
the person who did it (matched by PagerDuty user id or e-mail, by name only as a last
resort and said so, never guessed), through the same command `incident-console ack`
runs; resolved and reassigned are noted on the incident's timeline."""

from __future__ import annotations

import re

from console.model import events
from console.model.agents import match_agent
from console.model.alert_payloads import PagerEvent
from console.model.errors import InputError
from console.model.folds.alerts import alerts_of
from console.model.folds.paging import state_of
from console.notify.actions import AgentSeen, acknowledge
from console.service import IncidentService

# console.model.paging.messages.dedup_key: "incident-console/<incident>/<target>"
_OUR_KEY = re.compile(r"^incident-console/(INC-\d{1,12})/([^/\s]{1,200})\Z")
TOOL = "PagerDuty"


def _agent(service: IncidentService, ev: PagerEvent) -> tuple[str, AgentSeen]:
    """The actor to record and what we know of PagerDuty's agent: our person when its
    PagerDuty user id, e-mail or (last, and said so) its name is theirs; otherwise the
    tool itself, with the agent kept as PagerDuty named them."""
    found = match_agent(service.org, tool_id=ev.agent_id, email=ev.agent_email, name=ev.agent_name)
    seen = AgentSeen(name=_label(ev.agent_name), tool_id=_label(ev.agent_id), how=found.how)
    return found.person or "pagerduty", seen


def _label(text: str) -> str:
    """PagerDuty's words for its agent as a label our log accepts: one line of printable
    characters (a stray surrogate or control character would refuse the whole event)."""
    cleaned = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    return events.clip(cleaned, events.MAX_NAME)


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
    actor, agent = _agent(service, ev)
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
        acknowledge(as_agent, inc.id, None, target, via=TOOL, agent=agent)
        return {
            "status": "acknowledged",
            "incident": inc.id,
            "target": target,
            "by": actor,
            "matched_by": agent.how,
        }
    if ev.event_type in ("incident.resolved", "incident.reassigned"):
        if ev.id and any(p.get("webhook_id") == ev.id for p in alerts_of(inc).pager):
            return {"status": "unchanged", "incident": inc.id, "why": "already noted"}
        body = events.PagerUpdate(
            tool="pagerduty",
            event_type=ev.event_type,
            target=target,
            agent=agent.name,
            agent_id=agent.tool_id,
            agent_match=agent.how,
            tool_incident=ev.tool_incident,
            url=ev.url,
            webhook_id=ev.id,
        )
        service.record(inc.id, body, actor=actor)
        return {"status": "noted", "incident": inc.id, "event_type": ev.event_type}
    return {"status": "ignored", "why": f"{ev.event_type} is not acted on"}
