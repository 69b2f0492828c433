"""`incident-console drill list | check | run`: the CLI face of the drills.

A drill keeps its own database: a throwaway file in a temp dir unless the global
`--db PATH` names one, and then only a new file or one that holds drill incidents
alone (simulated time and drill pages never mix with real history or real pages).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

from console.model.clock import parse_iso, t_text
from console.model.drill.answers import allowed_teams
from console.model.drill.scenario import AUTOPILOTS, MAX_SPEED, ScenarioError
from console.model.errors import ConsoleError, InputError
from console.model.text import map_strings, printable


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "drill",
        None,
        "tabletop drills: scenarios on a simulated clock, scored against the model",
        json_flag=False,
    )
    drill = sp.add_subparsers(dest="drill_action", metavar="ACTION", parser_class=type(parser))
    sp.set_defaults(func=_need_action(sp))

    def action(name, func, help):
        a = drill.add_parser(name, help=help, description=help)
        a.add_argument("--json", action="store_true", help="machine-readable output")
        a.set_defaults(func=func)
        return a

    a = action(
        "list", cmd_list, "the bundled scenarios and yours (drills/*.toml in the config dir)"
    )
    a.add_argument(
        "--answers",
        action="store_true",
        help="also each scenario's answer key (severity, the services at fault): a spoiler",
    )
    a = action("check", cmd_check, "validate a scenario file and show its answer key")
    a.add_argument("scenario", metavar="NAME|FILE")
    a = action("run", cmd_run, "run a drill: the console in drill mode (or --autopilot, headless)")
    a.add_argument("scenario", metavar="NAME|FILE")
    a.add_argument(
        "--speed",
        type=_speed,
        default=1,
        metavar="N",
        help=f"simulated seconds per real second, 1-{MAX_SPEED} (default 1)",
    )
    a.add_argument(
        "--autopilot",
        nargs="?",
        const="ideal",
        choices=AUTOPILOTS,
        help="play headless: ideal (the model's response) or naive (page everyone, wrong severity)",
    )
    a.add_argument(
        "--markdown", metavar="PATH", help="also write the scorecard as Markdown to PATH"
    )
    a.add_argument(
        "--start", metavar="ISO", help="simulated time of T+0 (default: the scenario's, else now)"
    )
    a.add_argument(
        "--keep", action="store_true", help="keep the throwaway drill database and print its path"
    )
    a.add_argument(
        "--manual-escalation",
        action="store_true",
        help="no escalation engine: every page is the commander's own tick or page",
    )


def _need_action(sp: argparse.ArgumentParser):
    def run(ctx) -> int:
        raise InputError(
            "drill: say what to do: list, check NAME|FILE, or run NAME|FILE (see --help)"
        )

    return run


def _speed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be 1-{MAX_SPEED}, got {value}")
    return value


# ------------------------------------------------------------------ list / check


class ScenarioItem(TypedDict, total=False):
    """One line of `drill list` (--json): where the scenario is, and what it says or why
    it does not parse."""

    name: str
    origin: str
    path: str
    title: str
    severity: str
    services: list[str]
    layers: list[str]
    injects: int
    duration: str
    ok: bool
    error: str


def cmd_list(ctx) -> int:
    from console.drills import library
    from console.model.drill.parse import parse_scenario

    answers = ctx.args.answers
    items: list[ScenarioItem] = []
    for entry in library.catalogue():
        item: ScenarioItem = {"name": entry.name, "origin": entry.origin, "path": str(entry.path)}
        try:
            scn = parse_scenario(library.read(entry.path), str(entry.path))
            item.update(
                {
                    "title": scn.title,
                    "injects": len(scn.injects),
                    "duration": t_text(scn.duration),
                    "ok": True,
                }
            )
            if answers:  # the answer key spoils a tabletop: only when asked for
                item.update(
                    {
                        "severity": scn.expected.severity,
                        "services": list(scn.expected.services),
                        "layers": list(scn.expected.layers),
                    }
                )
        except InputError as exc:
            item.update({"ok": False, "error": str(exc)})
        items.append(item)
    if ctx.args.json:
        ctx.emit(items)
        return 0
    if not items:
        print("no drill scenarios found")
        return 0
    items = map_strings(items, printable)  # scenario files are anyone's text
    key = f"{'SEV':5} {'AT FAULT':28} " if answers else ""
    print(f"{'NAME':20} {key}{'INJECTS':>7} {'LENGTH':>8}  TITLE")
    for it in items:
        if not it["ok"]:
            print(f"{it['name']:20} INVALID: {it['error']}")
            continue
        mine = "  (yours)" if it["origin"] == "user" else ""
        if answers:
            fault = ", ".join(it["services"] or it["layers"])
            key = f"{it['severity']:5} {fault[:28]:28} "
        print(f"{it['name']:20} {key}{it['injects']:>7} {it['duration']:>8}  {it['title']}{mine}")
    if not answers:
        print("(answer keys hidden: --answers shows each scenario's severity and fault)")
    return 0


def cmd_check(ctx) -> int:
    from console.drills import library

    scn, org = library.load(ctx.args.scenario, ctx.args.org)
    allowed = allowed_teams(org, scn)
    data = {
        "ok": True,
        "name": scn.name,
        "file": scn.filename,
        "title": scn.title,
        "org": scn.org,
        "duration": t_text(scn.duration),
        "timeline": [
            {"t": t_text(i.at), "kind": i.kind, "shows": i.display()} for i in scn.timeline
        ],
        "expected": {
            "severity": scn.expected.severity,
            "severity_by": t_text(scn.expected.severity_by),
            "services": list(scn.expected.services),
            "layers": list(scn.expected.layers),
            "mitigate_from": t_text(scn.expected.mitigate_from),
            "mitigate_by": t_text(scn.expected.mitigate_by),
            "teams": [
                {"team": t.team, "by": t_text(t.by), "why": t.why} for t in scn.expected.teams
            ],
        },
        "responsible_teams": allowed,
    }
    if ctx.args.json:
        ctx.emit(data)
        return 0
    out = [
        f"{scn.filename}: ok — {scn.title}",
        f"  org: {scn.org}; length {t_text(scn.duration)}",
        "  timeline:",
    ]
    out += [f"    {t_text(i.at)}  {i.kind:13} {printable(i.display())}" for i in scn.timeline]
    e = scn.expected
    out += [
        "  answer key:",
        f"    severity {e.severity} by {t_text(e.severity_by)}" + (f" — {e.why}" if e.why else ""),
        f"    at fault: {', '.join(e.services) or '—'} (layers {', '.join(e.layers) or 'from the services'})",
        f"    mitigation reasonable from {t_text(e.mitigate_from)}, expected by {t_text(e.mitigate_by)}",
        "    responsible teams: " + "; ".join(f"{t} ({why})" for t, why in allowed.items()),
    ]
    out += [
        f"    must engage {t.team} by {t_text(t.by)}" + (f": {t.why}" if t.why else "")
        for t in e.teams
    ]
    print(printable("\n".join(out), multiline=True))
    return 0


# ------------------------------------------------------------------ run


@contextmanager
def drill_store(ctx):
    """The drill's own database: throwaway by default, or --db when it is drill-only."""
    from console.store import Store, projections

    explicit = ctx.args.db
    tmp = None
    if explicit:
        path = Path(explicit)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="incident-console-drill-"))
        path = tmp / "drill.db"
    store = Store(path)
    try:
        if explicit:
            real = projections.count(store.conn, include_resolved=True, include_drills=False)
            if real:
                raise InputError(
                    f"{path}: holds {real} real incident(s); a drill keeps its own database "
                    "(give a new file, or one with drills only, or leave out --db for a throwaway one)"
                )
            if _sync_remote(store):
                raise InputError(
                    f"{path}: is shared with a sync remote; a drill stays on this machine "
                    "(give another file, or leave out --db for a throwaway one)"
                )
        yield store, path
    finally:
        store.close()
        if tmp is not None:
            if ctx.args.keep:
                print(f"drill database kept: {path}", file=sys.stderr)
            else:
                shutil.rmtree(tmp, ignore_errors=True)


