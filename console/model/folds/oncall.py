"""On-call overrides, folded from a team's on-call aggregate (`oncall:TEAM` in the log,
never an incident: it has no declaration, so it has no board row) into
`extra["oncall"]`. The Rota (console/model/oncall.py) puts them on top of schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.clock import parse_iso
from console.model.incident import Incident
from console.model.oncall import Override, OverrideBook

if TYPE_CHECKING:
    from console.model import events as e

PREFIX = "oncall:"


def aggregate_id(team: str) -> str:
    return f"{PREFIX}{team}"


def is_oncall(aggregate: str) -> bool:
    return aggregate.startswith(PREFIX)


def book_of(inc: Incident) -> OverrideBook:
    book = inc.extra.get("oncall")
    if book is None:
        book = inc.extra["oncall"] = OverrideBook()
    return book


def oncall_override(inc: Incident, ev: e.Event, b: e.OnCallOverride) -> str:
    try:
        start, end = parse_iso(b.starts_at), parse_iso(b.ends_at)
    except ValueError:
        start = end = None
    if start is None or end is None or end <= start:
        return f"override of the {b.team} pager ignored: it ends before it starts"
    book_of(inc).overrides[ev.event_id] = Override(
        id=ev.event_id,
        team=b.team,
        person=b.person,
        start=start,
        end=end,
        by=ev.actor,
        reason=b.reason,
    )
    return f"{b.person} takes the {b.team} pager from {b.starts_at} until {b.ends_at}"


def oncall_override_withdrawn(inc: Incident, ev: e.Event, b: e.OnCallOverrideWithdrawn) -> str:
    book_of(inc).withdrawn.add(b.override)
    return f"override {b.override} withdrawn"
