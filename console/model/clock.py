"""Injected time. Everything that shows or plans time asks a Clock, never the OS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: tests and the drill's simulated clock."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0, minutes: float = 0) -> datetime:
        self._now += timedelta(seconds=seconds, minutes=minutes)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: None) -> None: ...
@overload
def iso(dt: datetime | None) -> str | None: ...
def iso(dt: datetime | None) -> str | None:
    """UTC ISO-8601 with milliseconds: the one text form of time in events and JSON."""
    if dt is None:
        return None
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    # Formatted by hand from ready-made digits: isoformat(timespec=...) or seven %02d
    # cost a rebuild, which writes several times per incident, twice as much.
    two = _TWO_DIGITS
    return (
        f"{dt.year:04d}-{two[dt.month]}-{two[dt.day]}T{two[dt.hour]}:{two[dt.minute]}:"
        f"{two[dt.second]}.{_THREE_DIGITS[dt.microsecond // 1000]}Z"
    )


_TWO_DIGITS = [f"{n:02d}" for n in range(100)]
_THREE_DIGITS = [f"{n:03d}" for n in range(1000)]


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_iso_required(text: str | None) -> datetime:
    """parse_iso for a time that must be there (one the console stored or computed)."""
    when = parse_iso(text)
    if when is None:
        raise ValueError(f"expected an ISO time, got {text!r}")
    return when


def mmss(seconds: float) -> str:
    """Countdown text: 'mm:ss', hours folded into minutes ('75:00')."""
    s = int(abs(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def t_text(seconds: float | None) -> str:
    """Seconds from the opening alert as 'T+mm:ss' (minutes not folded into hours)."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    sign = "+" if s >= 0 else "-"
    s = abs(s)
    return f"T{sign}{s // 60:02d}:{s % 60:02d}"
