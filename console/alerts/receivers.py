"""The HTTP receivers: POST /v1/alerts/alertmanager, /v1/alerts/grafana and
/v1/alerts/pagerduty, mounted on `serve` and on `alerts listen`.

Every payload is hostile until checked: the body is read up to a limit, authenticated
before it is parsed (PagerDuty: the signature over the raw bytes), parsed as strict
JSON, and checked field by field. A refusal is a 4xx with a one-line reason and
nothing written; an answer is never a traceback.

The desk owns one database connection on one worker thread (SQLite connections stay
on their thread); handlers hand it work and await the answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.alerts import acks
from console.alerts.auth import credentials_ok, signature_ok
from console.alerts.intake import AlertIntake
from console.model.alert_payloads import (
    MAX_BODY_BYTES,
    PayloadError,
    parse_alert_group,
    parse_pager_event,
)
from console.model.alert_routes import AlertRouting, alert_routing
from console.model.clock import Clock, SystemClock, iso
from console.model.errors import ConsoleError, InputError
from console.model.org import Org

if TYPE_CHECKING:
    from console.alerts.shared import SharedIntake  # (psycopg: the `server` extra)

PREFIX = "/v1/alerts"


class AlertDesk:
    """The receivers' way to the service: one Store on one thread, an intake, and what
    to call after a write (serve nudges its sync worker to push at once)."""

    def __init__(
        self,
        db_path: str | Path,
        org: Org,
        clock: Clock | None = None,
        *,
        pagerduty_secrets: list[str] | None = None,
        after_write: Callable[[], None] | None = None,
        shared: SharedIntake | None = None,
    ):
        self.db_path = Path(db_path)
        self.org = org
        self.clock = clock
        self.routing: AlertRouting = alert_routing(org)  # refuse a broken org up front
        self.pagerduty_secrets = list(pagerduty_secrets or [])
        self.after_write = after_write
        self.shared = shared  # several serve processes on one PostgreSQL log
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-desk")
        self._intake: AlertIntake | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def _get_intake(self) -> AlertIntake:
        if self._intake is None:
            from console.service import IncidentService
            from console.store import Store

            service = IncidentService(Store(self.db_path), self.org, self.clock, "alert-bot")
            holds = self.shared.holds if self.shared is not None else None
            self._intake = AlertIntake(service, self.routing, holds)
        return self._intake

    def call(self, fn: Callable[[AlertIntake], Any]) -> Any:
        """Run `fn(intake)` on the desk's thread and wait (tests, the timer)."""
        return self._executor.submit(self._run, fn).result()

    async def acall(self, fn: Callable[[AlertIntake], Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, fn)

    def _run(self, fn: Callable[[AlertIntake], Any]) -> Any:
        intake = self._get_intake()
        if self.shared is None:
            result = fn(intake)
        else:
            result = self.shared.run(intake.service, lambda: fn(intake))
        if self.after_write is not None:
            self.after_write()
        return result

    def start_flusher(self, interval: float = 5.0) -> AlertDesk:
        """Held (flapping) changes are written once their window passes, even when no
        notification comes to trigger it."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self._executor.submit(self._flush).result()
                except Exception as exc:  # noqa: BLE001 - keep the receivers up; say why
                    print(f"incident-console alerts: flush failed: {exc}", file=sys.stderr)

        self._timer = threading.Thread(target=loop, name="alert-desk-flush", daemon=True)
        self._timer.start()
        return self

    def _flush(self) -> int:
        now = iso((self.clock or SystemClock()).now())
        if self.shared is not None and not self.shared.holds.any_due(now):
            return 0  # the shared lock (and a sync) only when there is something to write
        return self._run(lambda intake: intake.flush())

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout=5)
        if self._intake is not None:
            intake = self._intake
            self._executor.submit(intake.service.store.close)
        if self.shared is not None:
            self._executor.submit(self.shared.close)
        self._executor.shutdown(wait=True)


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class _Refused(Exception):
    def __init__(self, response: Response):
        self.response = response


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _Refused(_refuse(413, f"request body over {MAX_BODY_BYTES} bytes"))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(_refuse(413, f"request body over {MAX_BODY_BYTES} bytes"))
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json(raw: bytes, request: Request) -> Any:
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise _Refused(_refuse(415, f"expected application/json, got {ctype[:60]}"))
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(_refuse(400, f"malformed JSON: {str(exc)[:200]}")) from None
    except RecursionError:
        raise _Refused(_refuse(400, "malformed JSON: nested too deeply")) from None


async def _apply(desk: AlertDesk, fn: Callable[[AlertIntake], Any]) -> Response:
    try:
        result = await desk.acall(fn)
    except InputError as exc:  # the payload fits its shape but not our log (a limit)
        return _refuse(422, str(exc)[:500])
    except ConsoleError as exc:  # a busy database: the sender retries
        return _refuse(503, str(exc)[:500], {"Retry-After": "5"})
    return JSONResponse(result if isinstance(result, dict) else result.to_dict())


def receiver_routes(desk: AlertDesk, tokens: list[str], prefix: str = PREFIX) -> list[Route]:
    secrets = [t.encode("utf-8") for t in tokens]

    def monitoring(source: str):
        async def receive(request: Request) -> Response:
            if not credentials_ok(request.headers.get("authorization", ""), secrets):
                return _refuse(
                    401,
                    "missing or invalid credentials (bearer token or basic-auth password)",
                    {"WWW-Authenticate": 'Bearer, Basic realm="incident-console"'},
                )
            try:
                data = _json(await _read_body(request), request)
            except _Refused as refused:
                return refused.response
            try:
                group = parse_alert_group(data, source)
            except PayloadError as exc:
                return _refuse(422, f"not a {source} webhook: {exc}")
            return await _apply(desk, lambda intake: intake.receive(group).to_dict())

        return receive

    async def pagerduty(request: Request) -> Response:
        try:
            raw = await _read_body(request)
        except _Refused as refused:
            return refused.response
        if not desk.pagerduty_secrets:
            return _refuse(
                401, "no PagerDuty signing secret is configured ([alerts] pagerduty_secret)"
            )
        if not signature_ok(
            raw, request.headers.get("x-pagerduty-signature"), desk.pagerduty_secrets
        ):
            return _refuse(401, "missing or invalid X-PagerDuty-Signature")
        try:
            data = _json(raw, request)
            ev = parse_pager_event(data)
        except _Refused as refused:
            return refused.response
        except PayloadError as exc:
            return _refuse(422, f"not a PagerDuty v3 webhook: {exc}")
        return await _apply(desk, lambda intake: acks.handle(intake.service, ev))

    return [
        Route(f"{prefix}/alertmanager", monitoring("alertmanager"), methods=["POST"]),
        Route(f"{prefix}/grafana", monitoring("grafana"), methods=["POST"]),
        Route(f"{prefix}/pagerduty", pagerduty, methods=["POST"]),
    ]


def pagerduty_secrets(routing: AlertRouting) -> list[str]:
    """The signing secrets the org names, from the keyring (or the environment)."""
    from console.notify import secrets

    values = []
    for name in routing.settings.pagerduty_secrets:
        value = secrets.get(name)
        if value:
            values.append(value)
        else:
            print(
                f"incident-console alerts: PagerDuty signing secret {name!r} is not set; "
                f"store it with `incident-console secret set {name}`",
                file=sys.stderr,
            )
    return values
