"""Who is on call for a team at a moment, from everything that says so.

From the bottom up: the org file's schedule (its layers, later layers winning), or the
team's fixed `on_call` when it has no schedule; an imported calendar, which replaces the
schedule over the days it was expanded for; overrides, the latest recorded winning.
Where nothing has anyone, a team with a schedule falls back to its `on_call` if it has
one; otherwise it is a gap and nobody is paged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct, field

from console.model.clock import iso
from console.model.schedule import Shift, merge, schedule_shifts, zone

if TYPE_CHECKING:  # the fold of on-call overrides needs no org
    from console.model.org import Org

LOOKBACK = timedelta(days=8)  # far enough back to say since when someone holds the pager
HORIZON = timedelta(days=36)  # far enough ahead to say until when, and who is next
# Most shifts begin and end within a day or two of any moment: a window this wide around
# the day is tried first, and the whole one only when the shift runs past its edges.
NEAR = timedelta(days=2)
STALE_AFTER = timedelta(hours=24)  # an imported calendar not refreshed for this long


class Override(Struct, frozen=True):
    """Someone takes a team's pager from `start` until `end` (an event in the log)."""

    id: str
    team: str
    person: str
    start: datetime
    end: datetime
    by: str = ""
    reason: str = ""


class Calendar(Struct, frozen=True):
    """A team's imported calendar: its shifts expanded over [start, until) as of `as_of`."""

    team: str
    source: str
    as_of: datetime
    start: datetime
    until: datetime
    shifts: tuple[Shift, ...] = ()
    unmatched: tuple[str, ...] = ()  # names in the feed that are nobody in the org

    def stale(self, now: datetime) -> bool:
        return now - self.as_of > STALE_AFTER or now >= self.until


class OnCall(Struct, frozen=True):
    """The answer for one team at one moment."""

    team: str
    at: datetime
    person: str | None
    since: datetime | None  # None: from before anything we looked at
    until: datetime | None  # None: no hand-off within the horizon
    next_person: str | None
    source: str  # "on_call", "layer NAME", "calendar", "override", "fallback", "gap"
    stale: bool = False  # the team's imported calendar is out of date

    def to_dict(self, org: Org) -> dict:
        person = org.people.get(self.person or "")
        nxt = org.people.get(self.next_person or "")
        team = org.teams.get(self.team)
        return {
            "team": self.team,
            "team_name": team.name if team else self.team,
            "person": self.person,
            "person_name": person.name if person else self.person,
            "contact": person.contact if person else None,
            "since": iso(self.since),
            "until": iso(self.until),
            "next": self.next_person,
            "next_name": nxt.name if nxt else self.next_person,
            "source": self.source,
            "stale": self.stale,
            "time_zone": schedule_zone(org, self.team),
            # As the team's clock shows it, seen from the moment asked about.
            "until_local": (
                local_time(self.until, schedule_zone(org, self.team), self.at)
                if self.until
                else None
            ),
        }


def schedule_zone(org: Org, team: str) -> str | None:
    schedule = org.schedules.get(team)
    return schedule.zone if schedule else None


class Rota:
    """Every team's on-call, for one org, its overrides and its imported calendars.
    Immutable once built; timelines are worked out per team and day, then kept."""

    def __init__(
        self,
        org: Org,
        overrides: Iterable[Override] = (),
        calendars: Mapping[str, Calendar] | None = None,
    ):
        self.org = org
        self.overrides: dict[str, list[Override]] = {}
        for o in overrides:
            self.overrides.setdefault(o.team, []).append(o)
        self.calendars = dict(calendars or {})
        self._timelines: dict[tuple[str, datetime, timedelta | None], list[Shift]] = {}
        self._at: dict[datetime, _Moment] = {}

    def overrides_all(self) -> list[Override]:
        return [o for found in self.overrides.values() for o in found]

    # ------------------------------------------------------------ timelines
    def timeline(
        self, team_id: str, start: datetime, end: datetime, *, fallback: bool = True
    ) -> list[Shift]:
        """The team's on-call over [start, end), every moment once (gaps as person None)."""
        team = self.org.teams.get(team_id)
        if team is None:
            return [Shift(None, start, end, "gap")]
        schedule = self.org.schedules.get(team_id)
        sources: list[list[Shift]] = []
        if schedule is None:
            if team.on_call:
                sources.append([Shift(team.on_call, start, end, "on_call")])
        else:
            sources.extend(_by_layer(schedule_shifts(schedule, start, end)))
        calendar = self.calendars.get(team_id)
        if calendar is not None:
            # Over the days it covers the calendar is the schedule, its gaps included.
            sources.append([Shift(None, calendar.start, calendar.until, "calendar gap")])
            sources.append(list(calendar.shifts))
        for o in self.overrides.get(team_id, []):
            sources.append([Shift(o.person, o.start, o.end, "override")])
        merged = merge(sources, start, end)
        if fallback and (schedule is not None or calendar is not None) and team.on_call:
            merged = merge(
                [[Shift(team.on_call, start, end, "fallback")], [s for s in merged if s.person]],
                start,
                end,
            )
        return [Shift(s.person, s.start, s.end, "gap") if not s.person else s for s in merged]

    def _window(self, team_id: str, at: datetime, reach: timedelta | None = None) -> list[Shift]:
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        key = (team_id, day, reach)
        found = self._timelines.get(key)
        if found is None:
            back, ahead = (LOOKBACK, HORIZON) if reach is None else (reach, reach)
            found = self._timelines[key] = self.timeline(team_id, day - back, day + ahead)
        return found

    # ------------------------------------------------------------ answers
    def on_call(self, team_id: str, at: datetime) -> OnCall:
        shifts = self._window(team_id, at, NEAR)
        i, first, last = _run(shifts, at)
        if first == 0 or last == len(shifts) - 1:  # the run may go on past the near window
            shifts = self._window(team_id, at)
            i, first, last = _run(shifts, at)
        since = shifts[first].start if first > 0 else None
        until = shifts[last].end if last < len(shifts) - 1 else None
        nxt = shifts[last + 1].person if last < len(shifts) - 1 else None
        calendar = self.calendars.get(team_id)
        return OnCall(
            team=team_id,
            at=at,
            person=shifts[i].person,
            since=since,
            until=until,
            next_person=nxt,
            source=shifts[i].source,
            stale=bool(calendar and calendar.stale(at)),
        )

    def at(self, at: datetime) -> Mapping[str, OnCall]:
        """Every team's answer at one moment (what resolve_role reads), each worked out
        when first asked for: a command that pages two teams does not work out the
        schedules of all of them."""
        found = self._at.get(at)
        if found is None:
            if len(self._at) > 256:
                self._at.clear()
            found = self._at[at] = _Moment(self, at)
        return found


