"""CLI verbs for learning from history: metrics, assess, patterns, suggest, history export/import."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.model.errors import InputError
from console.model.maturity import step_text
from console.model.metrics import MIN_HISTORY, SUGGEST_SHARE
from console.model.text import map_strings, printable

_RELATIVE = re.compile(r"^(\d+)([hdw])\Z")


def parse_when(text: str | None, now: datetime, flag: str) -> datetime | None:
    """2026-09-01, a full ISO time, or a span back from now: 36h, 30d, 12w."""
    if not text:
        return None
    text = text.strip()
    m = _RELATIVE.match(text)
    if m:
        unit = {"h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
        return now - timedelta(**{unit: int(m.group(1))})
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{flag}: not a date: {text!r} (expected 2026-09-01, an ISO time, or 30d / 12w / 36h)"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _period(ctx):
    now = ctx.clock.now()
    since = parse_when(ctx.args.since, now, "--since")
    until = parse_when(getattr(ctx.args, "until", None), now, "--until")
    if since and until and since >= until:
        raise InputError("--since must be before --until")
    return since, until


def rounded(value, digits: int = 2):
    """Figures for people and JSON: 2 decimals, structure unchanged."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _period_text(p: dict) -> str:
    span = f"{(p['first_declared'] or '—')[:10]} … {(p['last_declared'] or '—')[:10]}"
    drills = f"; {p['drills_excluded']} drill(s) left out" if p["drills_excluded"] else ""
    return f"{p['incidents']} real incident(s) declared {span} ({p['resolved']} resolved{drills})"


def metrics_text(m: dict, team_name=lambda t: t) -> str:
    head = (
        f"{'':22}{'n':>5}  {'MTTA mean/med/p90':>19}  {'MTTM mean/med/p90':>19}  "
        f"{'MTTR mean/med/p90':>19}  {'mis-esc':>7}  {'coord':>6}  {'prev':>5}"
    )

    def row(label: str, g: dict) -> str:
        cells = [
            "/".join(_num(g[k][s]) for s in ("mean", "median", "p90"))
            for k in ("tta", "ttm", "ttr")
        ]
        return (
            f"{printable(label)[:22]:22}{g['incidents']:>5}  {cells[0]:>19}  {cells[1]:>19}  {cells[2]:>19}  "
            f"{_pct(g['mis_escalation']['rate']):>7}  {_num(g['coordination']['mean']):>6}  "
            f"{_pct(g['prevention']['rate']):>5}"
        )

    out = [
        _period_text(m["period"]),
        "minutes from impact start (or declaration); mis-esc of resolved",
        "",
        head,
        row("overall", m["overall"]),
    ]
    for dim, title in (
        ("by_layer", "by cause layer"),
        ("by_team", "by team"),
        ("by_severity", "by peak severity"),
    ):
        out.append(title)
        for g in m[dim]:
            label = team_name(g["key"]) if dim == "by_team" else (g["key"] or "(none)")
            out.append(row("  " + str(label), g))
    if m["weekly"]:
        out += ["", "weekly MTTR (week of Monday: mean min, incidents):"]
        out += [f"  {w['week']}  {_num(w['mttr']):>6}  {w['incidents']:>4}" for w in m["weekly"]]
    return "\n".join(out)


def assessment_text(a: dict) -> str:
    head = f"level {a['level']} — {a['name']}" if a["level"] is not None else a["name"]
    out = [f"Maturity: {head}", f"  over {_period_text(a['period'])}"]
    for i in a["indicators"]:
        bounds = ", ".join(f"L{lvl} {b}" for lvl, b in i["thresholds"].items() if b)
        level = "no data" if i["level"] is None else f"level {i['level']}"
        out.append(f"  {i['label']:32} {i['text']:>10}   {level:8}  ({bounds})")
        out += [f"    · {note}" for note in i["notes"]]
    out += [f"  {note}" for note in a["notes"]]
    if a["level"] is not None and a["next_level"] is None:
        out.append("The top level: keep the figures there.")
    elif a["level"] is not None:
        traits = ", ".join(a["next_traits"])
        out.append(f"To reach level {a['next_level']} ({a['next_name']}: {traits}):")
        for g in a["gaps"]:
            out.append(f"  - {g['text']}")
            if g.get("steps"):
                out.append(f"      → {step_text(g['steps'])}")
        if not a["gaps"]:
            out.append("  - the figures already meet it; the traits are what remain")
    out += target_lines(a["target"])
    return "\n".join(out)


