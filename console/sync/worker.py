"""Continuous sync for the TUI and `incident-console sync`: a puller that long-polls
the server and a pusher that sends local changes as soon as they are committed.

Each loop runs on its own thread with its own Store (SQLite connections must not
cross threads). The face that owns the worker hears about it through two
callbacks, both called on a worker thread (the TUI must hop back with
call_from_thread): `on_status(SyncStatus)` when the connection state, outbox
depth, dead letters or last sync change, and `on_change([incident ids])` after a
pulled page touched incidents (already committed: re-read them).
"""

from __future__ import annotations

import random as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from console.model.clock import Clock, SystemClock, parse_iso
from console.model.errors import ConsoleError
from console.model.org import Org
from console.service import IncidentService
from console.store import Store
from console.store import sync_state as state
from console.sync import credentials
from console.sync import protocol as wire
from console.sync.client import Backoff, SyncClient, SyncError

TUI_PAGE_SIZE = 500  # events per pulled page in a face with a screen (start_for)
TUI_CATCH_UP_PAGES = 2  # pages applied in one transaction while catching up, there
# After a key press the history pull stands aside (between pages) until the screen has
# answered, at most this long: the answer is Python work on the UI's thread, and the pull
# would otherwise take half of the interpreter from it.
UI_TURN_SECONDS = 0.25


@dataclass(frozen=True)
class SyncStatus:
    """What the header shows. state: starting | connected | offline | error | off | stopped."""

    state: str = "starting"
    remote: str | None = None
    outbox: int = 0
    dead_letters: int = 0
    last_sync: str | None = None
    error: str | None = None
    # While a long history arrives (a joining console): (pulled up to, server head).
    history: tuple[int, int] | None = None
    joined: int | None = None  # open incidents a join brought first

    def history_text(self) -> str | None:
        """'history 45% (450,000 of 1,000,000 events)' while it arrives, else None."""
        if self.history is None:
            return None
        done, head = self.history
        share = 100 * done // head if head else 100
        return f"history {share}% ({done:,} of {head:,} events)"

    def text(self) -> str:
        """A short header text, e.g. '⇅ synced 14:03:07 · outbox 2 · 1 dead'."""
        if self.state == "off":
            return "local only"
        synced = parse_iso(self.last_sync)
        when = synced.astimezone().strftime("%H:%M:%S") if synced else "never"
        label = {
            "connected": f"⇅ synced {when}",
            "offline": f"⇣ offline (last sync {when})",
            "error": "⚠ sync error",
            "starting": "⇅ connecting…",
            "stopped": "sync stopped",
        }
        parts = [label.get(self.state, self.state)]
        arriving = self.history_text()
        if arriving and self.state in ("connected", "starting"):
            opened = f"{self.joined:,} open in · " if self.joined is not None else ""
            parts = [f"⇣ {opened}{arriving}"]
        if self.outbox:
            parts.append(f"outbox {self.outbox}")
        if self.dead_letters:
            parts.append(f"{self.dead_letters} dead")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "remote": self.remote,
            "outbox": self.outbox,
            "dead_letters": self.dead_letters,
            "last_sync": self.last_sync,
            "error": self.error,
            "history": list(self.history) if self.history else None,
            "joined": self.joined,
        }


