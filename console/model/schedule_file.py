"""The `[[schedules]]` section of an org file: one schedule per team, checked with
file:line like every other section. Person and team names are checked with the other
references once the whole org is built (console/model/org.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from console.model.schedule import (
    WEEK_MINUTES,
    WEEKDAYS,
    Layer,
    Schedule,
    Window,
    wall,
    zone,
    zone_problem,
)

SCHEDULE_KEYS = ("team", "time_zone", "layers")
LAYER_KEYS = ("name", "members", "rotation_start", "turn", "time_zone", "restrictions")
RESTRICTION_KEYS = ("from", "to", "days")

_TURN = re.compile(r"^\s*(\d+)\s*([hdw])\s*\Z")
_CLOCK = re.compile(r"^\s*(?:([a-z]{3})\s+)?(\d{1,2}):(\d{2})\s*\Z")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}

Where = Callable[..., str]  # where(*path inside the entry) -> "file:line"


def parse_schedule(raw: dict[str, Any], where: Where, problems: list[str]) -> Schedule | None:
    """One `[[schedules]]` entry, or None with every problem in it reported."""
    before = len(problems)

    def bad(path: tuple, message: str) -> None:
        problems.append(f"{where(*path)}: {message}")

    team = raw.get("team")
    label = f"schedule {team!r}" if isinstance(team, str) else "schedule"
    for key in sorted(set(raw) - set(SCHEDULE_KEYS)):
        bad((key,), f"unknown key {key!r} in {label} (expected one of {', '.join(SCHEDULE_KEYS)})")
    if not isinstance(team, str) or not team:
        bad((), "schedule without 'team' (expected the id of a team)")
    tz_name = raw.get("time_zone")
    problem = zone_problem(tz_name)
    if problem:
        bad(("time_zone",), f"{label}: time_zone: {problem}")
        tz_name = "UTC"
    layers_raw = raw.get("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        bad(("layers",), f"{label} has no layers (expected [[schedules.layers]] with members)")
        layers_raw = []
    layers = []
    for j, entry in enumerate(layers_raw):
        layer = _layer(entry, j, str(tz_name), label, lambda *p, j=j: where("layers", j, *p), bad)
        if layer is not None:
            layers.append(layer)
    if len(problems) > before or not isinstance(team, str):
        return None
    return Schedule(team=team, zone=str(tz_name), layers=tuple(layers), where=where())


def _layer(entry, j: int, default_zone: str, label: str, at: Where, bad) -> Layer | None:
    if not isinstance(entry, dict):
        bad(("layers", j), f"{label}: each layer must be a table")
        return None
    name = entry.get("name", f"#{j + 1}")
    what = f"{label} layer {name!r}"
    for key in sorted(set(entry) - set(LAYER_KEYS)):
        bad(("layers", j, key), f"unknown key {key!r} in {what} (expected {', '.join(LAYER_KEYS)})")
    ok = True
    if not isinstance(name, str) or not name:
        bad(("layers", j, "name"), f"{label}: a layer name must be text")
        ok = False
    members = entry.get("members")
    if (
        not isinstance(members, list)
        or not members
        or not all(isinstance(m, str) and m for m in members)
    ):
        bad(("layers", j, "members"), f"{what}: members must be a non-empty list of people")
        ok = False
    tz_name = entry.get("time_zone", default_zone)
    problem = zone_problem(tz_name)
    if problem:
        bad(("layers", j, "time_zone"), f"{what}: time_zone: {problem}")
        ok = False
    start = _start(entry.get("rotation_start"), str(tz_name) if not problem else "UTC")
    if start is None:
        bad(
            ("layers", j, "rotation_start"),
            f"{what}: rotation_start must be the first hand-off as a local date-time "
            f"(2026-01-05T10:00:00), got {entry.get('rotation_start')!r}",
        )
        ok = False
    turn = _turn(entry.get("turn", "1w"))
    if turn is None:
        bad(
            ("layers", j, "turn"),
            f'{what}: turn must be a whole number of hours, days or weeks ("12h", "1d", "1w"), '
            f"got {entry.get('turn')!r}",
        )
        ok = False
    windows = _windows(entry.get("restrictions", []), what, lambda: at("restrictions"), bad, j)
    if windows is None or not ok:
        return None
    assert start is not None and turn is not None
    return Layer(
        name=name,
        members=tuple(members or ()),
        start=start,
        turn=turn,
        zone=str(tz_name),
        windows=windows,
        where=at(),
    )


def _start(value: Any, tz_name: str) -> datetime | None:
    """A TOML local date-time (or date, or ISO text); one with an offset is read as the
    wall clock of the layer's zone at that instant."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return wall(value, zone(tz_name)) if value.tzinfo else value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def _turn(value: Any) -> timedelta | None:
    m = _TURN.match(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) < 1:
        return None
    return int(m.group(1)) * _UNIT[m.group(2)]