def target_lines(t: dict) -> list[str]:
    """The distance to the target level, each gap with the practice step that closes it."""
    out = ["", f"Target: {t['text']}"]
    for g in t["gaps"]:
        out.append(f"  - {g['text']}")
        if g["steps"]:
            out.append(f"      → {step_text(g['steps'])}")
    if t["next_step"]:
        s = t["next_step"]
        out.append(f"Next: practice step {s['step']} — {s['name']} ({s['why']})")
    return out


def patterns_text(p: dict, team_name=lambda t: t) -> str:
    p = map_strings(p, printable)  # services and layers as recorded: anyone's text
    out = []
    for name in ("layers", "services", "teams"):
        block = p[name]
        label = (lambda k: printable(team_name(k))) if name == "teams" else (lambda k: k)
        out.append(f"{name}:")
        out.append(
            "  most incidents:       "
            + (
                ", ".join(f"{label(x['key'])} ({x['incidents']})" for x in block["most_incidents"])
                or "none"
            )
        )
        out.append(
            "  most re-escalations:  "
            + (
                ", ".join(
                    f"{label(x['key'])} ({x['reescalations']})" for x in block["most_reescalations"]
                )
                or "none"
            )
        )
        out.append(
            "  longest coordination: "
            + (
                ", ".join(
                    f"{label(x['key'])} ({_num(x['coordination_mean'])} min)"
                    for x in block["longest_coordination"]
                )
                or "no data"
            )
        )
    out += ["", "suggested matrix changes:"]
    out += [f"  - {s['text']}" for s in p["suggestions"]] or [
        f"  - none: no layer or service with {MIN_HISTORY}+ resolved incidents has a resolver "
        f"({SUGGEST_SHARE:.0%}+) other than its first responder or the matrix's choice"
    ]
    return "\n".join(out)


def suggestion_text(s: dict) -> str:
    s = map_strings(s, printable)
    if not s["team"]:
        return f"{s['key']}: {s['why']}"
    extra = ""
    if s["differs_from_matrix"]:
        extra = f"; the matrix says {s['matrix_team_name']}"
    others = ", ".join(f"{a['team_name']} {a['share']:.0%}" for a in s["alternatives"][1:])
    return (
        f"{s['key']} → {s['team_name']}, on call {s['on_call_name'] or '—'}: {s['why']}{extra}"
        + (f"; others: {others}" if others else "")
    )


# ------------------------------------------------------------------ verbs


def cmd_metrics(ctx) -> int:
    since, until = _period(ctx)
    analysis = ctx.service.analysis(since, until)
    data = analysis.metrics()
    data["assessment"] = analysis.assessment(data["overall"])
    ctx.emit(rounded(data), metrics_text(data, analysis.team_name))
    return 0


def cmd_assess(ctx) -> int:
    since, until = _period(ctx)
    data = ctx.service.analysis(since, until).assessment()
    ctx.emit(rounded(data), assessment_text(data))
    return 0


def cmd_patterns(ctx) -> int:
    since, until = _period(ctx)
    analysis = ctx.service.analysis(since, until)
    data = analysis.patterns(top_n=ctx.args.top)
    ctx.emit(rounded(data), patterns_text(data, analysis.team_name))
    return 0


