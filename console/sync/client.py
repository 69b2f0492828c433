"""The sync engine (httpx): push the outbox, pull the server log from a cursor.

Safe to interrupt anywhere: a pushed batch counts only once its reply is stored
(a lost reply is re-sent and comes back `duplicate`), and a pulled page is applied
in the same transaction that advances the cursor, so a page is applied once or
not at all. Retries back off exponentially with jitter and honour Retry-After.
"""

from __future__ import annotations

import ipaddress
import json
import random as _random
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from console import __version__
from console.model import backoff
from console.model.clock import Clock, SystemClock, iso
from console.model.errors import ConsoleError, InputError
from console.model.events import Event
from console.service import IncidentService
from console.store import sync_state as state
from console.sync import protocol as wire


class SyncError(ConsoleError):
    """The exchange failed; nothing recorded was lost. `retryable` says whether waiting helps."""

    retryable = False

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(SyncError):
    """Network trouble, timeouts, 429 and 5xx: try again later."""

    retryable = True


class Refused(SyncError):
    """401/403: the token is missing, wrong or revoked."""


class TooLarge(SyncError):
    """413: the server wants smaller batches."""


class CursorMismatch(SyncError):
    """409 on pull: the event at our cursor is not the one we saw there; start over."""

    def __init__(self, message: str, log_id: str):
        super().__init__(message)
        self.log_id = log_id


class NoOpenEndpoint(SyncError):
    """404 on /v1/open: a server older than joining; a plain pull does the same job."""


