"""The incident as the fold leaves it (console/model/fold.py): what every face shows.

Plain fields are last-writer-wins; ticks and notes are add-wins sets. The event kinds
that change it are declared in console/model/events.py.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from msgspec import Struct, field

from console.model.clock import iso
from console.model.escalation import PlannedStep, StepTicks, plan


class TimelineEntry(Struct, array_like=True, gc=False):
    """One line of the timeline. A fold snapshot holds thousands: as a msgspec array
    they decode in C (console/store/folded.py); gc=False because an entry holds only
    strings and a time, so it is never part of a cycle the collector must find."""

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


class Incident(Struct):
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
    waivers: dict[str, tuple[str, datetime, str]] = field(default_factory=dict)  # step -> why
    notes: list[TimelineEntry] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # state other subsystems fold in
    last_hlc: str = ""
    event_count: int = 0

    @property
    def open(self) -> bool:
        return self.status != "resolved"

    def fork(self) -> Incident:
        """A copy that folding more events into this one cannot change: its own lists,
        dicts and subsystem states. Timeline entries are shared (a fold replaces an
        entry, never edits one)."""
        new = copy.copy(self)
        new.layers, new.services = list(self.layers), list(self.services)
        new.roles, new.tick_marks, new.waivers = (
            dict(self.roles),
            dict(self.tick_marks),
            dict(self.waivers),
        )
        new.handoffs = {role: dict(offer) for role, offer in self.handoffs.items()}
        new.severity_history, new.unticked = list(self.severity_history), set(self.unticked)
        new.notes, new.timeline = list(self.notes), list(self.timeline)
        new.policy = dict(self.policy)  # replaced whole by a fold, never edited
        new.extra = copy.deepcopy(self.extra)
        return new

    @property
    def detected_at(self) -> datetime | None:
        return self.impact_started_at or self.declared_at

    @property
    def commander(self) -> str | None:
        return self.roles.get("commander")

    def step_ticks(self) -> dict[str, StepTicks]:
        """Remaining tick marks and waivers, per step key; acknowledged implies notified."""
        out: dict[str, dict] = {}
        for step, mark, at, actor in sorted(self.tick_marks.values(), key=lambda m: m[2]):
            slot = out.setdefault(step, {})
            if "notified_at" not in slot:
                slot["notified_at"], slot["notified_by"] = at, actor
            if mark == "acknowledged" and "acknowledged_at" not in slot:
                slot["acknowledged_at"], slot["acknowledged_by"] = at, actor
        for step, (reason, at, actor) in self.waivers.items():
            slot = out.setdefault(step, {})
            slot["waived_at"], slot["waived_by"], slot["waived_reason"] = at, actor, reason
        return {k: StepTicks(**v) for k, v in out.items()}

    def plan(self, now: datetime) -> list[PlannedStep]:
        return plan(
            self.policy,
            self.severity_history,
            self.step_ticks(),
            now,
            closed_at=None if self.open else self.resolved_at,
        )
