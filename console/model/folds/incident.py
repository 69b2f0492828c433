"""The incident's own events: plain fields are last-writer-wins; ticks and notes are
add-wins sets. Each handler returns the timeline text."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from console.model.clock import iso, parse_iso
from console.model.incident import Incident, TimelineEntry

if TYPE_CHECKING:
    from console.model import events as e


def _set_severity(inc: Incident, at: datetime, severity: str) -> None:
    inc.severity = severity
    inc.severity_history.append((at, severity))


def _set_status(inc: Incident, at: datetime, status: str) -> None:
    inc.status = status
    inc.last_update_at = at
    if status in ("monitoring", "resolved") and inc.mitigated_at is None:
        inc.mitigated_at = at
    inc.resolved_at = at if status == "resolved" else None


def declared(inc: Incident, ev: e.Event, b: e.Declared) -> str:
    if inc.declared_at is not None:
        # Two consoles declared the same id offline: merge the scope, keep the first.
        inc.layers = list(dict.fromkeys([*inc.layers, *b.layers]))
        inc.services = list(dict.fromkeys([*inc.services, *b.services]))
        return f"second declaration merged from {ev.origin}: {b.title}"
    inc.title = b.title
    inc.layers = list(b.layers)
    inc.services = list(b.services)
    inc.detection = b.detection
    inc.responsible_team = b.responsible_team
    inc.policy = msgspec.to_builtins(b.policy)
    inc.pattern = b.pattern
    inc.drill = b.drill
    inc.prevented = b.prevented
    inc.declared_at = ev.when
    inc.declared_by = ev.actor
    inc.last_update_at = ev.when
    inc.impact_started_at = parse_iso(b.impact_started_at)
    inc.roles["commander"] = b.commander or ev.actor
    _set_severity(inc, ev.when, b.severity)
    return f"declared {b.severity}: {b.title} (commander {inc.roles['commander']})"


def severity_set(inc: Incident, ev: e.Event, b: e.SeveritySet) -> str:
    before = inc.severity
    _set_severity(inc, ev.when, b.severity)
    inc.last_update_at = ev.when
    return f"severity {before} → {b.severity}"


def status_set(inc: Incident, ev: e.Event, b: e.StatusSet) -> str:
    _set_status(inc, ev.when, b.status)
    return f"status → {b.status}"


def resolved(inc: Incident, ev: e.Event, b: e.Resolved) -> str:
    _set_status(inc, ev.when, "resolved")
    inc.prevented = inc.prevented or b.prevented
    cancelled = sorted(inc.handoffs)
    inc.handoffs.clear()  # nobody takes over a role in an incident that is over
    text = "resolved" + (f": {b.summary}" if b.summary else "")
    if cancelled:
        text += f" (pending handoff of {', '.join(cancelled)} cancelled)"
    return text


def reopened(inc: Incident, ev: e.Event, b: e.Reopened) -> str:
    inc.status = "investigating"
    inc.resolved_at = None
    inc.last_update_at = ev.when
    return "reopened"


def role_assigned(inc: Incident, ev: e.Event, b: e.RoleAssigned) -> str:
    inc.roles[b.role] = b.person
    inc.handoffs.pop(b.role, None)
    return f"{b.role} assigned to {b.person}"


def handoff_offered(inc: Incident, ev: e.Event, b: e.HandoffOffered) -> str:
    inc.handoffs[b.role] = {"to": b.to, "by": ev.actor, "at": iso(ev.when)}
    return f"{b.role} handoff offered to {b.to}"


def handoff_accepted(inc: Incident, ev: e.Event, b: e.HandoffAccepted) -> str:
    pending = inc.handoffs.get(b.role)
    if not pending or pending["to"] != ev.actor:
        return f"{b.role} handoff accept by {ev.actor} ignored (no offer to them)"
    inc.roles[b.role] = ev.actor
    del inc.handoffs[b.role]
    if b.confirmed_by:
        return f"{ev.actor} accepted {b.role} (confirmed at the console of {b.confirmed_by})"
    return f"{ev.actor} accepted {b.role}"


def step_ticked(inc: Incident, ev: e.Event, b: e.StepTicked) -> str:
    if ev.event_id not in inc.unticked:  # removed by an untick whose stamp sorts earlier
        inc.tick_marks[ev.event_id] = (b.step, b.mark, ev.when, ev.actor)
    if b.mark == "acknowledged" and (inc.acknowledged_at is None or ev.when < inc.acknowledged_at):
        inc.acknowledged_at = ev.when
    who = [t for t in b.targets if t]
    return f"step {b.step} {b.mark}" + (f": {', '.join(who)}" if who else "")


def step_unticked(inc: Incident, ev: e.Event, b: e.StepUnticked) -> str:
    # Remove exactly the ticks the untick observed, whichever order the stamps sort in
    # (a tick from a console whose clock ran past the HLC drift clamp sorts later).
    for removed in b.removes:
        inc.unticked.add(removed)
        inc.tick_marks.pop(removed, None)
    return f"step {b.step} unticked"


def step_waived(inc: Incident, ev: e.Event, b: e.StepWaived) -> str:
    # The first waiver stands: a second one (from another console) adds only its note.
    inc.waivers.setdefault(b.step, (b.reason, ev.when, ev.actor))
    return f"step {b.step} waived: {b.reason}"


def note_added(inc: Incident, ev: e.Event, b: e.NoteAdded) -> str:
    inc.notes.append(TimelineEntry(ev.when, ev.actor, "note", b.text, ev.event_id))
    return b.text


def service_added(inc: Incident, ev: e.Event, b: e.ServiceAdded) -> str:
    if b.service not in inc.services:
        inc.services.append(b.service)
    if b.layer and b.layer not in inc.layers:
        inc.layers.append(b.layer)
    if b.responsible_team:
        inc.responsible_team = b.responsible_team
    return f"affected service added: {b.service}"
