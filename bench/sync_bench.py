"""Sync throughput: console A pushes 10,000 events through the reference server on
loopback while console B pulls them (long-polls, as a war room does), against a
baseline of storing the very same events straight into the same backend: one bulk
insert (executemany, one transaction) into a server log file with the server's
schema and pragmas, in the same run. Prints JSON.

    python bench/sync_bench.py [--events 10000] [--runs 3]

`ratio` = sync events/s ÷ bulk-insert events/s (goal >= 0.5). `server_append_only_s`
is the server's parse + validate + durable append of the same push bodies without
HTTP, to show where the time goes. The sync side includes all the real work: reading
the outbox, client and server validation, the server's durable append
(synchronous=FULL, a commit per push), recording server_seqs, and on B the pull, the
idempotent insert, re-folding the touched incidents and the cursor move, each page in
one transaction; it ends when B holds every event.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from bulk import bulk_sqlite  # noqa: E402

from console import config  # noqa: E402
from console.model.clock import ManualClock, iso  # noqa: E402
from console.model.events import Event  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store, projections  # noqa: E402
from console.store import events as event_log  # noqa: E402
from console.sync import protocol as wire  # noqa: E402
from console.sync.client import SyncClient  # noqa: E402
from console.sync.server import ServerLog, create_app, start_in_thread  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
PER_INCIDENT = 100


def fill(store: Store, org, total: int) -> None:
    """`total` events on console A: incidents declared through the service, notes
    appended with the log's own insert, projections rebuilt once (setup, not timed)."""
    clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    service = IncidentService(store, org, clock, "ana")
    incidents = max(1, total // PER_INCIDENT)
    with store.transaction() as conn:
        ids = [
            service.declare(f"bench incident {i}", "SEV2", layers=["service"]).id
            for i in range(incidents)
        ]
        origin = store.device_id()
        left = total - incidents
        n = 0
        while left > 0:
            for inc in ids:
                if left == 0:
                    break
                clock.advance(seconds=1)
                event_log.insert(
                    conn,
                    Event(
                        event_log.uuid7(),
                        inc,
                        "note_added",
                        {"text": f"update {n}: error rate {n % 37}%, still investigating"},
                        "ana",
                        origin,
                        event_log.next_hlc(conn),
                        iso(clock.now()),
                    ),
                )
                n += 1
                left -= 1
        projections.rebuild(conn)


class Recorder(httpx.BaseTransport):
    """Keeps the push bodies so the baseline stores exactly the same events."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.bodies: list[bytes] = []

    def handle_request(self, request):
        if request.url.path == "/v1/push":
            self.bodies.append(request.read())
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def bulk_insert(path: Path, bodies: list[bytes]) -> float:
    """The storage engine alone: the pushed events, as the server stores them, in one
    executemany and one commit into a fresh log (the server's own schema and pragmas)."""
    received = datetime.now(UTC).isoformat(timespec="milliseconds")
    rows = []
    for body in bodies:
        data = json.loads(body)
        for e in data["events"]:
            text = wire.canonical(e)
            rows.append(
                (len(rows) + 1, e["event_id"], e["incident_id"], e["kind"], text, "a", received)
            )
    return bulk_sqlite(path, rows)


def server_append(path: Path, bodies: list[bytes]) -> float:
    """Where the time goes: the server's parse + validate + durable append of the same
    batches, in-process, no HTTP at all."""
    log = ServerLog(path)
    try:
        started = time.perf_counter()
        for body in bodies:
            typed = wire.decode_push(body)
            assert typed is not None, "the client sent a push the fast path refuses"
            log.push(typed.events, typed.client_id)
        return time.perf_counter() - started
    finally:
        log.close()


class Puller(threading.Thread):
    """Console B on its own thread (its own SQLite connection): long-polls until it holds
    `total` events."""

    def __init__(self, path: Path, org, url: str, total: int):
        super().__init__(name="console-b")
        self.path, self.org, self.url, self.total = path, org, url, total
        self.ready, self.go = threading.Event(), threading.Event()
        self.pages = self.received = 0
        self.done_at = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        b = Store(self.path)
        try:
            svc_b = IncidentService(b, self.org, ManualClock(), "ben")
            with SyncClient(svc_b, self.url, TOKEN) as cb:
                cb.health()
                self.ready.set()
                self.go.wait()
                while self.received < self.total:
                    page = cb.pull_page(wait=10)
                    self.pages += 1
                    self.received += page.received
                self.done_at = time.perf_counter()
            assert b.conn.execute("SELECT count(*) FROM events").fetchone()[0] == self.total
        except BaseException as exc:  # reported by the main thread
            self.error = exc
            self.ready.set()
        finally:
            b.close()


def one_run(tmp: Path, org, total: int) -> dict:
    log = ServerLog(tmp / "server.db")
    app = create_app(log, [TOKEN])
    running = start_in_thread(app)
    a = Store(tmp / "a.db")
    try:
        fill(a, org, total)
        recorder = Recorder()
        svc_a = IncidentService(a, org, ManualClock(), "ana")
        puller = Puller(tmp / "b.db", org, running.url, total)
        puller.start()
        with SyncClient(svc_a, running.url, TOKEN, transport=recorder) as ca:
            ca.health()
            puller.ready.wait()
            started = time.perf_counter()
            puller.go.set()
            pushed = ca.push_all()
            pushed_at = time.perf_counter()
            puller.join()
        if puller.error is not None:
            raise puller.error
        assert pushed.accepted == total and log.count() == total, "not everything arrived"
        assert puller.received == total
        assert event_log.outbox_depth(a.conn) == 0
        bulk_s = min(bulk_insert(tmp / f"bulk{i}.db", recorder.bodies) for i in range(2))
        append_s = server_append(tmp / "append-only.db", recorder.bodies)
        sync_s = puller.done_at - started
        return {
            "push_s": round(pushed_at - started, 4),
            "sync_s": round(sync_s, 4),
            "bulk_insert_s": round(bulk_s, 4),
            "server_append_only_s": round(append_s, 4),
            "batches": len(recorder.bodies),
            "pages": puller.pages,
            "bytes": sum(len(x) for x in recorder.bodies),
            "sync_events_per_s": round(total / sync_s),
            "bulk_events_per_s": round(total / bulk_s),
            "ratio": round(bulk_s / sync_s, 3),
        }
    finally:
        running.stop()
        log.close()
        a.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    org = config.load(None)
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
            runs.append(one_run(Path(tmp), org, args.events))
        print(f"run {i + 1}: {runs[-1]}", file=sys.stderr)
    best = sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]  # the median run
    print(
        json.dumps(
            {
                "benchmark": "console-to-console sync through the reference server vs a bulk insert of the same events into the same backend",
                "events": args.events,
                "batch_limit": wire.MAX_BATCH,
                "runs": args.runs,
                "median_run": best,
                "sync_events_per_s": best["sync_events_per_s"],
                "bulk_events_per_s": best["bulk_events_per_s"],
                "ratio": best["ratio"],
                "goal_ratio": 0.5,
                "meets_goal": best["ratio"] >= 0.5,
                "ratios_all_runs": [r["ratio"] for r in runs],
                "median_ratio": round(statistics.median(r["ratio"] for r in runs), 3),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": "loopback, one process: server on a thread, consoles on real SQLite files (WAL, synchronous=FULL); B pulls while A pushes",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