def _run(shifts: list[Shift], at: datetime) -> tuple[int, int, int]:
    """The shift holding `at`, and the first and last of the same person's run around it."""
    i = next(k for k, s in enumerate(shifts) if s.start <= at < s.end)
    first = last = i
    while first > 0 and shifts[first - 1].person == shifts[i].person:
        first -= 1
    while last < len(shifts) - 1 and shifts[last + 1].person == shifts[i].person:
        last += 1
    return i, first, last


class _Moment(Mapping[str, OnCall]):
    """Rota.at: every team of the org, its answer kept once worked out."""

    def __init__(self, rota: Rota, at: datetime):
        self._rota, self._at = rota, at
        self._found: dict[str, OnCall] = {}

    def __getitem__(self, team_id: str) -> OnCall:
        found = self._found.get(team_id)
        if found is None:
            if team_id not in self._rota.org.teams:
                raise KeyError(team_id)
            found = self._found[team_id] = self._rota.on_call(team_id, self._at)
        return found

    def __contains__(self, team_id: object) -> bool:
        return team_id in self._rota.org.teams

    def __iter__(self) -> Iterator[str]:
        return iter(self._rota.org.teams)

    def __len__(self) -> int:
        return len(self._rota.org.teams)


def _by_layer(shifts: list[Shift]) -> list[list[Shift]]:
    """The merged schedule as one source (merge keeps it ordered and disjoint)."""
    return [[s for s in shifts if s.person]]


def local_time(at: datetime, zone_name: str | None, now: datetime | None = None) -> str:
    """A hand-off as the team's clock shows it: '18:00 JST' today, 'Mon 10:00 JST' this
    week, '2026-03-09 10:00 JST' later."""
    tz = zone(zone_name or "UTC")
    local = at.astimezone(tz)
    name = local.tzname() or zone_name or "UTC"
    return f"{local.strftime(hand_off_format(local, now.astimezone(tz) if now else None))} {name}"


def hand_off_format(local: datetime, now: datetime | None) -> str:
    """How much of a hand-off's moment to say, both seen on the same clock: the time
    today, the weekday within the week ahead, the date otherwise."""
    if now is not None and now.date() == local.date():
        return "%H:%M"
    if now is not None and timedelta(0) <= local - now < timedelta(days=6):
        return "%a %H:%M"
    return "%Y-%m-%d %H:%M"


def shift_text(org: Org, shift: OnCall, now: datetime | None = None) -> str:
    """'Aoi Matsumoto until 18:00 JST, then Haruto Inoue' — the words every face uses."""
    who = org.person_name(shift.person) if shift.person else "nobody (a gap in the schedule)"
    if shift.until is None:
        text = who
    else:
        then = org.person_name(shift.next_person) if shift.next_person else "nobody"
        text = f"{who} until {local_time(shift.until, schedule_zone(org, shift.team), now)}, then {then}"
    if shift.source == "override":
        text += " (override)"
    elif shift.source == "fallback":
        text += " (fallback: the schedule has nobody)"
    if shift.stale:
        text += " — imported calendar is stale"
    return text


class OverrideBook(Struct):
    """The overrides of one team's on-call aggregate, folded from its events."""

    overrides: dict[str, Override] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)

    def live(self) -> list[Override]:
        return [o for k, o in self.overrides.items() if k not in self.withdrawn]
