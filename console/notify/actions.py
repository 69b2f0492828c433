"""Commands a paged person or the commander gives about paging, through the service:
acknowledge a page (stops its repeats) and confirm the severity (stops the nudge)."""

from __future__ import annotations

from dataclasses import dataclass

from console.model import events
from console.model.errors import InputError
from console.model.folds.paging import state_of
from console.model.incident import Incident
from console.model.paging.targets import step_targets
from console.service import IncidentService


@dataclass(frozen=True)
class AgentSeen:
    """Who acknowledged in the paging tool: the tool's name and user id for them, and
    how we matched them to our people (console.model.agents)."""

    name: str
    tool_id: str
    how: str


def _target_id(service: IncidentService, inc: Incident, who: str) -> str:
    org = service.org
    who = (who or "").strip()
    if who in org.people:
        return who
    by_name = [p.id for p in org.people.values() if p.name.lower() == who.lower()]
    if by_name:
        return by_name[0]
    paged = sorted({t for _, t in state_of(inc).pages})
    if who in paged:
        return who
    raise InputError(
        f"{inc.id}: {who!r} is not a known person (use a person id, e.g. --as kenji.sato; "
        f"paged so far: {', '.join(paged) or 'nobody'})"
    )


def _team_of(service: IncidentService, person: str) -> str | None:
    found = service.org.people.get(person)
    return found.team if found and found.team else None


def acknowledge(
    service: IncidentService,
    incident_id: str,
    step: str | None = None,
    target: str | None = None,
    via: str | None = None,
    agent: AgentSeen | None = None,
) -> Incident:
    """`target` (default: the acting person) acknowledges their pages on this incident,
    or on one step. When every target of a step has acknowledged, the step is ticked.
    `via` names where the acknowledgement came from (the paging tool), for the timeline;
    `agent`, who acknowledged there and how we knew them."""
    inc = service.get(incident_id)
    if not inc.open:
        raise InputError(f"{inc.id} is resolved; nothing to acknowledge")
    tid = _target_id(service, inc, target or service.actor)
    step_key = service.find_step(inc, step).key if step else None
    st = state_of(inc)
    paged_steps = sorted(
        {s for s, t in st.pages if t == tid and (step_key is None or s == step_key)}
    )
    if st.acked(tid, step_key or "") and step_key is not None:
        raise InputError(f"{inc.id}: {tid} already acknowledged {step_key}")
    body = events.PageAcknowledged(
        target=tid,
        target_name=service.org.person_name(tid),
        step=step_key,
        paged_steps=paged_steps,
        via=via,
        acknowledger_team=_team_of(service, tid),
        agent=agent.name if agent else None,
        agent_id=agent.tool_id if agent else None,
        agent_match=agent.how if agent else None,
    )
    service.record(inc.id, body)
    inc = service.get(inc.id)
    for key in [step_key] if step_key else paged_steps:
        planned = next((s for s in service.plan(inc) if s.key == key), None)
        if planned is None or planned.state in ("acknowledged", "waived", "cancelled", "skipped"):
            continue
        on_call = service.on_call_now()
        everyone = {t.id for t in step_targets(service.org, inc, planned, on_call)}
        st = state_of(inc)
        if everyone and all(st.acked(t, key) for t in everyone):
            known = tid if tid in service.org.people else None
            inc = service.tick(inc.id, key, ack=True, by=known)
    return inc


def confirm_severity(service: IncidentService, incident_id: str) -> Incident:
    """The commander confirms the declared severity (stops the 'not confirmed' nudge)."""
    inc = service.get(incident_id)
    if not inc.open:
        raise InputError(f"{inc.id} is resolved")
    if state_of(inc).severity_confirmed_at is not None:
        raise InputError(f"{inc.id}: severity {inc.severity} is already confirmed")
    service.record(inc.id, events.SeverityConfirmed(severity=inc.severity))  # type: ignore[arg-type]
    return service.get(inc.id)
