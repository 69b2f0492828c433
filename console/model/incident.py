"""Incidents as events: Incident = fold(events ordered by (hlc, origin, event_id)).

Plain fields are last-writer-wins; ticks and notes are add-wins sets. Order of
arrival never matters because the fold sorts first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from console.model.clock import iso, parse_iso
from console.model.escalation import PlannedStep, StepTicks, plan


@dataclass(frozen=True)
class Event:
    event_id: str
    incident_id: str
    kind: str
    body: dict[str, Any]
    actor: str
    origin: str
    hlc: str
    at: str  # ISO time from the injected clock: what the user sees
    server_seq: int | None = None

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.hlc, self.origin, self.event_id)

    @cached_property
    def when(self) -> datetime:
        # Parsed once per event: a fold reads it several times, and the service keeps
        # parsed events of busy incidents between commands (store.events.EventCache).
        return parse_iso(self.at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "body": self.body,
            "actor": self.actor,
            "origin": self.origin,
            "hlc": self.hlc,
            "at": self.at,
        }


@dataclass
class TimelineEntry:
    at: datetime
    actor: str
    kind: str
    text: str
    event_id: str

    def to_dict(self) -> dict:
        return {
            "at": iso(self.at),
            "actor": self.actor,
            "kind": self.kind,
            "text": self.text,
            "event_id": self.event_id,
        }


@dataclass
class Incident:
    id: str
    title: str = ""
    severity: str = "SEV3"
    status: str = "investigating"
    layers: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    detection: str = ""
    responsible_team: str | None = None
    policy: dict = field(default_factory=dict)
    pattern: str = ""
    drill: str | None = None
    prevented: bool = False
    declared_at: datetime | None = None
    declared_by: str = ""
    impact_started_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None
    roles: dict[str, str] = field(default_factory=dict)
    handoffs: dict[str, dict] = field(default_factory=dict)  # role -> {to, by, at}
    severity_history: list[tuple[datetime, str]] = field(default_factory=list)
    tick_marks: dict[str, tuple[str, str, datetime, str]] = field(default_factory=dict)
    unticked: set[str] = field(default_factory=set)  # tick event ids an untick removed
    notes: list[TimelineEntry] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # state other subsystems fold in
    last_hlc: str = ""
    event_count: int = 0

    @property
    def open(self) -> bool:
        return self.status != "resolved"

    @property
    def detected_at(self) -> datetime | None:
        return self.impact_started_at or self.declared_at

    @property
    def commander(self) -> str | None:
        return self.roles.get("commander")

    def step_ticks(self) -> dict[str, StepTicks]:
        """Remaining tick marks, per step key; acknowledged implies notified."""
        out: dict[str, dict] = {}
        for step, mark, at, actor in sorted(self.tick_marks.values(), key=lambda m: m[2]):
            slot = out.setdefault(step, {})
            if "notified_at" not in slot:
                slot["notified_at"], slot["notified_by"] = at, actor
            if mark == "acknowledged" and "acknowledged_at" not in slot:
                slot["acknowledged_at"], slot["acknowledged_by"] = at, actor
        return {k: StepTicks(**v) for k, v in out.items()}

    def plan(self, now: datetime) -> list[PlannedStep]:
        return plan(
            self.policy,
            self.severity_history,
            self.step_ticks(),
            now,
            closed_at=None if self.open else self.resolved_at,
        )


Handler = Callable[[Incident, Event], str | None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str):
    """Register how an event kind changes the incident; returns the timeline text."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return deco


def fold(events: Iterable[Event]) -> Incident | None:
    ordered = sorted(events, key=lambda e: e.sort_key)
    if not ordered:
        return None
    inc = Incident(id=ordered[0].incident_id)
    for ev in ordered:
        apply(inc, ev)
    return inc


def apply(inc: Incident, ev: Event) -> None:
    handler = HANDLERS.get(ev.kind)
    text = handler(inc, ev) if handler else ev.body.get("summary") or ev.kind.replace("_", " ")
    inc.last_hlc = max(inc.last_hlc, ev.hlc)
    inc.event_count += 1
    if text:
        inc.timeline.append(TimelineEntry(ev.when, ev.actor, ev.kind, text, ev.event_id))


def _set_severity(inc: Incident, at: datetime, severity: str) -> None:
    inc.severity = severity
    inc.severity_history.append((at, severity))


def _set_status(inc: Incident, at: datetime, status: str) -> None:
    inc.status = status
    inc.last_update_at = at
    if status in ("monitoring", "resolved") and inc.mitigated_at is None:
        inc.mitigated_at = at
    inc.resolved_at = at if status == "resolved" else None


