"""CLI verbs for the shared war room: remote, login, logout, sync, serve.

Heavy imports (httpx, starlette, uvicorn, keyring) happen inside the verbs, so
`incident-console --help` stays fast and works without the server extra.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from console.model.errors import ConsoleError, InputError


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "remote",
        cmd_remote,
        "the shared war-room server: `remote add URL`, `remote show`, `remote remove`",
    )
    sp.add_argument("action", choices=["add", "show", "remove"])
    sp.add_argument("url", nargs="?", help="https://host[:port] (http only on 127.0.0.1/localhost)")

    sp = verb(
        "login",
        cmd_login,
        "store the remote's token in the OS keyring (read from stdin, a prompt or --token-file)",
    )
    sp.add_argument("--token-file", metavar="FILE", help="read the token from this file")
    sp.add_argument(
        "--no-verify", action="store_true", help="store without asking the server first"
    )

    verb("logout", cmd_logout, "forget the remote's token in the OS keyring")

    sp = verb(
        "sync",
        cmd_sync,
        "sync with the remote (continuous; --once for scripts); a new console takes the open "
        "incidents first, then the whole history; `sync status` shows the state",
    )
    sp.add_argument(
        "action",
        nargs="?",
        choices=["status", "retry"],
        help="status: remote, connection, outbox, last sync, dead letters; "
        "retry: put dead-lettered events back into the outbox",
    )
    sp.add_argument("--once", action="store_true", help="push and pull until caught up, then exit")
    sp.add_argument(
        "--retries",
        type=int,
        default=4,
        metavar="N",
        help="--once: retries (with backoff) when the server is unreachable or busy (default 4)",
    )
    sp.add_argument("--no-probe", action="store_true", help="status: do not contact the server")

    sp = verb(
        "serve",
        cmd_serve,
        "run the reference remote API (needs the `server` extra)",
        json_flag=False,
    )
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8765)
    sp.add_argument(
        "--db",
        dest="server_db",
        default="server.db",
        metavar="PATH|URL",
        help="the server's event log: a SQLite file (default: server.db) or a "
        "postgresql://user@host/db URL shared by several serve processes",
    )
    sp.add_argument(
        "--token-file",
        required=True,
        metavar="FILE",
        help="bearer tokens the server accepts, one per line",
    )
    sp.add_argument(
        "--new-log-id",
        action="store_true",
        help="give the log a new id first (after restoring it from a backup: every console "
        "then re-pushes what it has and pulls everything again)",
    )
    sp.add_argument(
        "--no-escalation",
        action="store_true",
        help="do not run the escalation runner beside the server (it pages when due)",
    )
    sp.add_argument(
        "--escalation-db",
        metavar="PATH",
        help="serve's own console database for escalation and alerts (default: next to a "
        "SQLite log; serve-PORT.escalation.db in the data directory for PostgreSQL)",
    )
    sp.add_argument(
        "--escalation-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the escalation runner passes (default 5)",
    )
    sp.add_argument(
        "--lease",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="PostgreSQL: how long a serve process leads escalation, or holds a page it is "
        "sending, without renewing; a killed process's work is taken over after this "
        "(default 30)",
    )
    sp.add_argument(
        "--max-drift",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="refuse events stamped more than this far ahead of the server's clock "
        "(default 300: one console's fast clock cannot freeze last-writer-wins)",
    )
    sp.add_argument(
        "--alerts-token-file",
        metavar="FILE",
        help="receive alerts too (/v1/alerts/alertmanager, /grafana, /pagerduty): tokens "
        "Alertmanager and Grafana send (bearer or basic-auth password), one per line",
    )
    sp.add_argument("--certfile", help="TLS certificate (serve https)")
    sp.add_argument("--keyfile", help="TLS private key")


# ------------------------------------------------------------------ remote / login


def _configured_remote(ctx) -> str:
    from console.store import sync_state as state

    remote = state.remote(ctx.store.conn)
    if not remote:
        raise InputError("no remote configured; run `incident-console remote add URL` first")
    return remote


def cmd_remote(ctx) -> int:
    from console.store import sync_state as state
    from console.sync.client import normalize_remote

    action = ctx.args.action
    if action == "add":
        if not ctx.args.url:
            raise InputError("remote add: give the server URL, e.g. https://warroom.example.com")
        url = normalize_remote(ctx.args.url)
        state.set_remote(ctx.store, url)
        ctx.emit({"remote": url}, f"remote set to {url}; now run `incident-console login`")
    elif action == "remove":
        state.set_remote(ctx.store, None)
        ctx.emit({"remote": None}, "remote removed; this console is local only")
    else:
        remote = state.remote(ctx.store.conn)
        ctx.emit({"remote": remote}, remote or "no remote (local only)")
    return 0


def _read_token(ctx) -> str:
    path = ctx.args.token_file
    if path:
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the token file ({exc})") from None
        tokens = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
        where = path
    elif sys.stdin is not None and not sys.stdin.isatty():
        tokens = [sys.stdin.readline().strip()]
        where = "stdin"
    else:
        tokens = [getpass.getpass("Token (input hidden): ").strip()]
        where = "the prompt"
    token = tokens[0] if tokens else ""
    if not token:
        raise InputError(f"no token read from {where}")
    if any(ch.isspace() for ch in token):
        raise InputError(f"the token from {where} contains spaces")
    return token


def cmd_login(ctx) -> int:
    from console.sync import credentials
    from console.sync.client import SyncClient, SyncError

    remote = _configured_remote(ctx)
    token = _read_token(ctx)
    verified = None
    if not ctx.args.no_verify:
        client = SyncClient(ctx.service, remote, token, max_attempts=1, timeout=5.0)
        try:
            client.peek(0)
            verified = True
        except SyncError as exc:
            if not exc.retryable and "refused the token" in str(exc):
                raise InputError(f"{remote} refused this token; nothing stored") from None
            verified = False
            print(
                f"incident-console: warning: could not verify the token ({exc}); storing it anyway",
                file=sys.stderr,
            )
        finally:
            client.close()
    credentials.store_token(remote, token)
    note = ""
    if os.environ.get(credentials.ENV):
        note = f" ({credentials.ENV} is set and overrides it)"
    ctx.emit(
        {"remote": remote, "stored": "keyring", "verified": verified},
        f"token for {remote} stored in the OS keyring{note}",
    )
    return 0


def cmd_logout(ctx) -> int:
    from console.sync import credentials

    remote = _configured_remote(ctx)
    removed = credentials.forget_token(remote)
    ctx.emit(
        {"remote": remote, "removed": removed},
        f"token for {remote} removed from the keyring"
        if removed
        else f"no token stored for {remote}",
    )
    return 0


# ------------------------------------------------------------------ sync


def _client(ctx, **kw):
    from console.sync import credentials
    from console.sync.client import SyncClient

    remote = _configured_remote(ctx)
    return SyncClient(ctx.service, remote, credentials.require_token(remote), **kw)


def cmd_sync(ctx) -> int:
    if ctx.args.action == "status":
        return cmd_sync_status(ctx)
    if ctx.args.action == "retry":
        from console.store import sync_state as state

        count = state.retry_dead_letters(ctx.store)
        ctx.emit(
            {"requeued": count},
            f"{count} dead-lettered event(s) back in the outbox; run `incident-console sync`",
        )
        return 0
    if ctx.args.once:
        if ctx.args.retries < 0:
            raise InputError("--retries must be 0 or more")
        from console.store import sync_state as state

        dead_before = state.dead_letter_count(ctx.store.conn)
        with _client(ctx, max_attempts=ctx.args.retries + 1) as client:
            report = client.sync_once()
        report["new_dead_letters"] = state.dead_letter_count(ctx.store.conn) - dead_before
        p, q, j = report["pushed"], report["pulled"], report["joined"]
        text = (
            (
                f"joined: {j['incidents']} open incident(s) first ({j['events']} event(s) up "
                f"to #{j['upto']}), then the whole history; "
                if j
                else ""
            )
            + f"pushed {p['accepted']} new, {p['duplicate']} already there, {p['rejected']} rejected; "
            f"pulled {q['events']} event(s) touching {len(q['incidents'])} incident(s); "
            f"outbox {report['outbox']}"
        )
        if report["new_dead_letters"]:
            text += (
                f"\n{report['new_dead_letters']} event(s) set aside as dead letters; "
                "see `incident-console sync status`"
            )
        ctx.emit(report, text)
        return 1 if report["new_dead_letters"] else 0
    return _sync_forever(ctx)


def _sync_forever(ctx) -> int:
    from console.sync import credentials
    from console.sync.worker import SyncWorker

    remote = _configured_remote(ctx)
    credentials.require_token(remote)  # fail now, in one line, not in a thread

    def show(status) -> None:
        if ctx.args.json:
            import json

            print(json.dumps(status.to_dict(), sort_keys=True), flush=True)
        else:
            extra = f" — {status.error}" if status.error and status.state != "connected" else ""
            print(f"{status.text()}{extra}", flush=True)

    worker = SyncWorker(ctx.db_path, ctx.org, actor=ctx.actor, on_status=show)
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop()
    return 0


def cmd_sync_status(ctx) -> int:
    from console.store import sync_state as state
    from console.sync import credentials
    from console.sync.client import Refused, SyncError

    data = state.summary(ctx.store.conn)
    remote = data["remote"]
    data["token"] = credentials.token_source(remote) if remote else None
    data["dead_letter_list"] = state.dead_letters(ctx.store.conn, limit=20)
    connection, detail = ("not configured", None) if not remote else ("not checked", None)
    if remote and not ctx.args.no_probe:
        from console.sync.client import SyncClient

        token = None
        try:
            token = credentials.token_for(remote)
        except credentials.CredentialError as exc:
            detail = str(exc)
        client = SyncClient(ctx.service, remote, token or "-", max_attempts=1, timeout=3.0)
        try:
            client.health()
            if not token:
                connection, detail = "reachable (no token)", detail
            else:
                reply = client.peek(data["cursor"])
                connection = "connected"
                if isinstance(reply, dict) and isinstance(reply.get("head"), int):
                    data["server_head"] = reply["head"]
                    same = reply.get("log_id") == data["log_id"]
                    data["behind"] = (
                        max(0, reply["head"] - data["cursor"]) if same else reply["head"]
                    )
        except Refused as exc:
            connection, detail = "unauthorized", str(exc)
        except SyncError as exc:
            connection, detail = ("offline" if exc.retryable else "error"), str(exc)
        finally:
            client.close()
    data["connection"], data["connection_detail"] = connection, detail
    if ctx.args.json:
        ctx.emit(data)
        return 0
    err = data["last_error"]
    lines = [
        f"remote        {remote or '— (local only; `incident-console remote add URL`)'}",
        f"connection    {connection}" + (f" — {detail}" if detail else ""),
        f"token         {data['token'] or '—'}",
        f"outbox        {data['outbox']} event(s) waiting to be pushed",
        f"last sync     {data['last_sync'] or 'never'}"
        + (
            f"   (server has {data['behind']} event(s) not pulled yet)"
            if data.get("behind")
            else ""
        ),
    ]
    join = data["join"]
    if join:
        if join["history_complete"]:
            lines.append(
                f"history       complete (joined with {join['incidents']} open incident(s) first)"
            )
        else:
            lines.append(
                f"history       arriving: {data['cursor']:,} of {join['upto']:,} event(s) pulled "
                f"(the {join['incidents']} open incident(s) came first; "
                "`incident-console sync` fetches the rest)"
            )
    if err:
        lines.append(f"last error    {err['at']}: {err['error']}")
    lines.append(f"dead letters  {data['dead_letters']}")
    for d in data["dead_letter_list"]:
        lines.append(
            f"  {d['at']}  {d['incident_id'] or '?'}  {d['kind'] or '?'}  {d['event_id'] or '?'}  "
            f"{d['direction']}: {d['reason']}"
        )
    if data["dead_letters"]:
        lines.append("  (`incident-console sync retry` puts refused events back in the outbox)")
    print("\n".join(lines))
    return 0


# ------------------------------------------------------------------ serve


def cmd_serve(ctx) -> int:
    try:
        from console.sync import server
    except ImportError as exc:
        raise ConsoleError(
            f"the server needs the `server` extra ({exc.name} is missing): "
            "pip install 'incident-console[server]'"
        ) from None
    if not 0 <= ctx.args.port <= 65535:
        raise InputError(f"--port {ctx.args.port}: not a port number")
    if not 1 <= ctx.args.max_drift <= 86_400:
        raise InputError(f"--max-drift {ctx.args.max_drift:g}: expected 1 to 86400 seconds")
    if not 0.1 <= ctx.args.escalation_interval <= 3600:
        raise InputError("--escalation-interval: expected 0.1 to 3600 seconds")
    if not 1 <= ctx.args.lease <= 3600:
        raise InputError("--lease: expected 1 to 3600 seconds")
    from console.notify.serve import mirror_path

    mirror = ctx.args.escalation_db or mirror_path(ctx.args.server_db, ctx.args.port)
    companion = None
    if not ctx.args.no_escalation:
        org = ctx.org  # load (and validate) before the server starts

        def companion(url, token):
            # Escalation must happen when no commander has a console open.
            from console.notify.serve import start_in_serve

            return start_in_serve(
                ctx.args.server_db,
                org,
                url,
                token,
                mirror=mirror,
                interval=ctx.args.escalation_interval,
                shared_seconds=ctx.args.lease,
            )

    extra_routes = None
    if ctx.args.alerts_token_file:
        from console.alerts.serve import alerts_in_serve

        extra_routes, companion = alerts_in_serve(
            ctx.args.server_db,
            ctx.org,
            server.load_tokens(ctx.args.alerts_token_file),
            companion,
            mirror=mirror,
        )

    server.serve(
        ctx.args.host,
        ctx.args.port,
        ctx.args.server_db,
        ctx.args.token_file,
        ctx.args.certfile,
        ctx.args.keyfile,
        new_log_id=ctx.args.new_log_id,
        companion=companion,
        max_drift_seconds=ctx.args.max_drift,
        extra_routes=extra_routes,
    )
    return 0
