"""The zone times are shown in: local time with its abbreviation (JST, CET, …) by
default, UTC when asked (`--utc`, or "utc": true in the user settings). Stored
times, --json and events stay UTC ISO-8601 whatever is shown."""

from __future__ import annotations

from datetime import UTC, datetime

_utc: bool | None = None


def use_utc(flag: bool | None) -> None:
    """True or False for this process; None: read the user setting again."""
    global _utc
    _utc = flag


def utc() -> bool:
    global _utc
    if _utc is None:
        from console import config

        _utc = config.user_settings().get("utc") is True
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
