"""CLI verbs for the war room beyond the terminal: `web` serves the console (or, with
`--wall`, the read-only wall view) to a browser on loopback; `wall` is that view in a
terminal."""

from __future__ import annotations


def add_commands(sub, verb, parser) -> None:
    sp = verb(
        "web",
        cmd_web,
        "serve the console to a browser with textual-serve (loopback only: put an "
        "authenticating proxy in front for anyone else)",
        json_flag=False,
    )
    sp.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sp.add_argument(
        "--wall",
        action="store_true",
        help="the read-only wall view for a projector: open incidents, countdowns, updates",
    )
    verb(
        "wall",
        cmd_wall,
        "the read-only wall view: open incidents with live countdowns and the current update",
        json_flag=False,
    )


def cmd_web(ctx) -> int:
    from console.web import check_host, console_command, serve

    check_host(ctx.args.host)  # before anything is opened or printed
    if not 0 < ctx.args.port <= 65535:
        from console.model.errors import InputError

        raise InputError(f"--port {ctx.args.port}: not a port number")
    ctx.store  # noqa: B018 - a database that is not a console's is refused here, once
    command = console_command(
        ctx.db_path,
        ctx.args.org,
        ctx.actor,
        wall=ctx.args.wall,
        theme=getattr(ctx.args, "theme", None),
    )
    title = "Incident console — wall" if ctx.args.wall else "Incident console"
    print(f"serving {title} on http://{ctx.args.host}:{ctx.args.port}/", flush=True)
    serve(command, ctx.args.host, ctx.args.port, title)
    return 0


def cmd_wall(ctx) -> int:
    from console.tui.wall import WallApp

    app = WallApp(ctx.service, ctx.clock, theme=getattr(ctx.args, "theme", None))
    app.run()
    return 0