def _windows(raw: Any, what: str, at: Callable[[], str], bad, j: int) -> tuple[Window, ...] | None:
    path = ("layers", j, "restrictions")
    shape = (
        'restrictions are tables like { from = "09:00", to = "18:00" }, '
        '{ days = "mon-fri", from = "09:00", to = "18:00" } or '
        '{ from = "fri 18:00", to = "mon 09:00" }'
    )
    if not isinstance(raw, list):
        bad(path, f"{what}: {shape}")
        return None
    out: list[Window] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - set(RESTRICTION_KEYS):
            bad(path, f"{what}: {shape}, got {item!r}")
            return None
        a, b = _clock(item.get("from")), _clock(item.get("to"))
        if a is None or b is None or (a[0] is None) != (b[0] is None):
            bad(path, f"{what}: {shape}, got {item!r}")
            return None
        if a[0] is not None and b[0] is not None:  # one weekly span
            if "days" in item:
                bad(path, f'{what}: a weekly span (from = "fri 18:00") takes no days')
                return None
            start, stop = a[0] * 1440 + a[1], b[0] * 1440 + b[1]
            length = (stop - start) % WEEK_MINUTES
            if length == 0:
                bad(path, f"{what}: restriction from {item['from']!r} to {item['to']!r} is empty")
                return None
            out.append(Window(start, length))
            continue
        length = (b[1] - a[1]) % 1440
        if length == 0:
            bad(path, f"{what}: restriction from {item['from']!r} to {item['to']!r} is empty")
            return None
        days = _days(item.get("days", "mon-sun"))
        if days is None:
            bad(
                path,
                f'{what}: days must be "mon-fri", "sat,sun" or a list like ["mon", "wed"], '
                f"got {item.get('days')!r}",
            )
            return None
        out.extend(Window(d * 1440 + a[1], length) for d in days)
    return tuple(out)


def _clock(value: Any) -> tuple[int | None, int] | None:
    """'09:00' -> (None, 540); 'fri 18:00' -> (4, 1080)."""
    m = _CLOCK.match(value.lower()) if isinstance(value, str) else None
    if m is None:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    day = m.group(1)
    if day is not None and day not in WEEKDAYS:
        return None
    return (WEEKDAYS.index(day) if day else None, hours * 60 + minutes)


def _days(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, str):
        parts = [p.strip() for p in value.lower().split(",") if p.strip()]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        parts = [p.strip().lower() for p in value]
    else:
        return None
    days: list[int] = []
    for part in parts:
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            return None
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last) if last else a
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return tuple(dict.fromkeys(days)) or None


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    """A schedule as plain data (`model --json`), in the words of the org file."""
    return {
        "team": schedule.team,
        "time_zone": schedule.zone,
        "layers": [
            {
                "name": layer.name,
                "members": list(layer.members),
                "rotation_start": layer.start.isoformat(),
                "turn": _turn_text(layer.turn),
                "time_zone": layer.zone,
                "restrictions": [_window_text(w) for w in layer.windows],
            }
            for layer in schedule.layers
        ],
    }


def _turn_text(turn: timedelta) -> str:
    hours = int(turn.total_seconds() // 3600)
    if hours % (24 * 7) == 0:
        return f"{hours // (24 * 7)}w"
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def _window_text(w: Window) -> dict[str, str]:
    def at(minute: int) -> str:
        minute %= WEEK_MINUTES
        day, rest = divmod(minute, 1440)
        return f"{WEEKDAYS[day]} {rest // 60:02d}:{rest % 60:02d}"

    return {"from": at(w.start), "to": at(w.start + w.length)}
