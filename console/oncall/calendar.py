"""Reading an iCalendar feed into a team's shifts.

`recurring-ical-events` expands what a feed says (RRULE, RDATE, EXDATE, an occurrence
moved with RECURRENCE-ID); `x-wr-timezone` first turns Google's calendar-wide
X-WR-TIMEZONE into real zones. Each event is one shift; whose it is comes from its
attendees, then its summary and description: a person's id, e-mail name or full name,
or a name the command maps (`--map "Aoi M.=aoi.matsumoto"`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx
import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
import x_wr_timezone  # type: ignore[import-untyped]

from console.model.errors import ConsoleError, InputError
from console.model.oncall import Calendar
from console.model.org import Org
from console.model.schedule import Shift, zone

MAX_FEED_BYTES = 5 * 1024 * 1024
LOOKBACK = timedelta(days=1)  # so the shift under way when importing is kept whole


def read(source: str, timeout: float = 15.0) -> bytes:
    """The feed's bytes from an http(s) URL or a file."""
    if re.match(r"^(https?|webcal)://", source, re.I):
        url = re.sub(r"^webcal://", "https://", source, flags=re.I)
        try:
            reply = httpx.get(url, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ConsoleError(f"{_safe(source)}: cannot fetch the calendar ({exc})") from None
        if reply.status_code != 200:
            raise ConsoleError(f"{_safe(source)}: the calendar answered HTTP {reply.status_code}")
        if len(reply.content) > MAX_FEED_BYTES:
            raise ConsoleError(f"{_safe(source)}: the calendar is larger than 5 MB")
        return reply.content
    path = Path(source).expanduser()
    try:
        if path.stat().st_size > MAX_FEED_BYTES:
            raise InputError(f"{source}: the calendar is larger than 5 MB")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read the calendar ({exc.strerror})") from None


def _safe(url: str) -> str:
    """Feed URLs carry a secret token in the path or query: show only where it goes."""
    m = re.match(r"^([a-z]+://[^/?#]+)", url, re.I)
    return f"{m.group(1)}/…" if m else url


def expand(
    org: Org,
    team: str,
    data: bytes,
    source: str,
    now: datetime,
    days: int,
    names: Mapping[str, str] | None = None,
) -> tuple[Calendar, list[str]]:
    """The team's shifts in [now - a day, now + days) as a Calendar (plus each shift's
    summary), with the names in the feed that matched nobody."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InputError(f"{_safe(source)}: not an iCalendar feed ({exc})") from None
    cal = x_wr_timezone.to_standard(cal)
    fallback_zone = _zone_of(org, team)
    start, until = now - LOOKBACK, now + timedelta(days=days)
    try:
        found = recurring_ical_events.of(cal).between(start, until)
    except Exception as exc:  # noqa: BLE001 - a malformed rule in someone else's feed
        raise InputError(f"{_safe(source)}: cannot expand the calendar ({exc})") from None
    lookup = _names(org, names or {})
    shifts: list[tuple[Shift, str]] = []
    unmatched: list[str] = []
    for event in found:
        a = _instant(event.get("DTSTART"), fallback_zone)
        b = _instant(event.get("DTEND"), fallback_zone)
        if a is None:
            continue
        if b is None:
            duration = event.get("DURATION")
            b = a + (duration.dt if duration is not None else timedelta(days=1))
        if b <= a:
            continue
        summary = str(event.get("SUMMARY", ""))
        person = _person(event, lookup)
        if person is None:
            unmatched.append(summary or str(event.get("UID", "?")))
            continue
        shifts.append((Shift(person, max(a, start), min(b, until), "calendar"), summary))
    shifts.sort(key=lambda pair: pair[0].start)
    calendar = Calendar(
        team=team,
        source=source,
        as_of=now,
        start=start,
        until=until,
        shifts=tuple(s for s, _ in shifts),
        unmatched=tuple(dict.fromkeys(unmatched)),
    )
    return calendar, [summary for _, summary in shifts]


def _zone_of(org: Org, team: str) -> str:
    schedule = org.schedules.get(team)
    return schedule.zone if schedule else "UTC"


def _instant(prop, fallback_zone: str) -> datetime | None:
    if prop is None:
        return None
    value = prop.dt
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: the team's own clock
            value = value.replace(tzinfo=zone(fallback_zone))
        return value.astimezone(UTC)
    if isinstance(value, date):  # an all-day shift starts at midnight on the team's clock
        return datetime.combine(value, time(), zone(fallback_zone)).astimezone(UTC)
    return None


def _names(org: Org, names: Mapping[str, str]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for p in org.people.values():
        lookup[p.id.lower()] = p.id
        lookup[p.name.lower()] = p.id
    for name, person in names.items():
        lookup[name.strip().lower()] = person
    return lookup


def _person(event, lookup: dict[str, str]) -> str | None:
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        cn = attendee.params.get("CN", "") if hasattr(attendee, "params") else ""
        mail = str(attendee).lower().removeprefix("mailto:")
        for word in (cn, mail, mail.split("@")[0]):
            if word and word.strip().lower() in lookup:
                return lookup[word.strip().lower()]
    for field in ("SUMMARY", "DESCRIPTION"):
        text = str(event.get(field, "")).lower()
        # Longest names first, so "Ken Sato" is not taken for "Ken".
        for name in sorted(lookup, key=len, reverse=True):
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text):
                return lookup[name]
    return None
