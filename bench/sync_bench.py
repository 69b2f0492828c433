"""Sync throughput: console A pushes 10,000 events through the reference server on
loopback and console B pulls them all, against a baseline of posting the very same
request bodies to the server's trivial /v1/echo endpoint (same auth, same body
limit, no work) in the same run. Prints JSON.

    python bench/sync_bench.py [--events 10000] [--runs 3]

`ratio` = sync events/s ÷ echo events/s (goal >= 0.5). `server_append_only_s` is the
server's parse + validate + durable append of the same batches without HTTP, to
show where the time goes. The sync side includes all
the real work: reading the outbox, client and server validation, the server's
durable append (synchronous=FULL), recording server_seqs, and on B the pull, the
idempotent insert, re-folding the touched incidents and the cursor move, each page
in one transaction.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

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
    """Keeps the push bodies so the baseline posts exactly the same bytes."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.bodies: list[bytes] = []

    def handle_request(self, request):
        if request.url.path == "/v1/push":
            self.bodies.append(request.read())
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def echo(url: str, bodies: list[bytes]) -> float:
    with httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    ) as http:
        http.post("/v1/echo", content=b"{}")  # connection warm, like the sync client's
        started = time.perf_counter()
        for body in bodies:
            r = http.post("/v1/echo", content=body)
            r.raise_for_status()
        return time.perf_counter() - started


def server_append(path: Path, bodies: list[bytes]) -> float:
    """Where the time goes: the server's parse + validate + durable append of the same
    batches, in-process, no HTTP at all."""
    log = ServerLog(path)
    try:
        started = time.perf_counter()
        for body in bodies:
            data = json.loads(body)
            log.push(data["events"], data["client_id"])
        return time.perf_counter() - started
    finally:
        log.close()


def one_run(tmp: Path, org, total: int) -> dict:
    log = ServerLog(tmp / "server.db")
    app = create_app(log, [TOKEN])
    running = start_in_thread(app)
    a, b = Store(tmp / "a.db"), Store(tmp / "b.db")
    try:
        fill(a, org, total)
        recorder = Recorder()
        svc_a = IncidentService(a, org, ManualClock(), "ana")
        svc_b = IncidentService(b, org, ManualClock(), "ben")
        with (
            SyncClient(svc_a, running.url, TOKEN, transport=recorder) as ca,
            SyncClient(svc_b, running.url, TOKEN) as cb,
        ):
            ca.health()
            cb.health()
            started = time.perf_counter()
            pushed = ca.push_all()
            mid = time.perf_counter()
            pulled = cb.pull_all()
            done = time.perf_counter()
        assert pushed.accepted == total and log.count() == total, "not everything arrived"
        assert pulled.received == total
        assert b.conn.execute("SELECT count(*) FROM events").fetchone()[0] == total
        assert event_log.outbox_depth(a.conn) == 0
        echo_s = min(echo(running.url, recorder.bodies) for _ in range(2))
        append_s = server_append(tmp / "append-only.db", recorder.bodies)
        sync_s = done - started
        return {
            "push_s": round(mid - started, 4),
            "pull_s": round(done - mid, 4),
            "sync_s": round(sync_s, 4),
            "echo_s": round(echo_s, 4),
            "server_append_only_s": round(append_s, 4),
            "batches": len(recorder.bodies),
            "bytes": sum(len(x) for x in recorder.bodies),
            "sync_events_per_s": round(total / sync_s),
            "echo_events_per_s": round(total / echo_s),
            "ratio": round(echo_s / sync_s, 3),
        }
    finally:
        running.stop()
        log.close()
        a.close()
        b.close()


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
                "benchmark": "sync push+pull through the reference server vs posting the same batches to /v1/echo",
                "events": args.events,
                "batch_limit": wire.MAX_BATCH,
                "runs": args.runs,
                "median_run": best,
                "sync_events_per_s": best["sync_events_per_s"],
                "echo_events_per_s": best["echo_events_per_s"],
                "ratio": best["ratio"],
                "goal_ratio": 0.5,
                "meets_goal": best["ratio"] >= 0.5,
                "ratios_all_runs": [r["ratio"] for r in runs],
                "median_ratio": round(statistics.median(r["ratio"] for r in runs), 3),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": "loopback, one process: server on a thread, consoles on real SQLite files (WAL, synchronous=FULL)",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
