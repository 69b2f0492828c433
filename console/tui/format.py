"""Text shapes the screens share: countdowns, ages, local times, severity labels.

Countdowns are always `due_at - now` computed at the moment of drawing."""

from __future__ import annotations

from datetime import datetime

from console.model.clock import mmss, parse_iso
from console.model.oncall import hand_off_format
from console.zone import shown
from console.zone import text as zone_text


def countdown(seconds: float) -> str:
    """'mm:ss' up to 99:59, then hours and minutes, then days and hours."""
    s = int(abs(seconds))
    if s < 100 * 60:
        return mmss(s)
    if s < 48 * 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def elapsed(seconds: float) -> str:
    """Time since something happened: h:mm:ss, or days once it gets long."""
    s = max(0, int(seconds))
    if s >= 86400:
        return f"{s // 86400}d {(s % 86400) // 3600:02d}:{(s % 3600) // 60:02d}"
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}:{s % 60:02d}"


def age(seconds: float) -> str:
    """Compact age for the board's narrow column."""
    s = max(0, int(seconds))
    if s < 3600:
        return mmss(s)
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def local_time(when: datetime | str | None, with_date: bool = False, zone: bool = False) -> str:
    """In the zone the console shows (local, or UTC when asked); `zone` adds its name."""
    if when is None:
        return "—"
    if isinstance(when, str):
        when = parse_iso(when)
        if when is None:
            return "—"
    return zone_text(when, "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", zone)


def hand_off_time(when: datetime | str | None, now: datetime) -> str:
    """A shift's end in the zone the console shows, with it: '18:00 JST' today,
    'Mon 10:00 JST' this week, the date later (as the schedule's own words say it)."""
    if isinstance(when, str):
        when = parse_iso(when)
    if when is None:
        return "—"
    return zone_text(when, hand_off_format(shown(when), shown(now)))


def step_when(state: str, seconds_to_due: float) -> str:
    """The countdown column of a checklist step (also the board's next-step column)."""
    if state == "pending":
        return f"in {countdown(seconds_to_due)}"
    if state == "due":
        return "due now"
    if state == "overdue":
        return f"overdue +{countdown(seconds_to_due)}"
    return ""


def next_step_text(
    step: str | None, due_at: str | None, now: datetime, grace_seconds: int = 60
) -> tuple[str, str]:
    """Board column: (text, kind) where kind is pending|due|overdue|none."""
    due = parse_iso(due_at)
    if not step or due is None:
        return "—", "none"
    secs = (due - now).total_seconds()
    if secs > 0:
        return f"{step} in {countdown(secs)}", "pending"
    if -secs < grace_seconds:
        return f"{step} due now", "due"
    return f"{step} OVERDUE +{countdown(secs)}", "overdue"


def sev_label(severity: str, markers: dict[str, str]) -> str:
    marker = markers.get(severity, "")
    return f"{marker} {severity}" if marker else severity


def truncate(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…"
