"""The scriptable front door. Thin: parse, call the service, print.

Errors are one line on stderr: exit 2 for bad input, 1 for other failures.
The sibling modules add the other verbs through EXTENSIONS (each has add_commands).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
from datetime import datetime
from functools import cached_property
from pathlib import Path

from console import __version__, config, zone
from console.model.clock import Clock, ManualClock, SystemClock, mmss, parse_iso, parse_iso_required
from console.model.errors import ConsoleError, InputError, OrgError
from console.model.names import INCIDENT_ROLES, SEVERITIES, STATUSES
from console.model.text import map_strings, printable

# Modules that add verbs: each defines add_commands(subparsers, verb, parser), where
# verb(name, func, help, json_flag=True) adds a subcommand whose func(ctx) -> int.
# A module may also call parser.set_defaults(tui_func=...) to own the no-verb case.
EXTENSIONS = [
    "console.cli.tui",
    "console.cli.sync",
    "console.cli.notify",
    "console.cli.drills",
    "console.cli.metrics",
    "console.cli.alerts",
    "console.cli.oncall",
    "console.cli.comms",
    "console.cli.web",
]


class UsageError(InputError):
    pass


class Parser(argparse.ArgumentParser):
    _adding = False

    def error(self, message: str):  # one line, exit 2, no usage dump
        # main() says "incident-console: error:" once; the verb goes with the --help hint
        raise UsageError(f"{message} (see {self.prog} --help)")

    def parse_known_args(self, args=None, namespace=None):
        # argparse gives a free-text positional (nargs="*") nothing once an option comes
        # between it and its words, as in `resolve INC-1 --by-team sre fixed the pool`;
        # those words belong to it, wherever they stand.
        known, extras = super().parse_known_args(args, namespace)
        words = [a for a in self._actions if not a.option_strings and a.nargs == "*"]
        if words and extras:
            loose = [w for w in extras if not w.startswith("-")]
            if loose and len(loose) == len(extras):
                dest = words[-1].dest
                setattr(known, dest, [*(getattr(known, dest, None) or []), *loose])
                extras = []
        return known, extras

    def add_argument(self, *args, **kwargs):
        self._adding = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._adding = False

    def _get_formatter(self):
        # add_argument makes a formatter only to check the metavar against nargs: no
        # width needed, and asking the terminal for one (shutil.get_terminal_size) would
        # import shutil and its compressors into every verb. Help text keeps the real width.
        if self._adding:
            return argparse.HelpFormatter(prog=self.prog, width=80)
        return super()._get_formatter()


class Context:
    """What a verb needs, built lazily so `--help` and `model` never open a database."""

    def __init__(self, args: argparse.Namespace):
        self.args = args

    @cached_property
    def org(self):
        return config.load(self.args.org)

    @cached_property
    def clock(self) -> Clock:
        if self.args.now:
            try:
                return ManualClock(parse_iso(self.args.now))
            except ValueError:
                raise InputError(f"--now: not an ISO time: {self.args.now!r}") from None
        return SystemClock()

    @cached_property
    def db_path(self) -> Path:
        from console.cli.options import check_db_folder

        path = config.db_path(self.args.db)
        if path.parent.is_dir():  # nothing to check: the data dir (platformdirs) is not needed
            return path
        return check_db_folder(path, config.data_dir())

    @cached_property
    def store(self):
        from console.store import Store

        return Store(self.db_path)

    @cached_property
    def service(self):
        from console.cli.lean import import_msgspec

        import_msgspec()  # before the service's modules import it
        from console.service import IncidentService

        # The org is loaded when the service first needs it: a note needs none.
        return IncidentService(self.store, lambda: self.org, self.clock, self.actor)

    @property
    def actor(self) -> str:
        return self.args.actor or os.environ.get("INCIDENT_CONSOLE_ACTOR") or _os_user()

    def emit(self, data, text: str | None = None) -> None:
        """JSON keeps the exact text; the human form never carries a raw control char."""
        if getattr(self.args, "json", False):
            print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
        elif text is not None:
            say(text)


def say(text: str) -> None:
    """Print text for a person: lines stay lines, controls and escapes become visible."""
    print(printable(text, multiline=True))


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "commander"


# ------------------------------------------------------------------ verbs


def cmd_model(ctx: Context) -> int:
    from console.model.maturity import INDICATORS, band_text

    if ctx.args.action == "check":
        if ctx.args.markdown:
            raise UsageError("model check: --markdown is for the model itself (see --help)")
        return cmd_model_check(ctx)
    org = ctx.org
    if ctx.args.markdown:
        from console.model.document import model_markdown

        if ctx.args.json:
            raise UsageError("model: choose --json or --markdown, not both (see --help)")
        sys.stdout.write(model_markdown(org))  # its cells are neutralised as it is written
        return 0
    data = org.to_dict()
    if ctx.args.json:
        ctx.emit(data)
        return 0
    out = [
        f"{org.meta.get('name')} · pattern {org.pattern.name} · sources: {', '.join(org.sources)}",
        "",
        "Layers:",
    ]
    out += [
        f"  {layer.id:8} {layer.name:24} blast: {layer.blast_radius}; detect: {layer.detection}; recover: {layer.recovery}"
        for layer in org.layers.values()
    ]
    out += ["", "Severity matrix:        " + "  ".join(f"{t:22}" for t in org.team_types)]
    for s in org.severities.values():
        out.append(
            f"  {s.id}  "
            + "  ".join(f"{s.roles.get(t, '—'):22}" for t in org.team_types)
            + f"  ({s.meaning})"
            + (f"  [ours: {s.ours}]" if s.ours else "")
        )
    out += [f"  {t.name}: [ours: {t.ours}]" for t in org.team_types.values() if t.ours]
    out += ["", "Domain matrix (first / second / final):"]
    out += [
        f"  {d.name:32} {d.layer or 'cross-cutting':13} {d.first} / {d.second} / {d.final}"
        for d in org.domains.values()
    ]
    out += ["", f"Escalation ({org.pattern.name} applied):"]
    for sev in SEVERITIES:
        for r in org.rules_for(sev):
            out.append(
                f"  {sev} +{r.offset_minutes:>3} min → {', '.join(r.targets)}"
                + (f"   [derived: {r.derived}]" if r.derived else "")
            )
    out += ["", "Patterns:"]
    out += [
        f"  {'*' if p.id == org.pattern.id else ' '} {p.name:14} coordinates SEV1: {p.coordinator.get('SEV1')}, "
        f"SEV2: {p.coordinator.get('SEV2')} — {p.character}"
        + (f"  [ours: {p.ours}]" if p.ours else "")
        for p in org.patterns.values()
    ]
    out += ["", "Maturity (a range's ends count; < and > are strict; — the model sets none):"]
    out += [
        f"  L{m.level} {m.name:28} "
        + "; ".join(
            f"{label} {band_text(getattr(m, ind.band), ind.unit) or '—'}"
            for label, ind in zip(
                ("MTTR", "mis-escalation", "coordination", "prevention"), INDICATORS, strict=True
            )
        )
        for m in org.maturity
    ]
    out += ["", "Principles:"] + [f"  {p.id}. {p.name}: {p.statement}" for p in org.principles]
    out += [
        "",
        f"Teams: {len(org.teams)}, people: {len(org.people)}, services: {len(org.services)}",
    ]
    say("\n".join(out))
    return 0


def cmd_model_check(ctx: Context) -> int:
    """Every problem at once: the load problems of every file, then the findings of
    every check on what did load. Exit 2 with load problems, 1 with errors, else 0."""
    from console.model.check import Finding, load_checks, run_checks

    load_checks()
    from console.notify import checks as _secrets  # noqa: F401 - the secret check, after the model's

    try:
        org, problems = ctx.org, []
    except OrgError as exc:
        org, problems = exc.org, exc.problems
    loaded = [Finding("error", p.partition(": ")[0], p.partition(": ")[2]) for p in problems]
    findings = run_checks(org, ctx.clock.now(), loaded=not problems) if org else []
    errors = len(loaded) + sum(f.level == "error" for f in findings)
    if ctx.args.json:
        ctx.emit({"ok": not errors, "findings": [f.to_dict() for f in [*loaded, *findings]]})
    else:
        for f in loaded:  # what makes the exit 2, on stderr as every load error is
            print(printable(f.line()), file=sys.stderr)
        for f in findings:
            say(f.line())
        warnings = sum(f.level == "warning" for f in findings)
        print(
            f"model check: {errors} error(s), {warnings} warning(s) — "
            + ("responsibility matches authority" if not errors else "fix the errors above")
        )
    return 2 if problems else 1 if errors else 0


def cmd_declare(ctx: Context) -> int:
    a = ctx.args
    inc = ctx.service.declare(
        a.title,
        a.severity,
        a.layer or [],
        a.service or [],
        a.detection or "",
        a.commander,
        impact_started_at=parse_iso(a.impact_started) if a.impact_started else None,
    )
    ctx.emit({"id": inc.id, "severity": inc.severity, "title": inc.title}, inc.id)
    return 0


def _board_line(row: dict, now: datetime) -> str:
    due = ""
    if row["next_due_at"]:
        secs = (parse_iso_required(row["next_due_at"]) - now).total_seconds()
        if secs > 0:
            due = f"{row['next_step']} in {mmss(secs)}"
        elif secs > -60:
            due = f"{row['next_step']} due now"
        else:
            due = f"{row['next_step']} OVERDUE +{mmss(secs)}"
    age = mmss((now - parse_iso_required(row["declared_at"])).total_seconds())
    drill = " [DRILL]" if row["drill"] else ""
    row = {k: printable(v) if isinstance(v, str) else v for k, v in row.items()}
    return (
        f"{row['id']:9} {row['severity']:5} {row['status']:13} {age:>7} {row['commander'] or '—':14} "
        f"{row['layers'] or '—':16} {due:26} {row['title']}{drill}"
    )


def cmd_list(ctx: Context) -> int:
    from console.store import board

    # One query on the projection: the board needs neither the org nor the fold, and a
    # status-bar loop runs it every few seconds.
    rows = board.page(ctx.store, include_resolved=ctx.args.all, limit=ctx.args.limit)
    now = ctx.clock.now()
    if ctx.args.json:
        ctx.emit(
            [
                {
                    k: row[k]
                    for k in (
                        "id",
                        "title",
                        "severity",
                        "status",
                        "commander",
                        "declared_at",
                        "resolved_at",
                        "next_step",
                        "next_due_at",
                        "drill",
                    )
                }
                | {
                    "layers": [x for x in row["layers"].split(",") if x],
                    "services": [x for x in row["services"].split(",") if x],
                }
                for row in rows
            ]
        )
        return 0
    if not rows:
        print("no open incidents" if not ctx.args.all else "no incidents")
        return 0
    print(
        f"{'ID':9} {'SEV':5} {'STATUS':13} {'AGE':>7} {'COMMANDER':14} {'LAYERS':16} {'NEXT STEP':26} TITLE"
    )
    for row in rows:
        say(_board_line(row, now))
    return 0


def cmd_show(ctx: Context) -> int:
    view = ctx.service.view(ctx.args.id)
    if ctx.args.json:
        ctx.emit(view)
        return 0
    view = map_strings(view, printable)  # one line per field: a newline cannot fake a line
    r = view["responsibility"]
    out = [
        f"{view['id']}  {view['severity']}  {view['status'].upper()}  {view['title']}"
        + (f"  [DRILL {view['drill']}]" if view["drill"] else ""),
        f"  {view['severity_meaning']}",
        f"  layers: {', '.join(view['layers']) or '—'}   services: {', '.join(view['services']) or '—'}"
        f"   detection: {view['detection'] or '—'}",
        "  roles: "
        + ", ".join(
            f"{k}={v or '—'}"
            + (f" (→ {view['handoffs'][k]['to']}?)" if k in view["handoffs"] else "")
            for k, v in view["roles"].items()
        ),
        f"  pattern: {r['pattern']['name']}"
        + (f"; coordinator: {r['coordinator']['role']}" if r.get("coordinator") else ""),
    ]
    if r["responsible_team"]:
        rt = r["responsible_team"]
        out.append(
            f"  responsible team: {rt['team_name']} ({rt['team_type']}), on call {rt['on_call']} {rt['contact'] or ''}"
        )
    out += ["", "Responsibility (first / second / final):"]
    for d in r["domains"]:
        cells = []
        for k in ("first", "second", "final"):
            c = d[k]
            mark = "*" if c["responsible"] else ""
            cells.append(
                f"{c['team_type']}:{c['team_name'] or '—'}{mark}"
                + (f" ({c['on_call']})" if c["on_call"] else "")
            )
        out.append(f"  {d['name']:30} " + " / ".join(cells))
    out.append(
        "  roles at "
        + view["severity"]
        + ": "
        + "; ".join(f"{t}: {x}" for t, x in r["team_type_roles"].items())
    )
    for layer in r["layers"]:
        out.append(f"  {layer['name']}: detect {layer['detection']}; recover {layer['recovery']}")
    out += ["", "Escalation:"]
    for s in view["escalation"]:
        when = _step_when(s, view["open"])
        who = "; ".join(
            f"{t['role']}: " + ", ".join(c["person_name"] or "—" for c in t["contacts"])
            for t in s["targets"]
        )
        out.append(
            f"  {s['key']:9} {s['state']:12} {when:18} {who}"
            + ("  [derived]" if s["derived"] else "")
            + (f"  waived: {s['waived_reason']}" if s["waived_reason"] else "")
        )
    out += ["", f"Timeline ({zone.label()}):"]
    for t in view["timeline"]:
        local = zone.text(parse_iso_required(t["at"]), zone=False)
        out.append(f"  {local}  {t['actor']:14} {t['text']}")
    say("\n".join(out))
    return 0


def _done(ctx: Context, inc, what: str) -> int:
    ctx.emit({"id": inc.id, "severity": inc.severity, "status": inc.status}, f"{inc.id}: {what}")
    return 0


def cmd_severity(ctx):
    return _done(
        ctx,
        ctx.service.set_severity(ctx.args.id, ctx.args.severity),
        f"severity {ctx.args.severity.upper()}",
    )


def cmd_status(ctx):
    return _done(
        ctx, ctx.service.set_status(ctx.args.id, ctx.args.status), f"status {ctx.args.status}"
    )


def cmd_note(ctx):
    return _done(ctx, ctx.service.note(ctx.args.id, " ".join(ctx.args.text)), "note added")


def cmd_tick(ctx):
    if ctx.args.by and not ctx.args.ack:
        raise InputError("--by names who acknowledged: use it with --ack")
    inc = ctx.service.tick(ctx.args.id, ctx.args.step, ack=ctx.args.ack, by=ctx.args.by)
    return _done(ctx, inc, f"step {ctx.args.step} {'acknowledged' if ctx.args.ack else 'notified'}")


def cmd_untick(ctx):
    return _done(
        ctx, ctx.service.untick(ctx.args.id, ctx.args.step), f"step {ctx.args.step} unticked"
    )


def cmd_waive(ctx):
    a = ctx.args
    inc = ctx.service.waive(a.id, a.step, " ".join(a.reason))
    return _done(ctx, inc, f"step {a.step} waived")


def cmd_assign(ctx):
    return _done(
        ctx,
        ctx.service.assign(ctx.args.id, ctx.args.role, ctx.args.person),
        f"{ctx.args.role} assigned to {ctx.args.person}",
    )


def cmd_handoff(ctx):
    return _done(
        ctx,
        ctx.service.handoff(ctx.args.id, ctx.args.role, ctx.args.person),
        f"{ctx.args.role} offered to {ctx.args.person} (they run `accept`)",
    )


def cmd_accept(ctx):
    return _done(
        ctx,
        ctx.service.accept(ctx.args.id, ctx.args.role),
        f"{ctx.actor} now holds {ctx.args.role}",
    )


def cmd_add_service(ctx):
    return _done(
        ctx, ctx.service.add_service(ctx.args.id, ctx.args.service), f"{ctx.args.service} added"
    )


def cmd_resolve(ctx):
    a = ctx.args
    # A script is never stopped to ask; it is told, as the room's dialog tells a person
    # (once the resolve is recorded: a refused one says only why, in one line).
    warnings = ctx.service.resolve_warnings(a.id)
    inc = ctx.service.resolve(
        a.id,
        " ".join(a.summary or []),
        resolved_by_team=a.by_team,
        cause_service=a.cause,
        prevented=a.prevented,
    )
    for warning in warnings:
        print(f"incident-console: warning: {printable(warning)}", file=sys.stderr)
    return _done(ctx, inc, "resolved")


def cmd_reopen(ctx):
    return _done(ctx, ctx.service.reopen(ctx.args.id), "reopened")


def _step_when(step: dict, is_open: bool) -> str:
    """A countdown only for a step still to do in an open incident; a finished step
    says when it was done."""
    state, secs = step["state"], step["seconds_to_due"]
    done = {"notified": "notified_at", "acknowledged": "acknowledged_at", "waived": "waived_at"}
    if state in done and step.get(done[state]):
        return zone.text(parse_iso_required(step[done[state]]), zone=False)
    if not is_open or state not in ("pending", "due", "overdue"):
        return "—"
    if state == "pending":
        return f"in {mmss(secs)}"
    return f"overdue +{mmss(secs)}" if state == "overdue" else "now"


def cmd_export(ctx: Context) -> int:
    view = ctx.service.view(ctx.args.id)
    if ctx.args.format == "json":
        text = json.dumps(view, indent=2, sort_keys=True, ensure_ascii=False)
    else:
        from console.export import markdown

        text = markdown(view, ctx.service.postmortem(view["id"]))  # the postmortem draft
    if ctx.args.output:
        # a stray byte stored by an older version is written as its \\udcXX escape, not a crash
        out = text + ("\n" if not text.endswith("\n") else "")
        Path(ctx.args.output).write_text(out, "utf-8", errors="backslashreplace")
        print(f"{view['id']}: written to {ctx.args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def cmd_rebuild(ctx: Context) -> int:
    count = ctx.service.rebuild()
    ctx.emit({"rebuilt": count}, f"rebuilt {count} incident(s) from the event log")
    return 0


def cmd_example_db(ctx: Context) -> int:
    from console.example import write_example_db

    path = Path(ctx.args.path)
    if path.exists() and not ctx.args.force:
        raise InputError(f"{path}: exists; pass --force to replace it")
    count = write_example_db(path, ctx.org, seed=ctx.args.seed)
    ctx.emit({"path": str(path), "incidents": count}, f"{path}: {count} demo incidents")
    return 0


def cmd_tui_missing(ctx: Context) -> int:
    raise ConsoleError(
        "the console UI is not installed in this build; use the verbs (`incident-console --help`)"
    )


# ------------------------------------------------------------------ parser


class _Unbuilt:
    """Stands in for the sub-parser of a verb this run does not parse (see `only`)."""

    def add_argument(self, *args, **kwargs) -> None:
        pass

    def set_defaults(self, **kwargs) -> None:
        pass


def build_parser(extensions: list[str] | None = None, only: str | None = None) -> Parser:
    """Every verb; `extensions` narrows the sibling modules imported (a core verb needs
    only the one that owns the global options, see `main`), and `only` builds the
    sub-parser of that one verb: each of the others is argparse work a verb does not use."""
    p = Parser(
        prog="incident-console",
        description="Incident Command Console: run an incident from the keyboard.",
    )
    p.add_argument("--version", action="version", version=f"incident-console {__version__}")
    p.add_argument("--db", help="database file (default: user data dir; env INCIDENT_CONSOLE_DB)")
    p.add_argument(
        "--org",
        help="org file overriding the embedded model (default: org.toml in the user config dir)",
    )
    p.add_argument(
        "--as", dest="actor", metavar="NAME", help="who is acting (default: the OS user)"
    )
    p.add_argument("--now", metavar="ISO", help="evaluate countdowns at this time (scripts, tests)")
    p.add_argument(
        "--utc",
        action="store_true",
        help='show times in UTC (default: local time, with its zone; or "utc": true in settings)',
    )
    p.set_defaults(func=None)
    # prog given: argparse would otherwise format the usage to work it out (the same text)
    sub = p.add_subparsers(dest="verb", parser_class=Parser, metavar="VERB", prog=p.prog)

    def verb(name, func, help, json_flag=True, **kw):
        if only is not None and name != only:
            return _Unbuilt()
        sp = sub.add_parser(name, help=help, description=help, **kw)
        if json_flag:
            sp.add_argument("--json", action="store_true", help="machine-readable output")
        sp.set_defaults(func=func)
        return sp

    sp = verb(
        "model",
        cmd_model,
        "show the effective responsibility model; `model check` applies principle 1",
    )
    sp.add_argument(
        "action", nargs="?", choices=["check"], help="check: responsibility = authority"
    )
    sp.add_argument(
        "--markdown",
        action="store_true",
        help="the model's tables as Markdown, with what is derived or ours labelled "
        "(docs/model.md is this, from the defaults)",
    )

    sp = verb("declare", cmd_declare, "declare an incident; prints its id")
    sp.add_argument("--title", required=True)
    sp.add_argument("--severity", required=True, help="SEV1..SEV5")
    sp.add_argument("--layer", action="append", choices=["edge", "gateway", "service", "data"])
    sp.add_argument(
        "--service", action="append", help="an affected service (brings its layer and owner)"
    )
    sp.add_argument("--detection", help="how it was detected")
    sp.add_argument("--commander", help="incident commander (default: you)")
    sp.add_argument(
        "--impact-started", metavar="ISO", help="when impact started, if before declaring"
    )

    sp = verb("list", cmd_list, "the board: open incidents, most severe and most overdue first")
    sp.add_argument("--all", action="store_true", help="include resolved incidents")
    sp.add_argument("--limit", type=int, default=200)

    sp = verb("show", cmd_show, "one incident: responsibility, escalation, timeline")
    sp.add_argument("id")

    sp = verb("severity", cmd_severity, "change the severity (re-plans escalation)")
    sp.add_argument("id")
    sp.add_argument("severity", help="SEV1..SEV5")

    sp = verb("status", cmd_status, "set the status")
    sp.add_argument("id")
    sp.add_argument("status", choices=STATUSES)

    sp = verb("note", cmd_note, "add a note to the timeline")
    sp.add_argument("id")
    sp.add_argument("text", nargs="+")

    sp = verb("tick", cmd_tick, "mark an escalation step notified (or acknowledged with --ack)")
    sp.add_argument("id")
    sp.add_argument("step", help="step key (SEV1+15), its number in the list, or a target role")
    sp.add_argument("--ack", action="store_true", help="mark acknowledged")
    sp.add_argument(
        "--by",
        metavar="PERSON",
        help="with --ack: who answered (default: the step's only person, if it pages one)",
    )

    sp = verb("untick", cmd_untick, "clear the marks of an escalation step")
    sp.add_argument("id")
    sp.add_argument("step")

    sp = verb("waive", cmd_waive, "decide an open escalation step need not be done, and why")
    sp.add_argument("id")
    sp.add_argument("step", help="step key (SEV1+15), its number in the list, or a target role")
    sp.add_argument("reason", nargs="+", help="why (on the timeline)")

    for name, func, text in (
        ("assign", cmd_assign, "give a vacant role to someone"),
        ("handoff", cmd_handoff, "offer a role to someone; done when they accept"),
    ):
        sp = verb(name, func, text)
        sp.add_argument("id")
        sp.add_argument("role", help=", ".join(INCIDENT_ROLES) + " (ic, comms, ops)")
        sp.add_argument("person")

    sp = verb("accept", cmd_accept, "accept a role handed off to you (--as NAME)")
    sp.add_argument("id")
    sp.add_argument("role")

    sp = verb("add-service", cmd_add_service, "add an affected service")
    sp.add_argument("id")
    sp.add_argument("service")

    sp = verb("resolve", cmd_resolve, "resolve an incident")
    sp.add_argument("id")
    sp.add_argument("summary", nargs="*")
    sp.add_argument(
        "--by-team", metavar="TEAM", help="the team that resolved it (metrics: mis-routing)"
    )
    sp.add_argument(
        "--cause", metavar="SERVICE", help="the service that caused it (metrics: by layer)"
    )
    sp.add_argument(
        "--prevented",
        action="store_true",
        help="caught before users felt it, or a near miss (metrics: prevention rate)",
    )

    sp = verb("reopen", cmd_reopen, "reopen a resolved incident")
    sp.add_argument("id")

    sp = verb(
        "export",
        cmd_export,
        "the incident document: Markdown is a postmortem draft, JSON the full view",
        json_flag=False,
    )
    sp.add_argument("id")
    sp.add_argument("--format", choices=["markdown", "json"], default="markdown")
    sp.add_argument("--output", "-o", help="write to this file instead of stdout")

    verb("rebuild", cmd_rebuild, "rebuild every projection from the event log")

    sp = verb("example-db", cmd_example_db, "write a demo database")
    sp.add_argument("path")
    sp.add_argument("--force", action="store_true", help="replace an existing file")
    sp.add_argument("--seed", type=int, default=7)

    for name in EXTENSIONS if extensions is None else extensions:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.add_commands(sub, verb, p)
    from console.cli.options import accept_after_verb

    accept_after_verb(p)  # `declare --db x.db ...` as well as `--db x.db declare ...`
    return p


# The verbs defined in this module, and the options of the top-level parser that take a
# value: enough to find the verb without importing every sibling module.
CORE_VERBS = frozenset(
    [
        "model",
        "declare",
        "list",
        "show",
        "severity",
        "status",
        "note",
        "tick",
        "untick",
        "waive",
        "assign",
        "handoff",
        "accept",
        "add-service",
        "resolve",
        "reopen",
        "export",
        "rebuild",
        "example-db",
    ]
)
_VALUED = ("--db", "--org", "--as", "--now", "--theme")


def _verb_of(argv: list[str]) -> str | None:
    it = iter(argv)
    for token in it:
        if token == "--":
            return next(it, None)
        if token in _VALUED:
            next(it, None)
        elif not token.startswith("-"):
            return token
    return None


def _parse(argv: list[str]) -> argparse.Namespace:
    """A core verb, or none, is parsed by a parser of that verb alone plus the module
    owning the global options and the no-verb case (tui): the other siblings, and what
    they import, stay unloaded. Anything that parser refuses is parsed again by the full
    one, so errors and help read the same."""
    verb = _verb_of(argv)
    # No verb is the UI (console.cli.tui owns it) or --version; only help lists them all.
    if verb in CORE_VERBS or (verb is None and not {"-h", "--help"} & set(argv)):
        try:
            return build_parser(["console.cli.tui"], only=verb or "").parse_args(argv)
        except UsageError:
            pass
    return build_parser().parse_args(argv)


# Core verbs that run for a moment and exit: their process needs no cyclic collection.
# The UI (no verb, or `tui`) turns it on itself once its first frame is out: turned on
# here, the first allocation would walk everything imported so far.
_GC_OFF_VERBS = (CORE_VERBS - {"rebuild", "example-db"}) | {None, "tui"}


def main(argv: list[str] | None = None) -> int:
    process = argv is None  # the process's own entry point (tests pass argv in-process)
    if process:
        # A verb's start-up allocates for good (modules, parser, org): the cyclic GC
        # would only walk it again and again, about 3 % of a `show`.
        gc.disable()
    argv = sys.argv[1:] if argv is None else argv
    ctx = None
    try:
        args = _parse(argv)
        if process and args.verb not in _GC_OFF_VERBS:
            gc.enable()  # long runs (servers, sync, rebuild) collect as usual
        ctx = Context(args)
        zone.use_utc(lambda: bool(args.utc) or config.user_settings().get("utc") is True)
        func = args.func
        if func is None:
            tui = getattr(args, "tui_func", None)
            func = tui or cmd_tui_missing
        return func(ctx) or 0
    except InputError as exc:
        print(f"incident-console: error: {printable(str(exc), multiline=True)}", file=sys.stderr)
        return 2
    except ConsoleError as exc:
        print(f"incident-console: error: {printable(str(exc), multiline=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        # Close the database a verb opened: an in-process caller (tests, scripts) must
        # not keep a connection, and its locks, alive until garbage collection.
        store = ctx.__dict__.get("store") if ctx is not None else None
        if store is not None:
            store.close()
