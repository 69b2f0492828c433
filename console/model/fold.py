"""Incident = fold(events ordered by (hlc, origin, event_id)).

Order of arrival never matters because the fold sorts first. Each event goes to its
kind's handler in the catalogue; an event this version cannot read (an unknown kind
from a newer version, or a body stored before bodies were checked) changes nothing
but still shows on the timeline, so nobody wonders where it went.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from console.model.events import CATALOGUE, BodyError, Event
from console.model.incident import Incident, TimelineEntry

# Event.sort_key as one C call: a rebuild sorts a million events.
FOLD_ORDER = attrgetter("hlc", "origin", "event_id")


def fold(events: Iterable[Event]) -> Incident | None:
    ordered = sorted(events, key=FOLD_ORDER)
    if not ordered:
        return None
    inc = Incident(id=ordered[0].incident_id)
    for ev in ordered:
        apply(inc, ev)
    return inc


def apply(inc: Incident, ev: Event) -> None:
    data = ev.data
    if data is None:
        text: str | None = f"{ev.kind} (a kind this version does not know; kept as received)"
    elif isinstance(data, BodyError):
        text = f"{ev.kind} ignored: {data}"
    else:
        text = CATALOGUE[ev.kind].fold(inc, ev, data)
    if ev.hlc > inc.last_hlc:
        inc.last_hlc = ev.hlc
    inc.event_count += 1
    if text:
        inc.timeline.append(TimelineEntry(ev.when, ev.actor, ev.kind, text, ev.event_id))
