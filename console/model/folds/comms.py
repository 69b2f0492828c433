"""Stakeholder updates and the decision log, folded into `inc.extra["comms"]`: what was
last told to whom (the update cadence runs from it), what was asked of leadership and
what was decided."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from msgspec import Struct, field

from console.model.clock import iso, parse_iso
from console.model.incident import Incident

if TYPE_CHECKING:
    from console.model import events as e


class UpdateRecord(Struct, frozen=True):
    event_id: str
    at: datetime
    actor: str
    text: str
    severity: str
    status: str
    channels: tuple[str, ...]
    roles: tuple[str, ...]
    next_due_at: datetime | None


class DecisionRequest(Struct, frozen=True):
    event_id: str
    at: datetime
    actor: str
    question: str
    of: tuple[str, ...]


class Decision(Struct, frozen=True):
    event_id: str
    at: datetime
    actor: str
    by: str
    text: str
    options: tuple[str, ...]
    answers: str | None


class CommsState(Struct):
    updates: list[UpdateRecord] = field(default_factory=list)
    requests: dict[str, DecisionRequest] = field(default_factory=dict)  # by event id
    settled: set[str] = field(default_factory=set)  # request ids a decision answered
    decisions: list[Decision] = field(default_factory=list)

    @property
    def last_update(self) -> UpdateRecord | None:
        return self.updates[-1] if self.updates else None

    @property
    def pending(self) -> list[DecisionRequest]:
        """Requests no decision has settled yet, oldest first."""
        return [r for k, r in self.requests.items() if k not in self.settled]


def comms_state(inc: Incident) -> CommsState:
    state = inc.extra.get("comms")
    if not isinstance(state, CommsState):
        state = inc.extra["comms"] = CommsState()
    return state


def _first_line(text: str, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def update_posted(inc: Incident, ev: e.Event, b: e.UpdatePosted) -> str:
    comms_state(inc).updates.append(
        UpdateRecord(
            ev.event_id,
            ev.when,
            ev.actor,
            b.text,
            b.severity,
            b.status,
            tuple(b.channels),
            tuple(b.roles),
            parse_iso(b.next_due_at),
        )
    )
    to = ", ".join(b.channels) if b.channels else "the timeline only (no stakeholder channel)"
    return f"stakeholder update to {to}: {_first_line(b.text)}"


def decision_requested(inc: Incident, ev: e.Event, b: e.DecisionRequested) -> str:
    comms_state(inc).requests[ev.event_id] = DecisionRequest(
        ev.event_id, ev.when, ev.actor, b.question, tuple(b.asked_of)
    )
    of = f" of {', '.join(b.asked_of)}" if b.asked_of else ""
    return f"decision requested{of}: {b.question}"


def decision_recorded(inc: Incident, ev: e.Event, b: e.DecisionRecorded) -> str:
    state = comms_state(inc)
    state.decisions.append(
        Decision(ev.event_id, ev.when, ev.actor, b.by, b.text, tuple(b.options), b.answers)
    )
    # A decision settles the request it names; one naming none settles every request
    # it saw (what was asked has been decided, as far as the room can tell).
    if b.answers:
        state.settled.add(b.answers)
    else:
        state.settled.update(k for k, r in state.requests.items() if r.at <= ev.when)
    text = f"decision by {b.by}: {b.text}"
    if b.options:
        text += f" (options considered: {'; '.join(b.options)})"
    return text


def updates_view(inc: Incident) -> list[dict]:
    """The stakeholder updates as plain data (`show --json`, the export)."""
    return [
        {
            "at": iso(u.at),
            "by": u.actor,
            "severity": u.severity,
            "status": u.status,
            "channels": list(u.channels),
            "roles": list(u.roles),
            "next_due_at": iso(u.next_due_at),
            "text": u.text,
            "event_id": u.event_id,
        }
        for u in comms_state(inc).updates
    ]


def decisions_view(inc: Incident) -> list[dict]:
    """The decision log as plain data, with each request and whether it was settled."""
    state = comms_state(inc)
    return [
        {
            "at": iso(d.at),
            "by": d.by,
            "recorded_by": d.actor,
            "text": d.text,
            "options": list(d.options),
            "asked": state.requests[d.answers].question if d.answers in state.requests else None,
            "event_id": d.event_id,
        }
        for d in state.decisions
    ]
