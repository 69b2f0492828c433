"""The reference remote: a Starlette app keeping the global event log in SQLite (one
process) or PostgreSQL (several).

On SQLite, a push is checked and its rows packed on the event loop, and appended on a
writer thread with a connection of its own (SqliteAppends; a push is answered once its
commit is done), so neither the insert nor the fsync stops pulls (read on the loop,
WAL) or the checks of the next push; a long-poll is an asyncio wait that costs nothing
while it waits. Nothing is written for a request that fails authentication or whose
envelope is malformed; single bad events are `rejected`.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hmac
import json
import sqlite3
import sys
import threading
import time
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.model.errors import InputError
from console.model.hlc import MAX_DRIFT_MS
from console.store.server_log import (
    Batch,
    Item,
    LogStorage,
    Outcome,
    Prepared,
    SqliteLog,
    StorageUnavailable,
    open_log,
    pulled,
)
from console.sync import protocol as wire

if TYPE_CHECKING:
    import uvicorn

MIN_TOKEN_CHARS = 16


def received_now() -> str:
    """The received_at of an append."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Checked:
    """A push after its checks: `batch`, the events to append; `problems`, why the others
    (by index in `events`) are refused."""

    events: list[Any]
    batch: Batch
    problems: dict[int, str]

    def results(self, outcome: Outcome | None) -> list[dict[str, Any]]:
        """A result per pushed event, in order, once `outcome` (the batch's append; None
        when there was nothing to append) is committed."""
        if outcome is None:
            outcome = Outcome([], [])
        statuses = outcome.statuses or ["accepted"] * self.batch.size
        done = [
            {"event_id": eid, "status": status, "server_seq": seq}
            if status != "mismatch"
            else _mismatch(eid, seq)
            for eid, status, seq in zip(self.batch.event_ids, statuses, outcome.seqs, strict=True)
        ]
        if not self.problems:
            return done
        out: list[dict[str, Any]] = []
        pending = iter(done)
        for i, raw in enumerate(self.events):
            problem = self.problems.get(i)
            if problem is None:
                out.append(next(pending))
                continue
            if isinstance(raw, wire.WireEvent):
                eid: Any = raw.event_id
            else:
                eid = raw.get("event_id") if isinstance(raw, dict) else None
            out.append(
                {
                    "event_id": eid if isinstance(eid, str) else None,
                    "status": "rejected",
                    "server_seq": None,
                    "error": problem,
                }
            )
        return out


