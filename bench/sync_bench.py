"""Sync throughput: console A pushes 10,000 events through the reference server on
loopback while console B pulls them (long-polls, as a war room does), against a
baseline of storing the very same events straight into the same backend: one bulk
insert (executemany, one transaction) into a server log file with the server's
schema and pragmas, in the same run. Prints JSON.

    python bench/sync_bench.py [--events 10000] [--runs 3]

A, the server (`incident-console serve` on a SQLite log) and B are processes of their
own, as on three machines; B connects before the clock starts.

`ratio` = sync events/s ÷ bulk-insert events/s (goal >= 0.5). `server_append_only_s`
is the server's parse + validate + durable append of the same push bodies without
HTTP, to show where the time goes. `cpu_s` is the processor time each of the three
processes spent while the clock ran (Linux: from /proc), and `cpu_bound_ratio` the
best ratio that work allows on this machine's cores: the bulk insert's time over
their sum spread evenly across the cores, as if nothing ever waited.

The sync side includes all the real work: reading the outbox, client and server
validation, the server's durable append (synchronous=FULL, a commit per push),
recording server_seqs, and on B the pull, the idempotent insert, re-folding the
touched incidents and the cursor move, each page in one transaction; it ends when B
holds every event.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "server"))

import httpx  # noqa: E402
from bulk import bulk_sqlite  # noqa: E402
from serveproc import TOKEN, ServeProcess  # noqa: E402

from console import config  # noqa: E402
from console.model.clock import ManualClock, iso  # noqa: E402
from console.model.events import Event  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store, projections  # noqa: E402
from console.store import events as event_log  # noqa: E402
from console.sync import protocol as wire  # noqa: E402
from console.sync.client import SyncClient  # noqa: E402
from console.sync.server import ServerLog  # noqa: E402

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


def cpu_of(pid: int) -> float | None:
    """Processor seconds the live threads of process `pid` have spent so far (None where
    there is no /proc). schedstat counts nanoseconds; /proc/PID/stat only ticks. The
    server's threads live as long as it does, so none is missed."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    spent = 0
    for task in tasks:
        try:
            spent += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
        except (OSError, ValueError, IndexError):
            return None  # a kernel without schedstat
    return spent / 1e9


def pull_until(path: Path, url: str, total: int, ready, go, done_at, cpu, failed) -> None:
    """Console B, a process of its own (as on its own machine): long-polls until it holds
    `total` events; `done_at` gets the perf_counter then (CLOCK_MONOTONIC, one clock
    for every process on the machine), `cpu` the processor time it spent meanwhile."""
    b = Store(path)
    try:
        svc_b = IncidentService(b, config.load(None), ManualClock(), "ben")
        with SyncClient(svc_b, url, TOKEN) as cb:
            cb.health()
            ready.set()
            go.wait()
            cpu_at = time.process_time()
            received = 0
            while received < total:
                received += cb.pull_page(wait=10).received
            done_at.value = time.perf_counter()
            cpu.value = time.process_time() - cpu_at
        assert b.conn.execute("SELECT count(*) FROM events").fetchone()[0] == total
    except BaseException as exc:  # said by the main process
        failed.value = f"{type(exc).__name__}: {exc}"[:200].encode()
        ready.set()
        raise
    finally:
        b.close()


def one_run(tmp: Path, org, total: int) -> dict:
    server = ServeProcess(tmp, str(tmp / "server.db"), "server", "--no-escalation").start()
    a = Store(tmp / "a.db")
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Event(), spawn.Event()
    done_at, cpu_b, failed = spawn.Value("d", 0.0), spawn.Value("d", 0.0), spawn.Array("c", 200)
    try:
        fill(a, org, total)
        recorder = Recorder()
        svc_a = IncidentService(a, org, ManualClock(), "ana")
        puller = spawn.Process(
            target=pull_until,
            args=(tmp / "b.db", server.url, total, ready, go, done_at, cpu_b, failed),
        )
        puller.start()
        with SyncClient(svc_a, server.url, TOKEN, transport=recorder) as ca:
            ca.health()
            if not ready.wait(60) or failed.value:
                raise RuntimeError(f"console B did not start: {failed.value.decode()}")
            assert server.proc is not None
            server_cpu_at = cpu_of(server.proc.pid)
            started, cpu_a_at = time.perf_counter(), time.process_time()
            go.set()
            pushed = ca.push_all()
            pushed_at, cpu_a = time.perf_counter(), time.process_time() - cpu_a_at
            puller.join(120)
            server_cpu = cpu_of(server.proc.pid)
        if puller.exitcode != 0:
            raise RuntimeError(f"console B failed: {failed.value.decode()}")
        assert pushed.accepted == total, "not everything arrived"
        assert event_log.outbox_depth(a.conn) == 0
    finally:
        server.stop()
        a.close()
    log = ServerLog(tmp / "server.db")
    try:
        assert log.count() == total
    finally:
        log.close()
    bulk_s = min(bulk_insert(tmp / f"bulk{i}.db", recorder.bodies) for i in range(2))
    append_s = server_append(tmp / "append-only.db", recorder.bodies)
    sync_s = done_at.value - started
    cpu = {"console_a": cpu_a, "server": None, "console_b": cpu_b.value}
    if server_cpu is not None and server_cpu_at is not None:
        cpu["server"] = server_cpu - server_cpu_at  # to B's end: the server idles after
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    bound = None
    if None not in cpu.values():  # without the server's time the bound would flatter
        bound = round(bulk_s / (sum(v or 0.0 for v in cpu.values()) / (cores or 1)), 3)
    return {
        "push_s": round(pushed_at - started, 4),
        "sync_s": round(sync_s, 4),
        "bulk_insert_s": round(bulk_s, 4),
        "server_append_only_s": round(append_s, 4),
        "batches": len(recorder.bodies),
        "bytes": sum(len(x) for x in recorder.bodies),
        "sync_events_per_s": round(total / sync_s),
        "bulk_events_per_s": round(total / bulk_s),
        "ratio": round(bulk_s / sync_s, 3),
        "cpu_s": {k: None if v is None else round(v, 4) for k, v in cpu.items()},
        "cores": cores,
        "cpu_bound_ratio": bound,
    }


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
                "cpu_bound_ratio": best["cpu_bound_ratio"],
                "python": platform.python_version(),
                "machine": platform.machine(),
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": "loopback; console A, the server (serve on a SQLite log) and console B are processes of their own, as on three machines; consoles on real SQLite files (WAL, synchronous=FULL); B pulls while A pushes",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