def _sync_remote(store) -> str | None:
    try:
        from console.store import sync_state as state
    except ImportError:
        return None
    return state.remote(store.conn)


def cmd_run(ctx) -> int:
    from console.drills import library, report
    from console.drills.session import DrillSession

    a = ctx.args
    scn, org = library.load(a.scenario, a.org)
    start = None
    if a.start:
        try:
            start = parse_iso(a.start)
        except ValueError:
            raise InputError(f"--start: not an ISO time: {a.start!r}") from None
    if not a.autopilot:
        _ui_available()
    with drill_store(ctx) as (store, _path):
        session = DrillSession(
            scn,
            org,
            store,
            start=start,
            speed=a.speed,
            actor=ctx.actor,
            autopilot=a.autopilot,
            auto_escalate=not a.manual_escalation,
        )
        if a.autopilot:
            card = session.run_to_end()
        else:
            from console.tui.screens.drill import run_drill_app

            run_drill_app(session, theme=getattr(a, "theme", None))
            card = session.scorecard or session.finish("ended by the commander")
    if a.markdown:
        try:
            Path(a.markdown).write_text(report.markdown(card), "utf-8", errors="backslashreplace")
        except OSError as exc:
            raise ConsoleError(f"{a.markdown}: cannot write the scorecard ({exc})") from None
        print(f"scorecard written to {a.markdown}", file=sys.stderr)
    if a.json:
        print(json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False, default=str))
    else:
        print(report.text(card))
    return 0


def _ui_available() -> None:
    # Textual draws on stderr: stdout may be redirected to keep the scorecard (--json).
    if not (sys.stdin.isatty() and sys.__stderr__ is not None and sys.__stderr__.isatty()):
        raise InputError(
            "a drill with a commander needs a terminal; use --autopilot for a headless run"
        )
    try:
        import console.tui.app  # noqa: F401
    except ModuleNotFoundError:
        raise ConsoleError(
            "the console UI is not installed in this build; use --autopilot"
        ) from None


__all__ = ["add_commands", "ScenarioError"]