class ServerLog:
    """The global, append-only log: the server's checks in front of a storage backend
    (console/store: SQLite by default, PostgreSQL for a postgresql:// URL). server_seq is
    the cursor; log_id names this log."""

    def __init__(self, target: str | Path, max_drift_seconds: float = MAX_DRIFT_MS / 1000):
        self.storage: LogStorage = open_log(target)
        self.max_drift_ms = int(max_drift_seconds * 1000)

    @property
    def backend(self) -> str:
        return self.storage.backend

    @property
    def threaded(self) -> bool:
        return self.storage.threaded

    @property
    def log_id(self) -> str:
        return self.storage.log_id

    @property
    def path(self) -> str:
        """Where the log lives (a file path, or the database URL without its password)."""
        return self.storage.describe()

    @property
    def conn(self) -> sqlite3.Connection:
        """The SQLite connection (tests look at the file through it)."""
        if not isinstance(self.storage, SqliteLog):
            raise AttributeError("conn: only a SQLite log has one connection")
        return self.storage.conn

    def close(self) -> None:
        self.storage.close()

    def head(self) -> int:
        return self.storage.head()

    def count(self) -> int:
        return self.storage.count()

    def rows(self) -> list[tuple[int, str, str]]:
        """(server_seq, event_id, payload) of every stored event, in order."""
        return self.storage.rows()

    def push(self, events: list[Any], client_id: str) -> list[dict[str, Any]]:
        """Validate and append; one transaction; a result per event, in order. Events are
        plain JSON values, or WireEvents that decode_push already shape-checked."""
        checked = self.check(events)
        if not checked.batch.size:
            return checked.results(None)
        return checked.results(self.storage.append(checked.batch, client_id, received_now()))

    def check(self, events: list[Any]) -> Checked:
        """The push's checks, before anything is written: what to append, what is refused."""
        now_ms = time.time_ns() // 1_000_000
        if all(isinstance(raw, wire.WireEvent) for raw in events):
            texts, problems = wire.check_pushed(events, now_ms, self.max_drift_ms)
            kept = events
            if problems:  # a refused event is not appended
                kept = [e for i, e in enumerate(events) if i not in problems]
                texts = [t for i, t in enumerate(texts) if i not in problems]
            batch = Batch(
                [e.event_id for e in kept],
                [e.incident_id for e in kept],
                [e.kind for e in kept],
                texts,
            )
        else:
            batch, problems = self._checked_plain(events, now_ms)
        return Checked(events, batch, problems)

    def _checked_plain(self, events: list[Any], now_ms: int) -> tuple[Batch, dict[int, str]]:
        """The events to append, and why the others are refused (by index)."""
        items: list[Item] = []
        problems: dict[int, str] = {}
        for i, raw in enumerate(events):
            problem, text = wire.check_event(raw)
            if problem is None:
                problem = wire.stamp_problem(raw, now_ms, self.max_drift_ms)
            if problem is not None:
                problems[i] = problem
                continue
            assert text is not None  # check_event gives the text whenever it finds no problem
            items.append(Item(raw["event_id"], raw["incident_id"], raw["kind"], text))
        return Batch.of(items), problems

    def event_at(self, seq: int) -> str | None:
        return self.storage.event_at(seq)

    def rotate_log_id(self) -> str:
        """After restoring the log from a backup: clients then start over against it."""
        return self.storage.rotate_log_id()

    def page(self, after: int, limit: int) -> tuple[list[tuple[int, str]], int]:
        return self.storage.page(after, limit)

    def pull_body(self, after: int, limit: int) -> tuple[bytes, int]:
        """The pull reply as bytes, assembled from the stored canonical text (no re-encoding)."""
        page = self.storage.page_text(after, limit)
        text = (
            f'{{"protocol":{wire.PROTOCOL},"log_id":{json.dumps(self.log_id)},'
            f'"events":[{page.events}],"next":{page.last},"head":{page.head},'
            f'"has_more":{"true" if page.has_more else "false"}}}'
        )
        return text.encode("utf-8"), page.size

    def open_body(self, after: int, upto: int | None, limit: int) -> tuple[bytes, int]:
        """A page of every event of the incidents open now (server_seq in (after, upto]),
        as bytes from the stored canonical text, like a pull."""
        page = self.storage.open_page(after, upto, limit)
        more = len(page.rows) > limit
        rows = page.rows[:limit]
        nxt = rows[-1][0] if rows else after
        events = pulled(rows)
        text = (
            f'{{"protocol":{wire.PROTOCOL},"log_id":{json.dumps(self.log_id)},"events":[{events}],'
            f'"next":{nxt},"head":{page.upto},"upto":{page.upto},"incidents":{page.incidents},'
            f'"has_more":{"true" if more else "false"}}}'
        )
        return text.encode("utf-8"), len(rows)


class SqliteAppends:
    """Pushes' appends to a SQLite log, on a writer thread of their own, in as few
    transactions as keep up with them (group commit): a transaction takes in the pushes
    waiting when it begins, up to GROUP_PUSHES of them and GROUP_EVENTS events, and one
    commit (one fsync) answers them all. The event loop only checks a push and packs its
    rows; the thread runs each transaction from BEGIN to COMMIT, every step one statement
    run in C without the interpreter lock, and hands the outcomes back to the loop."""

    def __init__(self) -> None:
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="incident-console-log-writer")
        self.waiting: deque[tuple[SqliteLog, Prepared, asyncio.Future[Outcome]]] = deque()
        self.draining = False
        self.turn = threading.Lock()  # `waiting` and `draining`, between the loop and the thread

    async def append(self, storage: SqliteLog, prepared: Prepared) -> Outcome:
        """The batch's outcome once committed; written to the end even for a request
        no longer waiting for it."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome] = loop.create_future()
        with self.turn:
            self.waiting.append((storage, prepared, done))
            start, self.draining = not self.draining, True
        if start:
            self.writer.submit(self._drain, loop)
        return await asyncio.shield(done)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the writer thread: a transaction at a time until nothing waits."""
        try:
            self._transactions(loop)
        except BaseException:
            with self.turn:  # the next push starts the thread again
                self.draining = False
            raise

    def _transactions(self, loop: asyncio.AbstractEventLoop) -> None:
        while group := self._next_group():
            storage = group[0][0]
            answers = [done for _, _, done in group]
            try:
                outcomes = storage.append_batches([prepared for _, prepared, _ in group])
            except Exception as exc:  # noqa: BLE001 - every push of the group is told
                loop.call_soon_threadsafe(_answer, answers, exc)
                continue
            loop.call_soon_threadsafe(_answer, answers, outcomes)

    def _next_group(self) -> list[tuple[SqliteLog, Prepared, asyncio.Future[Outcome]]]:
        """The pushes for the next transaction (one log's: a test may swap the log), or
        none, and then the thread is done until the next push starts it again."""
        with self.turn:
            group: list[tuple[SqliteLog, Prepared, asyncio.Future[Outcome]]] = []
            events = 0
            while (
                self.waiting
                and (not group or self.waiting[0][0] is group[0][0])
                and events < GROUP_EVENTS
                and len(group) < GROUP_PUSHES
            ):
                group.append(self.waiting.popleft())
                events += group[-1][1].batch.size
            self.draining = bool(group)
            return group


