"""The war room in a browser: `textual-serve` runs one console process per browser tab
and streams its terminal over a websocket.

textual-serve has no authentication of its own, so the console serves loopback only;
anyone reaching another address must come through an authenticating reverse proxy that
itself listens on loopback.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path

from console.model.errors import InputError

LOOPBACK_NAMES = ("localhost",)


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str) -> None:
    """Refuse any address but loopback: a console on the network would let anyone who
    reaches it declare, tick and resolve incidents."""
    if not is_loopback_host(host):
        raise InputError(
            f"web: refusing to serve on {host!r}: textual-serve has no authentication, and "
            "an open console on a network lets anyone change incidents. Serve on 127.0.0.1 "
            "and put an authenticating reverse proxy (TLS plus a login) in front of it"
        )


def console_command(
    db: Path, org: str | None, actor: str, *, wall: bool, theme: str | None = None
) -> str:
    """The command each browser tab runs: this same console on the same database."""
    argv = [sys.executable, "-m", "console", "--db", str(db), "--as", actor]
    if org:
        argv += ["--org", str(org)]
    if theme:
        argv += ["--theme", theme]
    argv.append("wall" if wall else "tui")
    return shlex.join(argv)


def serve(command: str, host: str, port: int, title: str) -> None:
    """Blocking: serve until interrupted."""
    check_host(host)
    if not 0 < port <= 65535:
        raise InputError(f"--port {port}: not a port number")
    from textual_serve.server import Server

    Server(command, host=host, port=port, title=title).serve()