# ------------------------------------------------------------------ remote URL


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_remote(url: str) -> str:
    """A remote base URL: https, or http only on loopback; no credentials in it."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not a remote URL: {url!r} (expected e.g. https://warroom.example.com)")
    if parts.username or parts.password:
        raise InputError(
            "put no credentials in the URL; run `incident-console login` to store the token"
        )
    if parts.query or parts.fragment:
        raise InputError(f"the remote URL must not have a query or fragment: {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InputError(
            f"{url}: https is required for a remote that is not on this machine "
            "(plain http is only allowed for 127.0.0.1, ::1 and localhost)"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


# ------------------------------------------------------------------ backoff


# A pulled stamp further ahead of this console's clock is quarantined: the server already
# refuses pushes beyond its drift limit, so only a hostile or broken server sends these,
# and a day leaves room for honestly wrong clocks.
PULL_MAX_AHEAD_MS = 24 * 3600 * 1000
SYNC_BACKOFF = backoff.Backoff(base=0.5, cap=30.0, retry_after_cap=300.0, retry_after_spread=0.1)


@dataclass
class Backoff:
    """The shared backoff with full jitter drawn from `random`, so consoles that lost
    the server together do not all return together."""

    random: Callable[[], float] = _random.random
    timing: backoff.Backoff = SYNC_BACKOFF

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        return self.timing.delay(attempt, self.random(), retry_after)


# ------------------------------------------------------------------ reports


@dataclass
class PushReport:
    batches: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0


@dataclass
class PullReport:
    pages: int = 0
    received: int = 0
    touched: list[str] = field(default_factory=list)
    resets: int = 0


@dataclass
class Page:
    received: int
    has_more: bool
    touched: list[str]
    reset: bool = False


@dataclass
class JoinReport:
    """What a join brought: the open incidents' events up to `upto`, the server's head
    then. `supported` False: an older server without /v1/open (pull instead)."""

    supported: bool = True
    pages: int = 0
    received: int = 0
    incidents: int = 0
    upto: int = 0
    log_id: str | None = None
    touched: list[str] = field(default_factory=list)


class _Stale(Exception):
    """The cursor moved while a page was in flight: drop the page, fetch again."""


# ------------------------------------------------------------------ the engine


# Pushes of a long outbox on their way at once: the server stores one while the console
# reads and sends the next and records the one before.
PUSHES_IN_FLIGHT = 2


class SyncClient:
    """One console's conversation with one remote. Not thread-safe: one per thread,
    each with its own Store (SQLite connections must not cross threads); push_all
    sends from helper threads of its own, which touch only the HTTP client."""

    def __init__(
        self,
        service: IncidentService,
        remote: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        max_attempts: int = 5,
        batch_size: int = wire.MAX_BATCH,
        page_size: int = wire.MAX_BATCH,
        sleep: Callable[[float], Any] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Clock | None = None,
        catch_up_pages: int = 10,
    ):
        self.service = service
        self.store = service.store
        self.remote = remote
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.batch_size = max(1, min(batch_size, wire.MAX_BATCH))
        self.page_size = max(1, min(page_size, wire.MAX_BATCH))
        self.catch_up_pages = max(1, catch_up_pages)
        self.sleep = sleep
        self.backoff = Backoff(random=random)
        self.clock = clock or SystemClock()
        self.client_id = self.store.device_id()
        self.http = httpx.Client(
            base_url=remote,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"incident-console/{__version__}",
                "Accept": "application/json",
            },
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _now(self) -> str:
        return iso(self.clock.now())

    # -------------------------------------------------------------- HTTP

    def _request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: dict | None = None,
        timeout: float | None = None,
    ) -> Any:
        """One request; a JSON reply or a SyncError saying plainly what happened."""
        where = f"{self.remote}{path}"
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            resp = self.http.request(
                method,
                path,
                content=content,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException:
            raise Unreachable(f"{where}: timed out") from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise Unreachable(f"cannot reach {self.remote}: {reason}") from None
        status = resp.status_code
        if status == 429 or status >= 500:
            raise Unreachable(
                f"{where}: server answered {status} {resp.reason_phrase}",
                backoff.parse_retry_after(resp.headers.get("retry-after"), datetime.now(UTC)),
            )
        if status in (401, 403):
            raise Refused(
                f"{self.remote} refused the token ({status}); run `incident-console login` "
                "or check INCIDENT_CONSOLE_TOKEN"
            )
        if status == 413:
            raise TooLarge(f"{where}: request too large (413)")
        if status == 404 and path == "/v1/open":  # (whatever the body: a proxy's page too)
            raise NoOpenEndpoint(f"{where}: this server has no open-incidents endpoint")
        data = self._json(resp, where)
        if (
            status == 409
            and path == "/v1/pull"
            and isinstance(data, dict)
            and isinstance(data.get("log_id"), str)
        ):
            raise CursorMismatch(f"{where}: {data.get('error')}", data["log_id"])
        if status >= 400 and not (status == 422 and path == "/v1/push"):
            detail = data.get("error") if isinstance(data, dict) else None
            raise SyncError(f"{where}: {status} {detail or resp.reason_phrase}")
        return data

    @staticmethod
    def _json(resp: httpx.Response, where: str) -> Any:
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if ctype != "application/json":
                raise ValueError(ctype or "no content type")
            try:  # in C, a 5,000-event page in ~5 ms where json.loads takes ~25
                return msgspec.json.decode(resp.content)
            except msgspec.DecodeError:
                # What it refuses (a lone surrogate, NaN, a number past 64 bits, UTF-16)
                # json.loads may take: then the checks of each event say what is wrong
                # with it, and the rest of the page is applied.
                return json.loads(resp.content)
        except (ValueError, RecursionError):
            head = resp.text[:60].replace("\n", " ").strip()
            raise SyncError(
                f"{where}: the server answered {resp.status_code} with "
                f"{ctype or 'unknown content'} instead of JSON ({head!r}…); is the remote "
                "URL right, or is a proxy or captive portal in the way?"
            ) from None

    def _call(self, method: str, path: str, **kw) -> Any:
        """_request with retries for what waiting can fix."""
        for attempt in range(self.max_attempts):
            try:
                return self._request(method, path, **kw)
            except SyncError as exc:
                if not exc.retryable or attempt + 1 >= self.max_attempts:
                    raise
                self.sleep(self.backoff.delay(attempt, exc.retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def health(self, timeout: float = 3.0) -> dict:
        return self._request("GET", "/v1/health", timeout=timeout)

    def peek(self, after: int) -> dict:
        """One authenticated look at the log (checks the token; tells how far behind we are)."""
        return self._request("GET", "/v1/pull", params={"after": after, "limit": 1})

    # -------------------------------------------------------------- push

    def outbox_depth(self) -> int:
        return state.outbox_depth(self.store.conn)

    def _next_batch(self, limit: int, after: int = 0) -> tuple[list[Event], bytes | None, int]:
        """The next batch to send from past place `after` in the local log, cut to the
        body limit, and the place of its last event (or of the last one dead-lettered
        before it); locally invalid events are dead-lettered here instead of being sent."""
        conn = self.store.conn
        while True:
            rows = state.outbox(conn, limit, after)
            if not rows:
                return [], None, after
            batch: list[Event] = []
            parts: list[str] = []
            size = 200
            bad: list[tuple[dict[str, Any], str]] = []
            raws = [ev.to_dict() for _, ev in rows]
            last = after
            for (place, ev), raw, (problem, text) in zip(
                rows, raws, wire.check_events(raws), strict=True
            ):  # the canonical text is what we send
                if problem:
                    bad.append((raw, problem))
                    last = place
                    continue
                assert text is not None  # check_event gives the text whenever it finds no problem
                need = len(text.encode("utf-8")) + 1
                if batch and size + need > wire.MAX_BODY_BYTES:
                    break
                batch.append(ev)
                parts.append(text)
                size += need
                last = place
            if bad:
                with self.store.transaction() as c:
                    for raw, problem in bad:
                        state.add_dead_letter(c, raw, "push", f"not sent: {problem}", self._now())
            after = last
            if not batch:
                continue
            head = json.dumps(wire.push_request(self.client_id, []), separators=(",", ":"))
            body = head[:-2] + ",".join(parts) + "]}"
            return batch, body.encode("utf-8"), last

    def push_batch(self) -> PushReport:
        """Send one batch (shrinking it if the server says 413). Empty report when nothing waits."""
        report = PushReport()
        while True:
            batch, body, _ = self._next_batch(self.batch_size)
            if not batch or self._push_one(batch, body, report):
                return report

    def _push_one(self, batch: list[Event], body: bytes | None, report: PushReport) -> bool:
        """Send `batch` and record its results: True when done, False when the server
        wanted smaller batches (the size is cut: read the outbox again)."""
        try:
            data = self._call("POST", "/v1/push", content=body)
        except TooLarge:
            return not self._smaller(batch, report)
        self._record(batch, data, report)
        return True

    def _smaller(self, batch: list[Event], report: PushReport) -> bool:
        """After a 413 for `batch`: remember that this server wants smaller batches (first
        what every protocol-1 server takes, then halves) and say True; a single event it
        refuses is dead-lettered instead (False)."""
        if len(batch) > 1:
            smaller = wire.PROTOCOL_BATCH if len(batch) > wire.PROTOCOL_BATCH else 0
            self.batch_size = smaller or max(1, len(batch) // 2)
            return True
        with self.store.transaction() as c:
            state.add_dead_letter(
                c,
                batch[0].to_dict(),
                "push",
                "the server refused this event as too large (413)",
                self._now(),
            )
        report.rejected += 1
        return False

    def _record(self, batch: list[Event], data: Any, report: PushReport) -> None:
        """The server's reply to `batch`, stored in one transaction."""
        sent = {ev.event_id: ev for ev in batch}
        try:
            results = wire.check_push_reply(data, [ev.event_id for ev in batch])
        except wire.ProtocolError as exc:
            raise SyncError(f"{self.remote}/v1/push: {exc}") from None
        with self.store.transaction() as conn:
            state.adopt_log(conn, data["log_id"])
            if state.seq_conflict(conn, results):
                state.adopt_log(conn, data["log_id"], force=True)
            accepted, duplicate, rejected = state.record_results(conn, results, sent, self._now())
        report.batches += 1
        report.accepted += accepted
        report.duplicate += duplicate
        report.rejected += rejected

    def push_all(self) -> PushReport:
        """Everything the outbox holds. A long outbox goes PUSHES_IN_FLIGHT batches at a
        time: the next batch is read, checked and sent while the server stores this one,
        and each reply is recorded while later batches are on their way. The server may
        take them in any order, which the fold does not mind (it sorts by stamp)."""
        total = PushReport()
        while True:
            batch, body, after = self._next_batch(self.batch_size)
            if not batch:
                return total
            if len(batch) < self.batch_size:  # the rest fits in one push: nothing to overlap
                self._push_one(batch, body, total)
            else:
                self._push_on(batch, body, after, total)

    def _push_on(
        self, batch: list[Event], body: bytes | None, after: int, total: PushReport
    ) -> None:
        """push_all's long outbox, starting with `batch` (read up to place `after`)."""
        on_the_way: deque[tuple[list[Event], Future[Any]]] = deque()
        with ThreadPoolExecutor(
            PUSHES_IN_FLIGHT, thread_name_prefix="incident-console-push"
        ) as out:

            def send(batch: list[Event], body: bytes | None) -> None:
                on_the_way.append((batch, out.submit(self._call, "POST", "/v1/push", content=body)))

            send(batch, body)
            try:
                while on_the_way:
                    while len(on_the_way) < PUSHES_IN_FLIGHT:
                        batch, body, after = self._next_batch(self.batch_size, after)
                        if not batch:
                            break
                        send(batch, body)
                    batch, reply = on_the_way.popleft()
                    try:
                        data = reply.result()
                    except TooLarge:
                        self._settle(on_the_way, total)
                        self._smaller(batch, total)
                        return  # push_all reads the outbox again, in smaller batches
                    self._record(batch, data, total)
            except BaseException:
                self._settle(on_the_way, total)  # what the server took is recorded
                raise

    def _settle(
        self, on_the_way: deque[tuple[list[Event], Future[Any]]], total: PushReport
    ) -> None:
        """Wait for the batches still on their way and record those the server took; the
        others stay in the outbox for the next push."""
        while on_the_way:
            batch, reply = on_the_way.popleft()
            try:
                self._record(batch, reply.result(), total)
            except Exception:  # noqa: BLE001 - the first failure is the one reported
                continue

    # -------------------------------------------------------------- pull

    def pull_page(self, wait: float = 0.0) -> Page:
        """Fetch one page after the cursor and apply it with the cursor move, atomically."""
        before = self.cursor()
        return self.apply_page(before, self.fetch_page(before, wait))

    def cursor(self) -> state.Cursor:
        return state.cursor(self.store.conn)

    def fetch_page(self, before: state.Cursor, wait: float = 0.0) -> dict[str, Any]:
        """The network half of a pull: touches no database, so any thread may run it."""
        params: dict[str, int | float | str] = {"after": before.after}
        if self.page_size < wire.MAX_BATCH:  # else the server's own page size (older: 500)
            params["limit"] = self.page_size
        timeout = None
        if wait > 0:
            waits = min(wait, wire.MAX_WAIT_SECONDS)
            params["wait"] = waits
            timeout = self.timeout + waits
        if before.after and before.after_id:
            params["after_id"] = before.after_id
        try:
            return wire.check_pull_reply(
                self._call("GET", "/v1/pull", params=params, timeout=timeout)
            )
        except CursorMismatch as exc:
            return {
                "mismatch": True,
                "log_id": exc.log_id,
                "events": [],
                "next": 0,
                "head": 0,
                "has_more": True,
            }
        except wire.ProtocolError as exc:
            raise SyncError(f"{self.remote}/v1/pull: {exc}") from None

    def fetch_pages(self, before: state.Cursor, max_pages: int) -> tuple[dict[str, Any], int]:
        """Catching up: up to `max_pages` consecutive pages merged into one, so they are
        applied (and the touched incidents re-folded) in one transaction, not one each."""
        data = self.fetch_page(before)
        pages = 1
        if (
            data.get("mismatch")
            or data["log_id"] != before.log_id
            and before.after != 0
            or data["head"] < before.after
        ):
            return data, pages  # a reset: apply_page starts over
        while data["has_more"] and pages < max_pages:
            last = data["events"][-1].get("event_id") if data["events"] else None
            more = self.fetch_page(state.Cursor(data["log_id"], data["next"], last))
            if more.get("mismatch") or more["log_id"] != data["log_id"]:
                break  # reset meanwhile: apply what we have; the next pull notices
            pages += 1
            data = {**more, "events": data["events"] + more["events"]}
        return data, pages

    def apply_page(self, before: state.Cursor, data: dict[str, Any]) -> Page:
        """The database half: apply the page and move the cursor in one transaction,
        unless the cursor moved meanwhile (then the page is dropped and fetched again)."""
        log_id = data["log_id"]
        if data.get("mismatch") or log_id != before.log_id or data["head"] < before.after:
            # A new, reset or rewritten server log: start over (re-push ours, pull everything).
            with self.store.transaction() as conn:
                if state.cursor(conn) != before:
                    return Page(0, True, [])
                state.adopt_log(conn, log_id, force=True)
            if before.after != 0 or data.get("mismatch"):
                return Page(0, True, [], reset=True)
            before = state.Cursor(log_id, 0)
        good, bad = self._checked(data["events"])
        has_more = data["has_more"]
        now = self._now()

        def advance(conn) -> None:
            if state.cursor(conn) != before:
                raise _Stale
            for raw, problem in bad:
                state.add_dead_letter(conn, raw, "pull", f"received invalid: {problem}", now)
            last = data["events"][-1].get("event_id") if data["events"] else before.after_id
            nxt = max(before.after, data["next"])
            state.set_cursor(
                conn, state.Cursor(log_id, nxt, last if isinstance(last, str) else None)
            )
            if not has_more:
                state.note_success(conn, now)

        try:
            touched = self.service.apply_remote(good, after=advance)
        except _Stale:
            return Page(0, True, [])
        except sqlite3.IntegrityError:
            # A server_seq we hold for another event: the server lost events but kept its
            # log id (restored from a backup). Start over against it.
            with self.store.transaction() as conn:
                state.adopt_log(conn, log_id, force=True)
            return Page(0, True, [], reset=True)
        return Page(len(data["events"]), has_more, touched)

    # -------------------------------------------------------------- join

    def fetch_open(self, after: int, upto: int | None) -> dict[str, Any] | None:
        """One page of the open incidents' events (network only, any thread); None when
        the server is too old to offer them."""
        params: dict[str, int] = {"after": after}
        if self.page_size < wire.MAX_BATCH:  # else the server's own page size, as a pull
            params["limit"] = self.page_size
        if upto is not None:
            params["upto"] = upto
        try:
            return wire.check_open_reply(self._call("GET", "/v1/open", params=params))
        except NoOpenEndpoint:
            return None
        except wire.ProtocolError as exc:
            raise SyncError(f"{self.remote}/v1/open: {exc}") from None

    def apply_open(self, data: dict[str, Any]) -> list[str] | None:
        """Store a page of open incidents' events without moving the pull cursor (the
        history from 0 brings them again, as duplicates). The same checks as a pull:
        what fails them is quarantined. None when the cursor has left 0 meanwhile or the
        page does not fit what we hold: the join stops, the pull carries on."""
        log_id = data["log_id"]
        with self.store.transaction() as conn:
            cur = state.cursor(conn)
            if cur.after != 0:
                return None
            if cur.log_id != log_id:
                state.adopt_log(conn, log_id, force=True)
        good, bad = self._checked(data["events"])
        now = self._now()

        def still_joining(conn) -> None:
            cur = state.cursor(conn)
            if cur.after != 0 or cur.log_id != log_id:
                raise _Stale
            for raw, problem in bad:
                state.add_dead_letter(conn, raw, "pull", f"received invalid: {problem}", now)
            state.note_join(conn, log_id, data["upto"], data["incidents"])

        try:
            return self.service.apply_remote(good, after=still_joining)
        except (_Stale, sqlite3.IntegrityError):
            return None

    def join(self, progress: Callable[[JoinReport], Any] | None = None) -> JoinReport:
        """A console whose cursor is 0 (new, or the server's log changed) first takes the
        incidents open on the server, so its board shows what matters at once; the pull
        from 0 then brings the whole history behind them. `progress` hears each page."""
        report = JoinReport()
        if self.cursor().after != 0:
            return report
        after, upto = 0, None
        seen: set[str] = set()
        while True:
            try:
                data = self.fetch_open(after, upto)
            except SyncError as exc:
                if exc.retryable or isinstance(exc, Refused):
                    raise
                data = None  # an answer we cannot use: the plain pull does the job
            if data is None:
                report.supported = False
                return report
            if report.log_id not in (None, data["log_id"]):
                return report  # the log changed under the join: the pull starts over
            touched = self.apply_open(data)
            if touched is None:
                return report
            report.log_id, report.upto, report.incidents = (
                data["log_id"],
                data["upto"],
                data["incidents"],
            )
            report.pages += 1
            report.received += len(data["events"])
            report.touched.extend(dict.fromkeys(t for t in touched if t not in seen))
            seen.update(touched)
            if progress:
                progress(report)
            if not data["has_more"] or not data["events"]:
                return report
            after, upto = data["next"], data["upto"]

    def _checked(self, events: list[Any]) -> tuple[list[Event], list[tuple[Any, str]]]:
        """Pulled events are hostile input: (good Events, [(raw, why)] to quarantine)."""
        return wire.check_pulled(events, time.time_ns() // 1_000_000, PULL_MAX_AHEAD_MS)

    def pull_all(self) -> PullReport:
        report = PullReport()
        touched: dict[str, None] = {}  # ordered set: a list scan per id was quadratic
        while True:
            before = self.cursor()
            data, pages = self.fetch_pages(before, self.catch_up_pages)
            page = self.apply_page(before, data)
            report.pages += pages
            report.received += page.received
            report.resets += page.reset
            touched.update(dict.fromkeys(page.touched))
            if not page.has_more:
                report.touched = list(touched)
                return report
            if report.resets > 3:
                raise SyncError(
                    f"{self.remote}: the server log keeps changing under us; try again later"
                )

    # -------------------------------------------------------------- both

    def sync_once(self) -> dict[str, Any]:
        """Push everything waiting, then pull until caught up. Errors are remembered for
        `sync status` and re-raised."""
        joined: JoinReport | None = None
        try:
            pushed = self.push_all()
            if self.cursor().after == 0:
                joined = self.join()
            pulled = self.pull_all()
            if pulled.resets:  # a new log: ours went back into the outbox
                more = self.push_all()
                pushed.batches += more.batches
                pushed.accepted += more.accepted
                pushed.duplicate += more.duplicate
                pushed.rejected += more.rejected
                self.pull_all()
        except SyncError as exc:
            state.note_error(self.store, str(exc), self._now())
            raise
        return {
            "pushed": {
                "batches": pushed.batches,
                "accepted": pushed.accepted,
                "duplicate": pushed.duplicate,
                "rejected": pushed.rejected,
            },
            "joined": None
            if joined is None or not joined.supported
            else {"incidents": joined.incidents, "events": joined.received, "upto": joined.upto},
            "pulled": {
                "pages": pulled.pages,
                "events": pulled.received,
                # what changed here: the join's open incidents too
                "incidents": list(
                    dict.fromkeys([*(joined.touched if joined else []), *pulled.touched])
                ),
            },
            "outbox": self.outbox_depth(),
            "at": self._now(),
        }
