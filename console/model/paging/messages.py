"""What a page says: the message every channel renders (the incident, the step, the
target, what they are asked to do and how to acknowledge), and the Intent that carries it
to the runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.model import events
from console.model.clock import iso
from console.model.escalation import PlannedStep
from console.model.incident import Incident
from console.model.org import Org
from console.model.paging.targets import Target
from console.model.text import printable

KINDS = ("trigger", "acknowledge", "resolve", "nudge", "update")


def dedup_key(incident_id: str, target: str) -> str:
    """Stable per incident and target: a repeat updates the open PagerDuty alert."""
    return f"incident-console/{incident_id}/{target}"


def _incident_dict(org: Org, inc: Incident) -> dict:
    sev = org.severities.get(inc.severity)
    return {
        "id": inc.id,
        "title": inc.title,
        "severity": inc.severity,
        "severity_meaning": sev.meaning if sev else "",
        "status": inc.status,
        "layers": list(inc.layers),
        "services": list(inc.services),
        "commander": inc.commander,
        "drill": inc.drill,
        "declared_at": iso(inc.declared_at),
        "resolved_at": iso(inc.resolved_at),
    }


def asked_of(org: Org, inc: Incident, step: PlannedStep, target: Target) -> str:
    """What the receiver is asked to do: their step role and their team type's
    line in the severity matrix (plus coordination under the pattern in force)."""
    roles = []
    for role in target.roles:
        desc = org.roles[role].description if role in org.roles else ""
        roles.append(f"{role} ({desc})" if desc else role)
    parts = [f"You are paged as {' and '.join(roles)} for step {step.key}."]
    sev = org.severities.get(step.severity)
    if target.team_type:
        type_name = (
            org.team_types[target.team_type].name
            if target.team_type in org.team_types
            else target.team_type
        )
        duty = sev.roles.get(target.team_type) if sev else None
        if duty:
            parts.append(f"At {step.severity} the {type_name} role is: {duty}.")
        else:
            parts.append(
                f"At {step.severity} the severity matrix gives {type_name} no standing duty; "
                "you are asked in by the escalation rule."
            )
    pattern = org.patterns.get(inc.pattern) or org.pattern
    coordinator = pattern.coordinator.get(step.severity)
    if coordinator and coordinator in target.roles:
        parts.append(f"You coordinate this incident ({pattern.name}).")
    return " ".join(parts)


def ack_commands(inc: Incident, step: str | None, target: Target | None) -> dict:
    out = {}
    if step:
        out["command"] = f"incident-console tick {inc.id} {step} --ack"
    if target and target.person:
        out["target_command"] = f"incident-console ack {inc.id} --as {target.person}"
    return out


@dataclass(frozen=True)
class Intent:
    """A page or nudge that should exist. The runner stores one event per intent and
    one outbox row per channel; `key` + channel is the idempotency key."""

    key: str
    kind: str
    incident_id: str
    step: str | None
    target: str
    target_name: str
    round: int
    reason: str
    scheduled_at: datetime
    channels: tuple[str, ...]
    message: dict
    summary: str

    def late_by(self, now: datetime) -> float:
        return (now - self.scheduled_at).total_seconds()

    def event_body(self) -> events.PageQueued:
        return events.PageQueued(
            key=self.key,
            kind=self.kind,  # type: ignore[arg-type]  # one of KINDS
            step=self.step,
            target=self.target,
            target_name=self.target_name,
            round=self.round,
            reason=self.reason,
            scheduled_at=iso(self.scheduled_at),
            channels=list(self.channels),
            summary=self.summary,
            message=self.message,
        )


def message(
    org: Org,
    inc: Incident,
    kind: str,
    *,
    step: PlannedStep | None,
    target: Target | None,
    rnd: int,
    repeats: int,
    reason: str,
    asked: str,
    text: str,
    dedup: str,
) -> dict:
    return {
        "kind": kind,
        "incident": _incident_dict(org, inc),
        "step": (
            {
                "key": step.key,
                "severity": step.severity,
                "offset_minutes": step.offset_minutes,
                "roles": list(step.targets),
                "due_at": iso(step.due_at),
            }
            if step
            else None
        ),
        "target": target.to_dict() if target else None,
        # What a person reads (chat, pager, SMS) never carries a raw control char;
        # "incident" above keeps the exact data for machines.
        "asked": printable(asked),
        "acknowledge": ack_commands(inc, step.key if step else None, target),
        "round": rnd,
        "repeats": repeats,
        "reason": reason,
        "text": printable(text),
        "dedup_key": dedup,
    }
