"""The zone times are shown in: local time with its abbreviation (JST, CET, …) by
default, UTC when asked (`--utc`, or "utc": true in the user settings; the command
line reads both and says so here). Stored times, --json and events stay UTC
ISO-8601 whatever is shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_utc: bool | Callable[[], bool] = False


def use_utc(flag: bool | Callable[[], bool]) -> None:
    """A flag, or how to find it out when a time is first shown (a verb that shows no
    time then never reads the settings file, nor loads what finds its folder)."""
    global _utc
    _utc = flag


def utc() -> bool:
    global _utc
    if not isinstance(_utc, bool):
        _utc = bool(_utc())
    return _utc


def shown(when: datetime) -> datetime:
    return when.astimezone(UTC) if utc() else when.astimezone()


def label(when: datetime | None = None) -> str:
    """The zone's name as shown beside a time: UTC, or the local abbreviation."""
    if utc():
        return "UTC"
    return shown(when or datetime.now(UTC)).tzname() or "local"


def text(when: datetime, fmt: str = "%H:%M:%S", zone: bool = True) -> str:
    local = shown(when)
    return local.strftime(fmt) + (f" {label(local)}" if zone else "")
