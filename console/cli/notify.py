"""CLI verbs of automated escalation: escalate (--once / --watch / --status),
secret (set / delete / status), ack, confirm. Thin: parse, call, print."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TypedDict

from console.model.errors import InputError
from console.notify import checks as _checks  # noqa: F401 - registers the secret check for `model check`


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "escalate",
        cmd_escalate,
        "automated escalation: page due steps through the org's [[channels]] "
        "(--once evaluates once; --watch runs as a daemon; --status shows the outbox)",
    )
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="evaluate once and exit (the default)")
    mode.add_argument(
        "--watch", action="store_true", help="keep running; catches up after a restart"
    )
    mode.add_argument(
        "--status", action="store_true", help="outbox, channel health, failing channels"
    )
    sp.add_argument("--at", metavar="ISO", help="--once: evaluate at this time (scripts, tests)")
    sp.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="--watch: seconds between passes (default 5)",
    )

    sp = verb(
        "secret",
        cmd_secret,
        "channel secrets in the OS keyring: `secret set NAME` (value on stdin), "
        "`secret delete NAME`, `secret status`",
    )
    sp.add_argument("action", choices=["set", "delete", "status"])
    sp.add_argument(
        "name", nargs="?", help="the name the org file uses (url_secret, routing_key_secret, ...)"
    )

    sp = verb(
        "ack", cmd_ack, "acknowledge your pages on an incident (stops their repeats); --as you"
    )
    sp.add_argument("id")
    sp.add_argument("step", nargs="?", help="only this step (key, number or role)")
    sp.add_argument(
        "--target", metavar="PERSON", help="acknowledge for this person (default: --as)"
    )

    sp = verb(
        "confirm", cmd_confirm, "confirm the incident's severity (stops the 'not confirmed' nudge)"
    )
    sp.add_argument("id")


# ------------------------------------------------------------------ escalate


def _runner(ctx, clock):
    from console.notify.runner import EscalationRunner

    def log(line: str) -> None:
        if not ctx.args.json:
            print(line, flush=True)

    return EscalationRunner(ctx.store, ctx.org, clock, log=log)


def cmd_escalate(ctx) -> int:
    if ctx.args.status:
        return _status(ctx)
    if ctx.args.watch:
        if ctx.args.at:
            raise InputError("--at goes with --once (a watch runs on the real clock)")
        return _watch(ctx)
    from console.model.clock import ManualClock
    from console.service import at_or_now

    clock = ManualClock(at_or_now(ctx.args.at, ctx.clock)) if ctx.args.at else ctx.clock
    runner = _runner(ctx, clock)
    _say_configuration(ctx, runner)
    try:
        report = runner.run_once()
    finally:
        runner.close()
    _say_catch_up(ctx, report)
    from console.store.paging_status import failing_channels

    failing = failing_channels(ctx.store.conn, runner.cfg.policy.failing_after)
    data = report.to_dict() | {"failing_channels": failing}
    text = f"escalate: {report.summary()}"
    if failing:
        text += "\n" + "\n".join(
            f"FAILING channel {f['channel']}: {f['consecutive_failures']} failed attempt(s), "
            f"{f['pending']} waiting; last error: {f['last_error']}"
            for f in failing
        )
    ctx.emit(data, text)
    return 0


def _say_configuration(ctx, runner) -> None:
    if ctx.args.json:
        return
    if not runner.cfg.enabled:
        print(
            "escalate: no [[channels]] in the org file: only drill incidents are paged (to the drill sink); "
            "see `incident-console model` and the README's channel example",
            flush=True,
        )


def _say_catch_up(ctx, report) -> None:
    if ctx.args.json or not report.caught_up:
        return
    total = sum(c["count"] for c in report.caught_up)
    since = report.previous_pass_at or "never (no runner had run on this database)"
    print(
        f"escalate: caught up on {total} page(s)/nudge(s) that fell due while no runner was running "
        f"(last pass: {since})",
        flush=True,
    )


def _watch(ctx) -> int:
    runner = _runner(ctx, ctx.clock)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    previous = ctx.store.setting("notify.last_pass_at")
    print(
        f"escalate: watching {ctx.db_path} every {ctx.args.interval:g}s as {runner.holder} "
        f"(last pass by any runner: {previous or 'never'}); Ctrl-C to stop",
        flush=True,
    )
    _say_configuration(ctx, runner)

    def on_pass(report) -> None:
        _say_catch_up(ctx, report)
        if report.queued or report.delivered or report.failed or report.abandoned:
            print(f"escalate: {report.summary()}", flush=True)

    try:
        runner.watch(stop, ctx.args.interval, on_pass=on_pass)
    finally:
        runner.close()
    print("escalate: stopped", flush=True)
    return 0


def _status(ctx) -> int:
    from console.model.channels import paging_config
    from console.store.paging_status import overview

    cfg = paging_config(ctx.org)
    data = overview(ctx.store.conn, cfg.policy.failing_after)
    data["configured_channels"] = [
        {
            "id": c.id,
            "type": c.type,
            "where": c.where,
            "people": list(c.people),
            "teams": list(c.teams),
            "roles": list(c.roles),
            "nudges": c.nudges,
        }
        for c in cfg.channels.values()
    ]
    out = [
        f"outbox: {data['outbox']['queued']} queued, {data['outbox']['delivered']} delivered, "
        f"{data['outbox']['abandoned']} abandoned; last pass: {data['last_pass_at'] or 'never'}"
    ]
    health = {h["channel"]: h for h in data["channels"]}
    for c in cfg.channels.values():
        h = health.get(c.id, {})
        waiting = data["pending"].get(c.id, {}).get("pending", 0)
        state = (
            "FAILING"
            if any(f["channel"] == c.id for f in data["failing"])
            else ("ok" if h.get("last_success_at") else "unused")
        )
        out.append(
            f"  {c.id:20} {c.type:10} {state:8} waiting {waiting}"
            + (f"  last error: {h['last_error']}" if h.get("consecutive_failures") else "")
        )
    if not cfg.channels:
        out.append("  no [[channels]] configured")
    ctx.emit(data, "\n".join(out))
    return 0


# ------------------------------------------------------------------ secret / ack / confirm


class SecretRow(TypedDict):
    """A secret an org's channel names, and where it would come from (never its value)."""

    name: str
    channel: str | None
    source: str