def cmd_suggest(ctx) -> int:
    svc, target = ctx.service, ctx.args.target.strip()
    incident = None
    if target in svc.org.services:
        data = svc.suggest_team(service=target)
    elif target in svc.org.layers:
        data = svc.suggest_team(layer=target)
    else:
        try:
            incident = svc.resolve_id(target)
        except InputError:
            raise InputError(
                f"{target!r} is not a service, a layer or an incident "
                "(see `incident-console model`)"
            ) from None
        data = svc.suggest_for(incident)
    if ctx.args.accept or ctx.args.team:
        if incident is None:
            raise InputError(
                "--accept needs an incident id (the suggestion is accepted into its room)"
            )
        inc = svc.accept_suggestion(incident, ctx.args.team)
        ctx.emit(
            rounded(
                {
                    "accepted": data,
                    "id": inc.id,
                    "operations": inc.roles.get("operations"),
                    "handoff": inc.handoffs.get("operations"),
                }
            ),
            f"{inc.id}: accepted — {suggestion_text(data)}",
        )
        return 0
    ctx.emit(rounded(data), suggestion_text(data))
    return 0


def cmd_history_export(ctx) -> int:
    from console.metrics.history import export_lines

    count = 0
    if ctx.args.output:
        path = Path(ctx.args.output)
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8", errors="backslashreplace") as fh:
            for line in export_lines(ctx.store.conn):
                fh.write(line + "\n")
                count += 1
        tmp.replace(path)
        print(f"{path}: {count} event(s)", file=sys.stderr)
    else:
        for line in export_lines(ctx.store.conn):
            print(line)
    return 0


def cmd_history_import(ctx) -> int:
    from console.metrics.history import import_history

    report = import_history(ctx.service, ctx.args.file)
    if not getattr(ctx.args, "json", False):
        for problem in report.problems:
            print(problem, file=sys.stderr)
    ctx.emit(report.to_dict(), report.text())
    return 2 if report.problems else 0


def add_commands(sub, verb, parser) -> None:
    def period(sp):
        sp.add_argument(
            "--since",
            metavar="DATE",
            help="incidents declared from DATE (2026-09-01, ISO, or 30d/12w)",
        )
        sp.add_argument("--until", metavar="DATE", help="incidents declared before DATE")
        return sp

    period(
        verb(
            "metrics",
            cmd_metrics,
            "MTTA/MTTM/MTTR, mis-escalation, coordination, prevention "
            "(real incidents; overall, by layer, team, severity)",
        )
    )
    period(
        verb(
            "assess",
            cmd_assess,
            "which maturity level the history meets, and what separates it from the next",
        )
    )
    sp = period(
        verb(
            "patterns",
            cmd_patterns,
            "where incidents concentrate, and matrix changes the data suggests",
        )
    )
    sp.add_argument("--top", type=int, default=5, help="how many per list (default 5)")
    sp = verb(
        "suggest",
        cmd_suggest,
        "predictive escalation: the team most likely to resolve it, from history",
    )
    sp.add_argument("target", help="a service, a layer, or an incident id")
    sp.add_argument(
        "--accept",
        action="store_true",
        help="accept for the incident: the team's on-call takes the operations role, with a note",
    )
    sp.add_argument("--team", help="accept this team instead of the top suggestion")

    hp = verb(
        "history", None, "move incident history between stores as JSON lines", json_flag=False
    )
    actions = hp.add_subparsers(dest="history_action", metavar="ACTION", parser_class=type(hp))
    actions.required = True
    ep = actions.add_parser("export", help="write every event, grouped per incident, as JSON lines")
    ep.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    ep.set_defaults(func=cmd_history_export)
    ip = actions.add_parser(
        "import",
        help="import JSON lines (idempotent); bad lines are reported "
        "FILE:LINE and their incident is skipped whole (exit 2)",
    )
    ip.add_argument("file")
    ip.add_argument("--json", action="store_true", help="machine-readable report")
    ip.set_defaults(func=cmd_history_import)