def _answer(answers: list[asyncio.Future[Outcome]], outcomes: list[Outcome] | Exception) -> None:
    """On the loop: each push's outcome, or the error that failed them all."""
    for i, done in enumerate(answers):
        if done.done():
            continue
        if isinstance(outcomes, Exception):
            done.set_exception(outcomes)
        else:
            done.set_result(outcomes[i])


def _mismatch(event_id: str, seq: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "status": "rejected",
        "server_seq": None,
        "error": f"idempotency mismatch: event {event_id} is already "
        f"stored (server_seq {seq}) with a different body",
    }


class _Signal:
    """Wakes long-polls when the log grows. Lives on the event loop."""

    def __init__(self):
        self._event: asyncio.Event | None = None

    def current(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None


_reply_encoder = msgspec.json.Encoder()

# The most one SQLite transaction takes in from waiting pushes (SqliteAppends): the
# first push's answer waits for the last push's rows.
GROUP_EVENTS = 4 * wire.MAX_BATCH
GROUP_PUSHES = 64


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


async def _disconnected(request: Request) -> None:
    """Returns when the client hangs up (a long-poll need not outlive its caller)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


class Problem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def load_tokens(path: str | Path) -> list[str]:
    """Bearer tokens, one a line ('#' comments and blank lines ignored)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the token file ({exc})") from None
    tokens = []
    for number, line in enumerate(text.splitlines(), 1):
        token = line.strip()
        if not token or token.startswith("#"):
            continue
        if any(ch.isspace() for ch in token):
            raise InputError(f"{path}:{number}: a token must not contain spaces")
        if len(token) < MIN_TOKEN_CHARS:
            raise InputError(
                f"{path}:{number}: token shorter than {MIN_TOKEN_CHARS} characters; make one "
                "with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        tokens.append(token)
    if not tokens:
        raise InputError(f"{path}: no token in the token file (one per line)")
    return tokens


@functools.cache
def api_description() -> bytes:
    """console/sync/openapi.json, as shipped (made by console/sync/openapi.py)."""
    return resources.files("console.sync").joinpath("openapi.json").read_bytes()


def create_app(log: ServerLog, tokens: list[str], extra_routes: list | None = None) -> Starlette:
    """The ASGI app. The log is read from app.state at each request (a test may swap it).
    `extra_routes` mount beside the sync API (the alert receivers, with their own auth)."""
    secrets = [t.encode("utf-8") for t in tokens]
    signal = _Signal()

    async def call(log: ServerLog, fn, *args):
        """A backend that blocks on the network runs on a worker thread; the SQLite file,
        one connection, stays on the event loop (which serialises its writes)."""
        if log.threaded:
            return await run_in_threadpool(fn, *args)
        return fn(*args)

    appends = SqliteAppends()

    async def append(log: ServerLog, events: list[Any], client_id: str) -> list[dict[str, Any]]:
        """log.push, answered only once its commit is done, wherever it runs."""
        storage = log.storage
        if not isinstance(storage, SqliteLog):
            return await call(log, log.push, events, client_id)
        checked = log.check(events)
        if not checked.batch.size:
            return checked.results(None)
        prepared = storage.prepare(checked.batch, client_id, received_now())
        return checked.results(await appends.append(storage, prepared))

    subscribed: weakref.WeakSet[LogStorage] = weakref.WeakSet()

    def listening(log: ServerLog) -> None:
        """Pushes on other processes (a shared database) wake this one's long-polls."""
        if log.storage in subscribed:
            return
        subscribed.add(log.storage)
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(signal.fire)

        log.storage.listen(wake)

    def authorize(request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        ok = False
        if scheme.lower() == "bearer" and given:
            raw = given.strip().encode("utf-8")
            for secret in secrets:  # compare with every token: timing says nothing
                ok |= hmac.compare_digest(raw, secret)
        if not ok:
            raise Problem(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > wire.MAX_BODY_BYTES):
            raise Problem(413, f"request body over {wire.MAX_BODY_BYTES} bytes")
        ctype = (
            request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        )
        if ctype != "application/json":
            raise Problem(415, f"expected application/json, got {ctype}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > wire.MAX_BODY_BYTES:
                raise Problem(413, f"request body over {wire.MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def parse_json(body: bytes) -> Any:
        try:
            return json.loads(body, parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(400, f"malformed JSON: {exc}") from None
        except RecursionError:
            raise Problem(400, "malformed JSON: nested too deeply") from None

    async def push(request: Request) -> Response:
        authorize(request)
        body = await read_body(request)
        typed = wire.decode_push(body)  # a well-formed push: decoded and shape-checked in C
        if typed is not None:
            events: list[Any] = typed.events
            client_id = typed.client_id
        else:  # anything else: the plain way, which says what is wrong
            data = parse_json(body)
            problem = wire.push_problem(data)
            if problem:
                too_many = (
                    isinstance(data, dict)
                    and isinstance(data.get("events"), list)
                    and len(data["events"]) > wire.MAX_BATCH
                )
                raise Problem(413 if too_many else 400, problem)
            events, client_id = data["events"], data["client_id"]
        log: ServerLog = request.app.state.log
        results = await append(log, events, client_id)
        if any(r["status"] == "accepted" for r in results):
            signal.fire()
        stored = any(r["status"] != "rejected" for r in results)
        status = 422 if results and not stored else 200
        return Response(
            _reply_encoder.encode(
                {"protocol": wire.PROTOCOL, "log_id": log.log_id, "results": results}
            ),
            status_code=status,
            media_type="application/json",
        )

    async def pull(request: Request) -> Response:
        authorize(request)
        try:
            after, limit, wait, after_id = wire.pull_params(dict(request.query_params))
        except wire.ProtocolError as exc:
            raise Problem(400, str(exc)) from None
        log: ServerLog = request.app.state.log
        listening(log)
        if after and after_id and await call(log, log.event_at, after) != after_id:
            return JSONResponse(
                {
                    "error": f"this log does not hold event {after_id} at {after} "
                    "(restored or rewritten); pull from 0",
                    "log_id": log.log_id,
                },
                status_code=409,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        gone: asyncio.Task | None = None
        try:
            while True:
                waiter = signal.current()
                body, count = await call(log, log.pull_body, after, limit)
                remaining = deadline - loop.time()
                if count or remaining <= 0 or request.app.state.closing:
                    return Response(body, media_type="application/json")
                if gone is None:
                    gone = asyncio.ensure_future(_disconnected(request))
                woken = asyncio.ensure_future(waiter.wait())
                await asyncio.wait(
                    {woken, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                woken.cancel()
                if gone.done():  # the client went away: nobody to answer
                    return Response(status_code=204)
        finally:
            if gone is not None:
                gone.cancel()

    async def open_incidents(request: Request) -> Response:
        """A joining console's first look: the open incidents' events up to a head."""
        authorize(request)
        try:
            after, upto, limit = wire.open_params(dict(request.query_params))
        except wire.ProtocolError as exc:
            raise Problem(400, str(exc)) from None
        log: ServerLog = request.app.state.log
        body, _count = await call(log, log.open_body, after, upto, limit)
        return Response(body, media_type="application/json")

    async def echo(request: Request) -> Response:
        """A transport-only baseline: same auth and body limit, no work."""
        authorize(request)
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > wire.MAX_BODY_BYTES:
                raise Problem(413, f"request body over {wire.MAX_BODY_BYTES} bytes")
        return JSONResponse({"ok": True, "bytes": size})

    async def health(request: Request) -> Response:
        """For a load balancer: 503 when this process cannot reach its log."""
        log: ServerLog = request.app.state.log
        reachable = bool(await call(log, log.storage.reachable))
        return JSONResponse(
            {
                "ok": reachable,
                "protocol": wire.PROTOCOL,
                "backend": log.backend,
                "reachable": reachable,
            },
            status_code=200 if reachable else 503,
        )

    async def openapi(request: Request) -> Response:
        """The API's description: public, like any API description (no token)."""
        return Response(api_description(), media_type="application/json")

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        print(f"incident-console serve: log unavailable: {exc}", file=sys.stderr)
        return JSONResponse(
            {"error": "the server's database is unavailable; retry shortly"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    async def on_crash(request: Request, exc: Exception) -> Response:
        print(f"incident-console serve: internal error: {exc!r}", file=sys.stderr)
        return JSONResponse({"error": "internal server error"}, status_code=500)

    app = Starlette(
        routes=[
            Route("/v1/push", push, methods=["POST"]),
            Route("/v1/pull", pull, methods=["GET"]),
            Route("/v1/open", open_incidents, methods=["GET"]),
            Route("/v1/echo", echo, methods=["POST"]),
            Route("/v1/health", health, methods=["GET"]),
            Route("/v1/openapi.json", openapi, methods=["GET"]),
            *(extra_routes or []),
        ],
        exception_handlers={
            Problem: on_problem,
            HTTPException: on_http,
            StorageUnavailable: on_unavailable,
            Exception: on_crash,
        },
    )
    app.state.log = log
    app.state.signal = signal
    app.state.closing = False
    return app


def _server(config: uvicorn.Config, app: Starlette) -> uvicorn.Server:
    """A uvicorn Server (serving `app`, the one `config` names) that releases waiting
    long-polls when asked to shut down."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None):
            app.state.closing = True
            app.state.signal.fire()
            await super().shutdown(sockets)

    return Server(config)


# ------------------------------------------------------------------ running it


@dataclass
class RunningServer:
    """A uvicorn server on a background thread (tests, the benchmark)."""

    server: Any
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = _server(config, app)
    thread = threading.Thread(target=server.run, name="incident-console-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sync server did not start")
        time.sleep(0.01)
    sock = server.servers[0].sockets[0]
    bound_port = sock.getsockname()[1]
    return RunningServer(server, thread, f"http://{host}:{bound_port}")


def serve(
    host: str,
    port: int,
    db: str,
    token_file: str,
    certfile: str | None = None,
    keyfile: str | None = None,
    new_log_id: bool = False,
    companion=None,
    max_drift_seconds: float = MAX_DRIFT_MS / 1000,
    extra_routes: list | None = None,
) -> None:
    """`companion(url, token)` starts something beside the server (the escalation runner)
    and returns a handle with .stop(); it talks to the server over its own API."""
    import uvicorn

    tokens = load_tokens(token_file)
    log = ServerLog(db, max_drift_seconds)
    if new_log_id:
        log.rotate_log_id()
    scheme = "https" if certfile else "http"
    print(
        f"incident-console serve: {scheme}://{host}:{port}  log {log.path} ({log.count()} events, "
        f"log id {log.log_id[:8]}), {len(tokens)} token(s)",
        file=sys.stderr,
    )
    if not certfile and host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "incident-console serve: warning: plain http on a non-loopback address; clients require "
            "https there (use --certfile/--keyfile or a TLS proxy)",
            file=sys.stderr,
        )
    app = create_app(log, tokens, extra_routes)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=3,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
    handle = None
    if companion is not None:
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        handle = companion(f"{scheme}://{local}:{port}", tokens[0])
    # A push of thousands of events allocates objects by the hundred thousand, and each
    # full garbage collection then walks everything the imports left behind (~50 ms):
    # park those in the permanent generation, and collect the young one less often.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    # The SQLite writer thread wants the interpreter lock back after each statement it
    # runs in C; with the default 5 ms between switches the loop could keep it that long.
    sys.setswitchinterval(0.0005)
    try:
        _server(config, app).run()
    finally:
        if handle is not None:
            handle.stop()
        log.close()