class SyncWorker:
    """Call start() (daemon threads) or run() (blocks; for a thread worker or the CLI);
    stop() ends both loops promptly, even in the middle of a long-poll."""

    def __init__(
        self,
        db_path: str | Path,
        org: Org,
        *,
        clock: Clock | None = None,
        actor: str = "sync",
        remote: str | None = None,
        token: str | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_change: Callable[[list[str]], None] | None = None,
        transport: Any = None,
        wait: float = 20.0,
        poll_interval: float = 1.0,
        timeout: float = 10.0,
        random: Callable[[], float] = _random.random,
        page_size: int | None = None,
        catch_up_pages: int | None = None,
    ):
        self.db_path = Path(db_path)
        self.page_size = page_size
        self.catch_up_pages = catch_up_pages
        self.org = org
        self.clock = clock or SystemClock()
        self.actor = actor
        self.remote = remote
        self.token = token
        self.on_status = on_status
        self.on_change = on_change
        self.transport = transport
        self.wait = wait
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.backoff = Backoff(random=random)
        self._stop = threading.Event()
        self._nudge = threading.Event()
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._loop_state: dict[str, tuple[str, str | None]] = {}
        self._history: tuple[int, int] | None = None
        self._joined: int | None = None
        self._clients: list[SyncClient] = []
        self._wakers: set[threading.Event] = set()
        self.cleanups: list[Callable[[], Any]] = []  # run once by stop()
        self._threads: list[threading.Thread] = []
        self._ui_until = 0.0  # monotonic time until which a catching-up pull stands aside
        self._turn = threading.Event()  # set by carry_on() and stop(): stop standing aside

    # -------------------------------------------------------------- control

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def give_way(self, seconds: float = UI_TURN_SECONDS) -> None:
        """A person pressed a key: a pull catching up on a history pauses before its next
        page, until carry_on() or for `seconds`, so the screen answers at the speed it has
        when idle. (A live pull, waiting on the server, is not held.) Any thread."""
        with self._lock:
            self._ui_until = max(self._ui_until, time.monotonic() + seconds)

    def carry_on(self) -> None:
        """The screen has answered: the history pull goes on at once."""
        with self._lock:
            self._ui_until = 0.0
        self._turn.set()

    def _stand_aside(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                left = self._ui_until - time.monotonic()
                self._turn.clear()
            if left <= 0:
                return
            self._turn.wait(left)

    def nudge(self) -> None:
        """A local change was committed: push it now rather than at the next poll."""
        self._nudge.set()

    def start(self) -> None:
        for name, target in (("pull", self._pull_loop), ("push", self._push_loop)):
            thread = threading.Thread(
                target=target, name=f"incident-console-sync-{name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def run(self) -> None:
        pusher = threading.Thread(
            target=self._push_loop, name="incident-console-sync-push", daemon=True
        )
        self._threads.append(pusher)
        pusher.start()
        try:
            self._pull_loop()
        finally:
            self.stop()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._nudge.set()
        self._turn.set()
        while self.cleanups:
            self.cleanups.pop()()
        with self._lock:
            wakers = list(self._wakers)
        for waker in wakers:  # release a loop parked on a long-poll
            waker.set()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        self._publish(state_override="stopped")

    # -------------------------------------------------------------- loops

    def _open(self) -> tuple[Store, SyncClient | None]:
        store = Store(self.db_path)
        remote = self.remote or state.remote(store.conn)
        if not remote:
            self._set_loop("config", "off", None)
            return store, None
        token = self.token or credentials.require_token(remote)
        service = IncidentService(store, self.org, self.clock, self.actor)
        client = SyncClient(
            service,
            remote,
            token,
            transport=self.transport,
            timeout=self.timeout,
            max_attempts=1,
            clock=self.clock,
            page_size=self.page_size or wire.MAX_BATCH,
        )
        if self.catch_up_pages:
            client.catch_up_pages = max(1, self.catch_up_pages)
        with self._lock:
            self._clients.append(client)
        return store, client

    def _loop(self, name: str, step: Callable[[SyncClient], None]) -> None:
        store: Store | None = None
        client: SyncClient | None = None
        try:
            store, client = self._open()
        except ConsoleError as exc:
            self._set_loop(name, "error", str(exc))
        if client is None or store is None:  # (no store means no client either)
            if store:
                self._refresh(store)
                store.close()
            return
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    step(client)
                    failures = 0
                    self._set_loop(name, "connected", None)
                    self._refresh(store)
                except SyncError as exc:
                    if self._stop.is_set():
                        break
                    self._set_loop(name, "offline" if exc.retryable else "error", str(exc))
                    self._refresh(store)
                    # Errors a person must fix are retried slowly; the network, sooner.
                    delay = self.backoff.delay(
                        failures + (0 if exc.retryable else 4), exc.retry_after
                    )
                    failures += 1
                    self._stop.wait(delay)
                except Exception as exc:  # noqa: BLE001 - a background loop must not die silently
                    # e.g. the database is busy for too long, or a bug: say so, retry slowly.
                    message = (
                        str(exc)
                        if isinstance(exc, ConsoleError)
                        else f"{type(exc).__name__}: {exc}"
                    )
                    self._set_loop(name, "error", message)
                    self._publish()
                    self._stop.wait(self.backoff.delay(failures + 2))
                    failures += 1
        finally:
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()
            store.close()

    def _pull_loop(self) -> None:
        behind = True
        joined_log: Any = ()  # the log id a join last ran against (none yet)

        def step(client: SyncClient) -> None:
            nonlocal behind, joined_log
            before = client.cursor()
            if behind and before.after == 0 and before.log_id != joined_log:
                # New here (or the server's log changed): open incidents first.
                report = client.join(progress=self._joining)
                joined_log = client.cursor().log_id
                if report.touched and self.on_change:
                    self.on_change(report.touched)
                before = client.cursor()
            if behind:
                self._stand_aside()
                data = client.fetch_pages(before, client.catch_up_pages)[0]
                self._stand_aside()
            else:
                data = self._interruptible(lambda: client.fetch_page(before, self.wait))
                if data is None:
                    return  # stopping
            page = client.apply_page(before, data)
            behind = page.has_more
            self._set_history((data["next"], data["head"]) if behind and not page.reset else None)
            if page.touched and self.on_change:
                self.on_change(page.touched)

        self._loop("pull", step)

    def _interruptible(self, fetch: Callable[[], Any]) -> Any:
        """Run a long-poll on a helper thread so stop() need not wait for it to time out.
        The helper only talks HTTP; the page is applied here, on the thread owning the Store."""
        done = threading.Event()
        box: dict[str, Any] = {}

        def helper() -> None:
            try:
                box["value"] = fetch()
            except BaseException as exc:  # noqa: BLE001 - handed to the owning thread
                box["error"] = exc
            finally:
                done.set()

        with self._lock:
            self._wakers.add(done)
        try:
            threading.Thread(target=helper, name="incident-console-sync-poll", daemon=True).start()
            done.wait()
        finally:
            with self._lock:
                self._wakers.discard(done)
        if self._stop.is_set():
            return None
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _push_loop(self) -> None:
        def step(client: SyncClient) -> None:
            if client.outbox_depth():
                self._refresh(client.store)
                client.push_all()
                self._refresh(client.store)
            self._nudge.wait(self.poll_interval)
            self._nudge.clear()

        self._loop("push", step)

    # -------------------------------------------------------------- reporting

    def _joining(self, report: Any) -> None:
        with self._lock:
            self._joined = report.incidents
            self._history = (0, report.upto)
        self._publish()

    def _set_history(self, history: tuple[int, int] | None) -> None:
        with self._lock:
            self._history = history
            if history is None:
                self._joined = None

    def _set_loop(self, name: str, status: str, error: str | None) -> None:
        with self._lock:
            self._loop_state[name] = (status, error)

    def _refresh(self, store: Store) -> None:
        summary = state.summary(store.conn)
        self._publish(summary=summary)

    def _publish(self, summary: dict | None = None, state_override: str | None = None) -> None:
        with self._lock:
            states = self._loop_state.values()
            overall = "starting"
            for candidate in ("off", "error", "offline", "connected"):
                if any(s == candidate for s, _ in states):
                    overall = candidate
                    break
            error = next((e for s, e in states if e and s == overall), None)
            new = replace(
                self._status,
                state=state_override or overall,
                error=error,
                history=self._history,
                joined=self._joined,
            )
            if summary is not None:
                new = replace(
                    new,
                    remote=summary["remote"],
                    outbox=summary["outbox"],
                    dead_letters=summary["dead_letters"],
                    last_sync=summary["last_sync"],
                )
            changed = new != self._status
            self._status = new
        if changed and self.on_status:
            self.on_status(new)


def start_for(
    service: IncidentService,
    *,
    on_status: Callable[[SyncStatus], None] | None = None,
    on_change: Callable[[list[str]], None] | None = None,
    **kw: Any,
) -> SyncWorker | None:
    """For a face that owns `service` (the TUI): start background sync if a remote is
    configured, with its own Store on the worker threads; local commits on `service`
    nudge the pusher. None when this console is local only."""
    if not state.remote(service.store.conn):
        return None
    # Smaller pages than the CLI's: parsing one reply holds the interpreter lock, and a
    # screen with a long history arriving must still answer keys between pages.
    kw.setdefault("page_size", TUI_PAGE_SIZE)
    kw.setdefault("catch_up_pages", TUI_CATCH_UP_PAGES)
    worker = SyncWorker(
        service.store.path,
        service.org,
        actor=service.actor,
        on_status=on_status,
        on_change=on_change,
        **kw,
    )
    worker.cleanups.append(service.subscribe(lambda _incident_id: worker.nudge()))
    worker.start()
    return worker
