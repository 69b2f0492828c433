"""On-call schedules as pure rotation maths: who holds the pager for a team, and when.

A schedule has ordered layers. Each layer rotates its members, one turn each, from its
rotation start, optionally only inside daily or weekly windows, in its own time zone
(follow-the-sun layers sit in different zones). Every hand-off and window edge is a
wall-clock time in the layer's zone, so a 09:00 hand-off stays at 09:00 across a
daylight-saving change: only the shift that contains the change is an hour shorter or
longer, because that night is, and one shift always ends where the next begins.

Where layers overlap the later layer wins; callers put overrides on top the same way
(`merge`).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:  # zoneinfo is imported when a zone is first needed: a note needs none
    from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK_MINUTES = 7 * 24 * 60


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def zone_problem(name: object) -> str | None:
    """Why `name` is not an IANA time zone this machine knows, or None."""
    if not isinstance(name, str) or not name:
        return "a time zone must be an IANA name such as Asia/Tokyo"
    from zoneinfo import ZoneInfoNotFoundError

    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (expected an IANA name such as Asia/Tokyo)"
    return None


def wall(at: datetime, tz: ZoneInfo) -> datetime:
    """What the clock on the wall in `tz` reads at `at` (naive)."""
    return at.astimezone(tz).replace(tzinfo=None)


def local_to_utc(reading: datetime, tz: ZoneInfo) -> datetime:
    """The first instant the wall clock in `tz` reads `reading` (naive) or later.

    A reading the clocks skip (02:30 on a spring-forward night) is the moment of the
    jump; a reading they pass twice (02:30 on a fall-back night) is its first time."""
    first = reading.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if wall(first, tz) == reading:
        return first
    other = reading.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted(int(t.timestamp()) for t in (first, other))
    # In the gap: bisect to the second for the jump (wall(t) >= reading from then on).
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(datetime.fromtimestamp(mid, UTC), tz) >= reading:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


class Window(Struct, frozen=True):
    """A restriction: the layer is on call only inside it. Minutes of wall clock from
    Monday 00:00 in the layer's zone; a daily 09:00-18:00 on weekdays is five of these."""

    start: int
    length: int


class Layer(Struct, frozen=True):
    name: str
    members: tuple[str, ...]
    start: datetime  # naive: the wall clock in `zone` at the first hand-off
    turn: timedelta  # wall-clock length of one member's turn
    zone: str
    windows: tuple[Window, ...] = ()  # none: round the clock
    where: str = ""

    def handoff(self, k: int) -> datetime:
        return local_to_utc(self.start + k * self.turn, zone(self.zone))


class Schedule(Struct, frozen=True):
    team: str
    zone: str
    layers: tuple[Layer, ...]
    where: str = ""

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for layer in self.layers for m in layer.members))


class Shift(Struct, frozen=True):
    """One stretch of time with one person on call (None: nobody, a gap)."""

    person: str | None
    start: datetime
    end: datetime
    source: str = ""  # "layer NAME", "override", "calendar", "on_call", "fallback", "gap"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def layer_shifts(layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """The layer's turns inside [start, end), cut to its windows. Before its rotation
    start a layer has nobody."""
    if not layer.members or end <= start:
        return []
    first = layer.handoff(0)
    if end <= first:
        return []
    begin = max(start, first)
    k = max(0, (wall(begin, zone(layer.zone)) - layer.start) // layer.turn)
    while k > 0 and layer.handoff(k) > begin:
        k -= 1
    while layer.handoff(k + 1) <= begin:
        k += 1
    source = f"layer {layer.name}"
    turns: list[Shift] = []
    edge = layer.handoff(k)
    while edge < end:
        after = layer.handoff(k + 1)
        person = layer.members[k % len(layer.members)]
        turns.append(Shift(person, max(edge, begin), min(after, end), source))
        k, edge = k + 1, after
    if not layer.windows:
        return turns
    return _intersect(turns, window_spans(layer.windows, layer.zone, begin, end))


def window_spans(
    windows: tuple[Window, ...], zone_name: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The windows as instants inside [start, end), overlapping ones joined."""
    tz = zone(zone_name)
    monday = wall(start, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday() + 7)
    last = wall(end, tz)
    spans: list[tuple[datetime, datetime]] = []
    while monday <= last:
        for w in windows:
            a = local_to_utc(monday + timedelta(minutes=w.start), tz)
            b = local_to_utc(monday + timedelta(minutes=w.start + w.length), tz)
            a, b = max(a, start), min(b, end)
            if a < b:
                spans.append((a, b))
        monday += timedelta(days=7)
    spans.sort()
    joined: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


def _intersect(turns: list[Shift], spans: list[tuple[datetime, datetime]]) -> list[Shift]:
    out = []
    for t in turns:
        for a, b in spans:
            lo, hi = max(a, t.start), min(b, t.end)
            if lo < hi:
                out.append(Shift(t.person, lo, hi, t.source))
    return out


def schedule_shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The schedule's own answer over [start, end): layers merged, later layers winning."""
    return merge([layer_shifts(layer, start, end) for layer in schedule.layers], start, end)


def merge(sources: list[list[Shift]], start: datetime, end: datetime) -> list[Shift]:
    """One timeline over [start, end) from sources listed lowest priority first: at each
    moment the highest source with a shift there wins; where none has one, a gap (person
    None). Neighbouring pieces with the same person and source are joined."""
    cuts = {start, end}
    for src in sources:
        for s in src:
            if start < s.start < end:
                cuts.add(s.start)
            if start < s.end < end:
                cuts.add(s.end)
    indexed = [_Index(src) for src in sources]
    out: list[Shift] = []
    ordered = sorted(cuts)
    for a, b in zip(ordered, ordered[1:], strict=False):
        winner = None
        for idx in reversed(indexed):
            winner = idx.at(a)
            if winner is not None:
                break
        person = winner.person if winner else None
        source = winner.source if winner else "gap"
        if out and out[-1].person == person and out[-1].source == source and out[-1].end == a:
            out[-1] = Shift(person, out[-1].start, b, source)
        else:
            out.append(Shift(person, a, b, source))
    return out


class _Index:
    """The shifts of one source by start, for 'which shift covers this moment'."""

    def __init__(self, shifts: list[Shift]):
        self.shifts = sorted(shifts, key=lambda s: s.start)
        self.starts = [s.start for s in self.shifts]
        self.longest = max((s.end - s.start for s in self.shifts), default=timedelta(0))

    def at(self, when: datetime) -> Shift | None:
        # Shifts of one source may overlap (a calendar): look back as far as the
        # longest shift reaches; the latest-starting one wins.
        i = bisect_right(self.starts, when) - 1
        while i >= 0 and when - self.starts[i] < self.longest:
            if when < self.shifts[i].end:
                return self.shifts[i]
            i -= 1
        return None
