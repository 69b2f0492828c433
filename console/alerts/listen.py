"""`incident-console alerts listen`: the receivers on their own, for a console that
has no server. They write into this console's database (its sync, if any, shares it)."""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.alerts.receivers import AlertDesk, receiver_routes

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def create_app(desk: AlertDesk, tokens: list[str]) -> Starlette:
    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        print(f"incident-console alerts: internal error: {exc!r}", file=sys.stderr)
        return JSONResponse({"error": "internal server error"}, status_code=500)

    app = Starlette(
        routes=[*receiver_routes(desk, tokens), Route("/v1/health", health, methods=["GET"])],
        exception_handlers={HTTPException: on_http, Exception: on_crash},
    )
    # what console.sync.server's runner releases on shutdown: here no long-poll waits
    app.state.closing = False
    app.state.signal = _NoLongPolls()
    return app


class _NoLongPolls:
    def fire(self) -> None:
        pass


def listen(
    desk: AlertDesk,
    tokens: list[str],
    host: str,
    port: int,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> None:
    import uvicorn

    scheme = "https" if certfile else "http"
    print(
        f"incident-console alerts: listening on {scheme}://{host}:{port}/v1/alerts/"
        "{alertmanager,grafana,pagerduty}",
        file=sys.stderr,
    )
    if host not in LOOPBACK and not certfile:
        print(
            "incident-console alerts: warning: plain http on a non-loopback address; "
            "credentials would travel unencrypted (use --certfile/--keyfile or a TLS proxy)",
            file=sys.stderr,
        )
    desk.start_flusher()
    try:
        uvicorn.run(
            create_app(desk, tokens),
            host=host,
            port=port,
            log_level="warning",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            timeout_graceful_shutdown=3,
        )
    finally:
        desk.close()
