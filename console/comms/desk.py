"""The communications desk: what the faces call to draft and post a stakeholder update,
record a decision or ask leadership for one, and to read where an incident stands
with the people not at the keyboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from console.model import events
from console.model.channels import PagingConfig, paging_config
from console.model.clock import iso
from console.model.errors import InputError
from console.model.folds.comms import CommsState, comms_state
from console.model.updates import (
    UpdatePolicy,
    compose,
    due_text,
    leadership_reached,
    leadership_roles,
    next_update_due,
    stakeholder_channels,
)

if TYPE_CHECKING:
    from console.model.events import Event
    from console.model.incident import Incident
    from console.service import IncidentService


@dataclass(frozen=True)
class Draft:
    """An update as the composer starts it: the text and where it would go."""

    incident_id: str
    text: str
    severity: str
    channels: tuple[str, ...]
    roles: tuple[str, ...]
    next_due_at: datetime | None  # of the update after this one, if sent now


class CommsDesk:
    def __init__(self, service: IncidentService, config: PagingConfig | None = None):
        self.service = service
        self._config = config

    @cached_property
    def config(self) -> PagingConfig:
        return self._config or paging_config(self.service.org)

    @property
    def policy(self) -> UpdatePolicy:
        return self.config.updates

    # ------------------------------------------------------------ updates
    def draft(self, incident_id: str, now: datetime | None = None) -> Draft:
        inc = self.service.get(incident_id)
        now = now or self.service.now()
        every = self.policy.every(inc.severity)
        following = now + every if every is not None and inc.open else None
        org = self.service.org
        return Draft(
            inc.id,
            compose(org, inc, now, following),
            inc.severity,
            stakeholder_channels(self.config.channels, org, self.policy, inc.severity),
            self.policy.for_severity(inc.severity).roles,
            following,
        )

    def post(self, incident_id: str, text: str | None = None) -> Event:
        """Record an update (the drafted text when none is given); the escalation
        runner sends it to the channels it names, once."""
        draft = self.draft(incident_id)
        body_text = draft.text if text is None else text.strip()
        if not body_text:
            raise InputError("an update needs some text")
        if len(body_text) > events.MAX_TEXT:
            raise InputError(
                f"the update is {len(body_text)} characters; keep it under {events.MAX_TEXT}"
            )
        inc = self.service.get(incident_id)
        return self.service.record(
            inc.id,
            events.UpdatePosted(
                text=body_text,
                severity=inc.severity,  # type: ignore[arg-type]  # folded from a checked event
                status=inc.status,  # type: ignore[arg-type]
                channels=list(draft.channels),
                roles=list(draft.roles),
                next_due_at=iso(draft.next_due_at),
            ),
        )

    # ------------------------------------------------------------ decisions
    def _person(self, who: str) -> str:
        """A person of the org by id or by name as typed; anyone else as written (a
        decision may come from outside the org chart)."""
        who = " ".join(str(who).split())
        if not who:
            raise InputError("who decided? (--by PERSON)")
        org = self.service.org
        if who in org.people:
            return who
        named = [p.id for p in org.people.values() if p.name.lower() == who.lower()]
        return named[0] if len(named) == 1 else who

    def decide(
        self,
        incident_id: str,
        text: str,
        by: str | None = None,
        options: list[str] | tuple[str, ...] = (),
    ) -> Event:
        inc = self.service.get(incident_id)
        what = (text or "").strip()
        if not what:
            raise InputError("a decision needs its text: what was decided")
        chosen = [o.strip() for o in options if o and o.strip()]
        pending = comms_state(inc).pending
        return self.service.record(
            inc.id,
            events.DecisionRecorded(
                text=what,
                by=self._person(by or self.service.actor),
                options=chosen,
                answers=pending[-1].event_id if pending else None,
            ),
        )

    def request_decision(
        self, incident_id: str, question: str, of: list[str] | tuple[str, ...] = ()
    ) -> Event:
        inc = self.service.get(incident_id)
        if not inc.open:
            raise InputError(f"{inc.id} is resolved; reopen it first")
        asked = (question or "").strip()
        if not asked:
            raise InputError("what is leadership asked to decide?")
        org = self.service.org
        roles = list(of) or list(
            self.policy.for_severity(inc.severity).roles or leadership_roles(org)
        )
        for role in roles:
            if role not in org.roles:
                raise InputError(f"unknown role {role!r} (roles: {', '.join(sorted(org.roles))})")
        return self.service.record(inc.id, events.DecisionRequested(question=asked, asked_of=roles))

    # ------------------------------------------------------------ what the faces show
    def state(self, inc: Incident) -> CommsState:
        return comms_state(inc)

    def next_due(self, inc: Incident) -> datetime | None:
        return next_update_due(inc, self.policy)

    def view(self, inc: Incident, now: datetime | None = None) -> dict:
        """Plain data: the cadence, leadership at SEV1, pending requests, decisions."""
        now = now or self.service.now()
        state = comms_state(inc)
        due = self.next_due(inc)
        out: dict = {
            "next_update_due_at": iso(due),
            "next_update": due_text(due, now) if inc.open else "resolved",
            "update_overdue": bool(due and due <= now),
            "last_update": None,
            "updates": [
                {
                    "at": iso(u.at),
                    "by": u.actor,
                    "severity": u.severity,
                    "status": u.status,
                    "channels": list(u.channels),
                    "text": u.text,
                    "event_id": u.event_id,
                }
                for u in state.updates
            ],
            "decisions": [
                {
                    "at": iso(d.at),
                    "by": d.by,
                    "recorded_by": d.actor,
                    "text": d.text,
                    "options": list(d.options),
                    "answers": d.answers,
                    "event_id": d.event_id,
                }
                for d in state.decisions
            ],
            "pending_requests": [
                {"at": iso(r.at), "by": r.actor, "question": r.question, "of": list(r.of)}
                for r in state.pending
            ],
            "leadership": None,
        }
        if state.updates:
            out["last_update"] = out["updates"][-1]
        if inc.severity == "SEV1" and inc.open:
            reached, words = leadership_reached(
                self.service.org, self.service.plan(inc, now), inc.severity
            )
            out["leadership"] = {"reached": reached, "text": words}
        return out

    def due_updates(self, now: datetime | None = None) -> list[dict]:
        """Open incidents with an update cadence, soonest due first (the board's line)."""
        now = now or self.service.now()
        out = []
        for row in self.service.board(limit=200):
            if self.policy.every(row["severity"]) is None:
                continue  # no cadence at this severity: no need to fold the incident
            inc = self.service.get(row["id"])
            due = self.next_due(inc)
            if due is not None:
                last = comms_state(inc).last_update
                out.append(
                    {
                        "id": inc.id,
                        "title": inc.title,
                        "severity": inc.severity,
                        "due_at": due,
                        "last_update": last.text if last else None,
                    }
                )
        return sorted(out, key=lambda d: d["due_at"])