@handles("declared")
def _declared(inc: Incident, ev: Event) -> str:
    b = ev.body
    if inc.declared_at is not None:
        # Two consoles declared the same id offline: merge the scope, keep the first.
        inc.layers = list(dict.fromkeys([*inc.layers, *b.get("layers", [])]))
        inc.services = list(dict.fromkeys([*inc.services, *b.get("services", [])]))
        return f"second declaration merged from {ev.origin}: {b.get('title', '')}"
    inc.title = b["title"]
    inc.layers = list(b.get("layers", []))
    inc.services = list(b.get("services", []))
    inc.detection = b.get("detection", "")
    inc.responsible_team = b.get("responsible_team")
    inc.policy = b.get("policy", {})
    inc.pattern = b.get("pattern", "")
    inc.drill = b.get("drill")
    inc.prevented = bool(b.get("prevented", False))
    inc.declared_at = ev.when
    inc.declared_by = ev.actor
    inc.last_update_at = ev.when
    inc.impact_started_at = parse_iso(b.get("impact_started_at"))
    inc.roles["commander"] = b.get("commander") or ev.actor
    _set_severity(inc, ev.when, b["severity"])
    return f"declared {b['severity']}: {b['title']} (commander {inc.roles['commander']})"


@handles("severity_set")
def _severity(inc: Incident, ev: Event) -> str:
    before = inc.severity
    _set_severity(inc, ev.when, ev.body["severity"])
    inc.last_update_at = ev.when
    return f"severity {before} → {ev.body['severity']}"


@handles("status_set")
def _status(inc: Incident, ev: Event) -> str:
    _set_status(inc, ev.when, ev.body["status"])
    return f"status → {ev.body['status']}"


@handles("resolved")
def _resolved(inc: Incident, ev: Event) -> str:
    _set_status(inc, ev.when, "resolved")
    summary = ev.body.get("summary")
    return "resolved" + (f": {summary}" if summary else "")


@handles("reopened")
def _reopened(inc: Incident, ev: Event) -> str:
    inc.status = "investigating"
    inc.resolved_at = None
    inc.last_update_at = ev.when
    return "reopened"


@handles("role_assigned")
def _assigned(inc: Incident, ev: Event) -> str:
    inc.roles[ev.body["role"]] = ev.body["person"]
    inc.handoffs.pop(ev.body["role"], None)
    return f"{ev.body['role']} assigned to {ev.body['person']}"


@handles("handoff_offered")
def _offered(inc: Incident, ev: Event) -> str:
    inc.handoffs[ev.body["role"]] = {"to": ev.body["to"], "by": ev.actor, "at": iso(ev.when)}
    return f"{ev.body['role']} handoff offered to {ev.body['to']}"


@handles("handoff_accepted")
def _accepted(inc: Incident, ev: Event) -> str:
    role = ev.body["role"]
    pending = inc.handoffs.get(role)
    if not pending or pending["to"] != ev.actor:
        return f"{role} handoff accept by {ev.actor} ignored (no offer to them)"
    inc.roles[role] = ev.actor
    del inc.handoffs[role]
    return f"{ev.actor} accepted {role}"


@handles("step_ticked")
def _ticked(inc: Incident, ev: Event) -> str:
    mark = ev.body.get("mark", "notified")
    if ev.event_id not in inc.unticked:  # removed by an untick whose stamp sorts earlier
        inc.tick_marks[ev.event_id] = (ev.body["step"], mark, ev.when, ev.actor)
    if mark == "acknowledged" and (inc.acknowledged_at is None or ev.when < inc.acknowledged_at):
        inc.acknowledged_at = ev.when
    who = ev.body.get("targets")
    return f"step {ev.body['step']} {mark}" + (f": {', '.join(who)}" if who else "")


@handles("step_unticked")
def _unticked(inc: Incident, ev: Event) -> str:
    # Remove exactly the ticks the untick observed, whichever order the stamps sort in
    # (a tick from a console whose clock ran past the HLC drift clamp sorts later).
    for removed in ev.body.get("removes", []):
        inc.unticked.add(removed)
        inc.tick_marks.pop(removed, None)
    return f"step {ev.body['step']} unticked"


@handles("note_added")
def _note(inc: Incident, ev: Event) -> str:
    entry = TimelineEntry(ev.when, ev.actor, "note", ev.body["text"], ev.event_id)
    inc.notes.append(entry)
    return ev.body["text"]


@handles("service_added")
def _service(inc: Incident, ev: Event) -> str:
    svc = ev.body["service"]
    if svc not in inc.services:
        inc.services.append(svc)
    layer = ev.body.get("layer")
    if layer and layer not in inc.layers:
        inc.layers.append(layer)
    if ev.body.get("responsible_team"):
        inc.responsible_team = ev.body["responsible_team"]
    return f"affected service added: {svc}"
