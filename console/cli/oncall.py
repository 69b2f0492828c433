"""CLI verbs for on-call: who is on call (now, at a time, for a team), overrides, and
calendar import and refresh."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.model.clock import iso
from console.model.errors import ConsoleError, InputError
from console.model.oncall import local_time, schedule_zone, shift_text
from console.model.text import printable

ACTIONS = ("override", "take", "withdraw", "import", "refresh")


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "oncall",
        cmd_oncall,
        "who is on call: `oncall [TEAM] [--at ISO]`; `oncall override TEAM PERSON --from "
        "--until`; `oncall take TEAM`; `oncall withdraw ID`; `oncall import TEAM URL|FILE "
        "[--days N] [--map NAME=PERSON]`; `oncall refresh [TEAM]`",
    )
    sp.add_argument("words", nargs="*", metavar="ARG", help="TEAM, or an action and its words")
    sp.add_argument("--at", metavar="ISO", help="who is on call at this time (default: now)")
    sp.add_argument("--from", dest="start", metavar="ISO", help="override: start (default now)")
    sp.add_argument("--until", metavar="ISO", help="override: end")
    sp.add_argument("--reason", default="", help="override: why (on the team's record)")
    sp.add_argument("--days", type=int, default=30, help="import: days of shifts to keep")
    sp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="NAME=PERSON",
        help="import: a name in the feed that is this person",
    )


def _time(text: str | None, ctx, flag: str) -> datetime:
    from console.cli.metrics import parse_when

    now = ctx.clock.now()
    if text and text.strip().startswith("+"):
        m = text.strip()[1:]
        unit = {"h": "hours", "d": "days", "m": "minutes"}.get(m[-1:])
        if unit and m[:-1].isdigit():
            return now + timedelta(**{unit: int(m[:-1])})
    when = parse_when(text, now, flag)
    return now if when is None else when


def cmd_oncall(ctx) -> int:
    words = list(ctx.args.words)
    if words and words[0] in ACTIONS:
        return {
            "override": _override,
            "take": _take,
            "withdraw": _withdraw,
            "import": _import,
            "refresh": _refresh,
        }[words[0]](ctx, words[1:])
    if len(words) > 1:
        raise InputError(f"oncall takes one team, got {' '.join(words)!r} (see --help)")
    at = _time(ctx.args.at, ctx, "--at")
    if words:
        return _team(ctx, words[0], at)
    return _board(ctx, at)


def _board(ctx, at: datetime) -> int:
    svc, org = ctx.service, ctx.org
    answers = svc.on_call_now(at)
    rows = [answers[t].to_dict(org) for t in org.teams]
    if ctx.args.json:
        ctx.emit({"at": iso(at), "teams": rows})
        return 0
    print(f"On call at {iso(at)}")
    width = max(len(t.name) for t in org.teams.values()) + 2
    for team_id, team in org.teams.items():
        shift = answers[team_id]
        mark = "GAP " if shift.person is None else "    "
        print(printable(f"{mark}{team.name:<{width}}{shift_text(org, shift, at)}"))
    return 0


def _team(ctx, team_text: str, at: datetime) -> int:
    svc, org = ctx.service, ctx.org
    team = svc.team_id(team_text)
    shift = svc.on_call(team, at)
    rota = svc.rota()
    upcoming = [s for s in rota.timeline(team, at, at + timedelta(days=7)) if s.end > at]
    overrides = [o for o in rota.overrides.get(team, []) if o.end > at]
    calendar = rota.calendars.get(team)
    zone_name = schedule_zone(org, team)
    data = {
        "at": iso(at),
        "on_call": shift.to_dict(org),
        "shifts": [
            {
                "person": s.person,
                "person_name": org.person_name(s.person) if s.person else None,
                "start": iso(s.start),
                "end": iso(s.end),
                "source": s.source,
            }
            for s in upcoming
        ],
        "overrides": [
            {
                "id": o.id,
                "person": o.person,
                "start": iso(o.start),
                "end": iso(o.end),
                "by": o.by,
                "reason": o.reason,
            }
            for o in overrides
        ],
        "calendar": (
            {
                "source": calendar.source,
                "as_of": iso(calendar.as_of),
                "until": iso(calendar.until),
                "stale": calendar.stale(at),
                "unmatched": list(calendar.unmatched),
            }
            if calendar
            else None
        ),
    }
    if ctx.args.json:
        ctx.emit(data)
        return 0
    lines = [
        f"{org.teams[team].name} ({team}) at {iso(at)}",
        f"  on call {shift_text(org, shift, at)}",
    ]
    if calendar:
        state = "STALE" if calendar.stale(at) else "fresh"
        lines.append(f"  calendar {calendar.source} as of {iso(calendar.as_of)} ({state})")
    lines.append("  next 7 days:")
    for s in upcoming:
        who = org.person_name(s.person) if s.person else "— GAP: nobody —"
        lines.append(
            f"    {local_time(max(s.start, at), zone_name, at):<22} → "
            f"{local_time(s.end, zone_name, at):<22} {who}  [{s.source}]"
        )
    for o in overrides:
        lines.append(
            f"  override {o.id}: {org.person_name(o.person)} "
            f"{local_time(o.start, zone_name, at)} → {local_time(o.end, zone_name, at)} "
            f"(by {o.by}{'; ' + o.reason if o.reason else ''})"
        )
    print(printable("\n".join(lines), multiline=True))
    return 0


def _override(ctx, words: list[str]) -> int:
    if len(words) != 2:
        raise InputError("usage: oncall override TEAM PERSON --from ISO --until ISO")
    if not ctx.args.until:
        raise InputError("oncall override needs --until (an ISO time, or +8h)")
    start = _time(ctx.args.start, ctx, "--from")
    until = _time(ctx.args.until, ctx, "--until")
    ev = ctx.service.override(words[0], words[1], start, until, ctx.args.reason)
    body = ev.body
    zone_name, now = schedule_zone(ctx.org, body["team"]), ctx.clock.now()
    ctx.emit(
        {"id": ev.event_id, **body},
        f"{ev.event_id}: {ctx.org.person_name(body['person'])} holds the "
        f"{ctx.org.teams[body['team']].name} pager {local_time(start, zone_name, now)} → "
        f"{local_time(until, zone_name, now)}",
    )
    return 0


def _take(ctx, words: list[str]) -> int:
    if len(words) != 1:
        raise InputError("usage: oncall take TEAM (--as you)")
    ev = ctx.service.take_shift(words[0])
    body = ev.body
    ctx.emit(
        {"id": ev.event_id, **body},
        f"{ev.event_id}: you ({body['person']}) hold the {ctx.org.teams[body['team']].name} "
        f"pager until {body['ends_at']}",
    )
    return 0


def _withdraw(ctx, words: list[str]) -> int:
    if len(words) != 1:
        raise InputError("usage: oncall withdraw OVERRIDE_ID")
    ev = ctx.service.withdraw_override(words[0])
    ctx.emit({"id": ev.event_id, "withdrawn": words[0]}, f"override {words[0]} withdrawn")
    return 0


def _names(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, person = pair.partition("=")
        if not sep or not name.strip() or not person.strip():
            raise InputError(f"--map expects NAME=PERSON, got {pair!r}")
        found[name.strip()] = person.strip()
    return found


def _import(ctx, words: list[str]) -> int:
    from console.oncall import calendar

    if len(words) != 2:
        raise InputError("usage: oncall import TEAM URL|FILE [--days N] [--map NAME=PERSON]")
    if not 1 <= ctx.args.days <= 366:
        raise InputError("--days must be 1-366")
    svc = ctx.service
    team, source = svc.team_id(words[0]), words[1]
    names = _names(ctx.args.map)
    for person in names.values():
        svc.person_id(person)
    data = calendar.read(source)
    now = ctx.clock.now()
    cal, summaries = calendar.expand(ctx.org, team, data, source, now, ctx.args.days, names)
    svc.store_calendar(cal, summaries)
    result = {
        "team": team,
        "shifts": len(cal.shifts),
        "as_of": iso(cal.as_of),
        "until": iso(cal.until),
        "unmatched": list(cal.unmatched),
    }
    text = (
        f"{ctx.org.teams[team].name}: {len(cal.shifts)} shift(s) until {iso(cal.until)}, "
        f"as of {iso(cal.as_of)}"
    )
    if cal.unmatched:
        text += (
            f"\n  {len(cal.unmatched)} event(s) name nobody in the org (use --map NAME=PERSON): "
            + ", ".join(cal.unmatched[:5])
        )
    ctx.emit(result, text)
    return 0


def _refresh(ctx, words: list[str]) -> int:
    from console.oncall import calendar

    svc = ctx.service
    wanted = {svc.team_id(w) for w in words}
    sources = [s for s in svc.calendar_sources() if not wanted or s[0] in wanted]
    if not sources:
        raise InputError("no imported calendar to refresh (see `oncall import`)")
    results, failed = [], 0
    for team, source, _ in sources:
        old = svc.rota().calendars.get(team)
        days = max(1, round((old.until - old.as_of).total_seconds() / 86400)) if old else 30
        try:
            data = calendar.read(source)
            cal, summaries = calendar.expand(ctx.org, team, data, source, ctx.clock.now(), days)
        except ConsoleError as exc:
            failed += 1
            svc.calendar_failed(team, str(exc))
            results.append({"team": team, "ok": False, "error": str(exc)})
            continue
        svc.store_calendar(cal, summaries)
        results.append({"team": team, "ok": True, "shifts": len(cal.shifts)})
    text = "\n".join(
        f"{r['team']}: "
        + (
            f"{r['shifts']} shift(s)"
            if r["ok"]
            else f"FAILED, keeping the old shifts: {r['error']}"
        )
        for r in results
    )
    ctx.emit(results, text)
    return 1 if failed else 0