def cmd_secret(ctx) -> int:
    from console.notify import secrets

    action, name = ctx.args.action, ctx.args.name
    if action in ("set", "delete") and not name:
        raise InputError(f"secret {action} needs a NAME")
    if action == "set":
        name = secrets.check_name(name)
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass(f"value for {name} (not echoed): ")
        else:
            value = sys.stdin.read()
        secrets.put(name, value)
        ctx.emit(
            {"name": name, "stored": "keyring", "service": secrets.SERVICE},
            f"secret {name} stored in the OS keyring (service {secrets.SERVICE})",
        )
        return 0
    if action == "delete":
        removed = secrets.delete(name)
        ctx.emit(
            {"name": name, "removed": removed},
            f"secret {name} removed" if removed else f"no secret {name} in the keyring",
        )
        return 0
    from console.model.channels import parse_channels

    channels, _ = parse_channels(ctx.org)
    rows: list[SecretRow] = [
        {"name": s, "channel": c.id, "source": secrets.source(s)}
        for c in channels.values()
        for s in c.secrets
    ]
    if name:
        rows = [r for r in rows if r["name"] == name] or [
            {"name": name, "channel": None, "source": secrets.source(name)}
        ]
    text = (
        "\n".join(
            f"{r['name']:24} {r['source']:12} {('channel ' + r['channel']) if r['channel'] else ''}"
            for r in rows
        )
        or "no channel names a secret"
    )
    ctx.emit(rows, text)
    return 0


def cmd_ack(ctx) -> int:
    from console.notify.actions import acknowledge

    inc = acknowledge(ctx.service, ctx.args.id, ctx.args.step, ctx.args.target)
    who = ctx.args.target or ctx.actor
    ctx.emit(
        {"id": inc.id, "severity": inc.severity, "status": inc.status},
        f"{inc.id}: pages to {who} acknowledged"
        + (f" for {ctx.args.step}" if ctx.args.step else ""),
    )
    return 0


def cmd_confirm(ctx) -> int:
    from console.notify.actions import confirm_severity

    inc = confirm_severity(ctx.service, ctx.args.id)
    ctx.emit(
        {"id": inc.id, "severity": inc.severity, "status": inc.status},
        f"{inc.id}: severity {inc.severity} confirmed",
    )
    return 0
