"""CLI verbs for alerts in and acknowledgements back: `alerts [--json]` lists the alerts
on open incidents and the groups still waiting for one; `alerts listen` runs the
receivers for a console without a server (loopback by default)."""

from __future__ import annotations

from console.model import alert_routes as _routes  # noqa: F401 - the org's [alerts] sections
from console.model.errors import ConsoleError, InputError


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "alerts",
        cmd_alerts,
        "alerts from monitoring: on open incidents and waiting for one (`alerts listen` "
        "receives Alertmanager, Grafana and PagerDuty webhooks)",
    )
    sp.add_argument("action", nargs="?", choices=["list", "listen"], default="list")
    sp.add_argument("--all", action="store_true", help="list: resolved incidents too")
    sp.add_argument("--host", default="127.0.0.1", help="listen: address (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=9095, help="listen: port (default 9095)")
    sp.add_argument(
        "--token-file",
        metavar="FILE",
        help="listen: tokens Alertmanager and Grafana send (bearer or basic-auth password), "
        "one per line",
    )
    sp.add_argument("--certfile", help="listen: TLS certificate")
    sp.add_argument("--keyfile", help="listen: TLS private key")


def cmd_alerts(ctx) -> int:
    if ctx.args.action == "listen":
        return _listen(ctx)
    from console.alerts.views import overview

    data = overview(ctx.service, include_resolved=ctx.args.all)
    ctx.emit(data, _text(data))
    return 0


def _text(data: dict) -> str:
    lines = []
    for inc in data["incidents"]:
        mark = " (declared from an alert)" if inc["declared_from_alert"] else ""
        done = " · all alerts resolved" if inc["all_resolved"] else ""
        lines.append(f"{inc['id']}  {inc['severity']}  {inc['title']}{mark}{done}")
        for a in inc["alerts"]:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(a["labels"].items()))
            lines.append(f"  {a['status']:<8} {a['name'] or a['fingerprint']}  {a['summary']}")
            if labels:
                lines.append(f"           {labels}")
            if a["generator_url"]:
                lines.append(f"           {a['generator_url']}")
    if data["waiting"]:
        if lines:
            lines.append("")
        lines.append("Waiting for an incident:")
        for g in data["waiting"]:
            where = ", ".join(x for x in (g["service"], g["severity"]) if x) or "unrouted"
            lines.append(
                f"  {g['firing']}/{g['total']} firing  {g['name'] or g['group_key']}  ({where})"
                f"  {g['summary']}"
            )
    if not lines:
        lines.append("no alerts on open incidents and none waiting")
    return "\n".join(lines)  # ctx.emit makes it printable


def _listen(ctx) -> int:
    try:
        from console.alerts.listen import listen
        from console.alerts.receivers import AlertDesk, pagerduty_secrets
        from console.model.alert_routes import alert_routing
        from console.sync.server import load_tokens
    except ImportError as exc:
        raise ConsoleError(
            f"alerts listen needs the `server` extra ({exc.name} is missing): "
            "pip install 'incident-console[server]'"
        ) from None
    if not ctx.args.token_file:
        raise InputError(
            "alerts listen: --token-file FILE is required (the token Alertmanager and "
            "Grafana send; make one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')"
        )
    if not 0 < ctx.args.port <= 65535:
        raise InputError(f"--port {ctx.args.port}: not a port number")
    tokens = load_tokens(ctx.args.token_file)
    routing = alert_routing(ctx.org)
    desk = AlertDesk(ctx.db_path, ctx.org, ctx.clock, pagerduty_secrets=pagerduty_secrets(routing))
    listen(desk, tokens, ctx.args.host, ctx.args.port, ctx.args.certfile, ctx.args.keyfile)
    return 0
