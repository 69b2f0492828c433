"""The war-room server on PostgreSQL against the SQLite server, in one run. Prints JSON.

    python bench/warroom_bench.py [--consoles 50] [--seconds 10] [--events 50000] [--runs 5]

1. Load: `--consoles` simulated consoles (asyncio, raw HTTP, one client process) each
   push 5 events every `--period` seconds and keep a long-poll open; every push carries its send time, and the
   pullers note when each event from another console arrives. PostgreSQL: two `serve`
   processes on one database, consoles spread over both (a load balancer's work);
   baseline: one `serve` process on a SQLite file. Figures: events/s accepted, p95
   push→arrival; ratios PostgreSQL ÷ SQLite.
2. Sync vs storage: `--events` events pushed in batches of the protocol's limit
   (wire.MAX_BATCH), two on their way at a time as a console's push_all sends them, by
   one client while another pulls (long-polls) at the same time,
   until the puller holds them all (each client a process of its own, connected
   before the clock starts); against a bulk insert of the same stored rows
   straight into the same backend in one transaction (PostgreSQL: COPY; SQLite:
   executemany). Ratio = sync events/s ÷ bulk-insert events/s (goal >= 0.5), medians
   over `--runs` rounds. The default, 50,000 events (ten pushes), measures throughput:
   with two pushes, the first push's checks and the last page's delivery, which
   nothing overlaps, are a quarter of the time. `--only sync` runs this section alone.

PostgreSQL comes from --pg-url (an empty database the benchmark may fill), or a throwaway
cluster started like the tests' (Debian's postgresql binaries)."""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "server"))

import httpx  # noqa: E402
import msgspec  # noqa: E402
import psycopg  # noqa: E402
from bulk import bulk_sqlite  # noqa: E402
from serveproc import TOKEN, ServeProcess  # noqa: E402

from console.store import events as event_log  # noqa: E402
from console.sync import protocol as wire  # noqa: E402
from console.sync.client import PUSHES_IN_FLIGHT  # noqa: E402
from console.sync.server import ServerLog  # noqa: E402

HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def make_event(console: int, n: int, text: str) -> dict:
    now = datetime.now(UTC)
    ms = int(now.timestamp() * 1000)
    return {
        "event_id": event_log.uuid7(),  # as a console makes them: time-ordered
        "incident_id": f"INC-{console % 20 + 1}",
        "kind": "note_added",
        "body": {"text": text},
        "actor": f"console{console}",
        "origin": f"dev-{console}",
        "hlc": f"{ms}-{n % 100000:05d}",
        "at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


# ------------------------------------------------------------------ 1. load


async def load(
    urls: list[str], consoles: int, seconds: float, period: float, batch: int = 5
) -> dict:
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    accepted = 0
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=consoles * 2 + 10)
    async with httpx.AsyncClient(headers=HEADERS, timeout=60, limits=limits) as http:

        async def pusher(i: int) -> None:
            nonlocal accepted
            url, n = urls[i % len(urls)], 0
            due = time.perf_counter() + period * i / consoles  # spread over the period
            while time.perf_counter() < stop_at:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                due += period
                events = []
                for _ in range(batch):
                    n += 1
                    events.append(make_event(i, n, f"c{i} t={time.perf_counter():.6f}"))
                r = await http.post(
                    f"{url}/v1/push", json={"protocol": 1, "client_id": f"c{i}", "events": events}
                )
                r.raise_for_status()
                accepted += sum(x["status"] == "accepted" for x in r.json()["results"])

        async def puller(i: int) -> None:
            url, cursor = urls[(i + 1) % len(urls)], 0
            while time.perf_counter() < stop_at + 1:
                r = await http.get(
                    f"{url}/v1/pull", params={"after": cursor, "limit": 500, "wait": 2}
                )
                r.raise_for_status()
                now = time.perf_counter()
                page = msgspec.json.decode(r.content)
                for e in page["events"]:
                    text = e["body"]["text"]
                    if i < 10 and not text.startswith(f"c{i} "):  # 10 observers measure
                        latencies.append(now - float(text.rsplit("=", 1)[1]))
                cursor = page["next"]

        await asyncio.gather(
            *(pusher(i) for i in range(consoles)), *(puller(i) for i in range(consoles))
        )
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "accepted": accepted,
        "offered_events_per_s": round(consoles * batch / period),
        "events_per_s": round(accepted / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
        "arrivals_measured": len(latencies),
        "elapsed_s": round(elapsed, 2),
    }


# ------------------------------------------------------------------ 2. sync vs bulk


def batches_of(total: int) -> list[list[dict]]:
    events = [make_event(n % 50, n, f"update {n}: error rate {n % 37}%") for n in range(total)]
    return [events[i : i + wire.MAX_BATCH] for i in range(0, total, wire.MAX_BATCH)]


def pull_until(url: str, total: int, ready, go, done_at) -> None:
    """The pulling console, a process of its own (as in a war room: its decoding must not
    hold up the pusher's GIL): connects, says it is ready, and on `go` long-polls until
    it holds `total` events; `done_at` gets the perf_counter then (CLOCK_MONOTONIC, one
    clock for every process on the machine)."""
    got = 0
    with httpx.Client(headers=HEADERS, timeout=60) as http:
        http.get(f"{url}/v1/health").raise_for_status()
        ready.set()
        go.wait()
        cursor = 0
        while got < total:
            r = http.get(f"{url}/v1/pull", params={"after": cursor, "wait": 10})
            r.raise_for_status()
            page = msgspec.json.decode(r.content)
            got += len(page["events"])
            cursor = page["next"]
    done_at.value = time.perf_counter()


def sync_through(push_url: str, pull_url: str, batches: list[list[dict]]) -> float:
    """Seconds from the first push until the puller holds every event. One console
    pushes the batches, PUSHES_IN_FLIGHT at a time as a console's push_all does, while
    another pulls (long-polls) at the same time, as in a war room; an event counts once
    it has arrived at the puller, which the server can only hand out after the push's
    commit (synchronous=FULL, one transaction per push). Both consoles are connected
    before the clock starts, as in a war room (and as in sync_bench.py): making an HTTP
    client (its TLS context alone takes ~50 ms) is not sync."""
    total = sum(len(b) for b in batches)
    spawn = multiprocessing.get_context("spawn")
    ready, go, done_at = spawn.Event(), spawn.Event(), spawn.Value("d", 0.0)
    puller = spawn.Process(target=pull_until, args=(pull_url, total, ready, go, done_at))
    puller.start()
    encode = msgspec.json.Encoder().encode
    try:
        with (
            httpx.Client(headers=HEADERS, timeout=60) as http,
            ThreadPoolExecutor(PUSHES_IN_FLIGHT) as senders,
        ):
            http.get(f"{push_url}/v1/health").raise_for_status()
            if not ready.wait(60):
                raise RuntimeError("the pulling console did not start")

            def send(body: bytes) -> None:
                http.post(
                    f"{push_url}/v1/push",
                    content=body,
                    headers={"Content-Type": "application/json"},
                ).raise_for_status()

            started = time.perf_counter()
            go.set()
            on_the_way: deque = deque()
            for events in batches:
                if len(on_the_way) == PUSHES_IN_FLIGHT:
                    on_the_way.popleft().result()
                body = encode({"protocol": 1, "client_id": "a", "events": events})
                on_the_way.append(senders.submit(send, body))
            for reply in on_the_way:
                reply.result()
            pushed_at = time.perf_counter()
        puller.join(60)
        if puller.exitcode != 0:
            raise RuntimeError(f"the pulling console failed (exit code {puller.exitcode})")
    finally:
        if puller.is_alive():
            puller.kill()
    return max(pushed_at, done_at.value) - started  # both consoles done


def stored_rows(batches: list[list[dict]]) -> list[tuple]:
    received = datetime.now(UTC).isoformat(timespec="milliseconds")
    rows, seq = [], 0
    for events in batches:
        for e in events:
            seq += 1
            text = wire.check_event(e)[1]
            rows.append((seq, e["event_id"], e["incident_id"], e["kind"], text, "a", received))
    return rows


def bulk_pg(url: str, rows: list[tuple]) -> float:
    ServerLog(url).close()  # the server's own schema
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(
                "COPY log (server_seq, event_id, incident_id, kind, payload, client_id, "
                "received_at) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("UPDATE log_head SET seq = %s", [len(rows)])
        return time.perf_counter() - started


# ------------------------------------------------------------------ running it


class Databases:
    """--pg-url's server, or a throwaway cluster; a fresh database per use."""

    def __init__(self, url: str | None):
        self.url, self.cluster = url, None
        if url is None:
            import pgcluster

            bindir = pgcluster.find_bindir()
            if bindir is None:
                raise SystemExit("no PostgreSQL: give --pg-url or install postgresql")
            self.cluster = pgcluster.Cluster(bindir)
            self.cluster.start()

    def fresh(self) -> str:
        if self.cluster is not None:
            return self.cluster.new_database()
        assert self.url is not None
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--period", type=float, default=1.0, help="seconds between a console's pushes (5 events)"
    )
    parser.add_argument(
        "--events", type=int, default=50_000, help="events synced (ten pushes of the limit)"
    )
    parser.add_argument("--runs", type=int, default=5, help="rounds of the sync section")
    parser.add_argument("--pg-url", help="an admin URL of a PostgreSQL server to use")
    parser.add_argument("--only", choices=("load", "sync"), help="run one section (default: both)")
    args = parser.parse_args()
    dbs = Databases(args.pg_url)
    out: dict = {"benchmark": "war-room server: PostgreSQL (two processes) vs SQLite"}
    try:
        with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp_name:
            tmp = Path(tmp_name)
            if args.only != "sync":
                out["load"] = run_load(tmp, dbs, args)
            if args.only != "load":
                out["sync_vs_bulk"] = run_sync(tmp, dbs, args.events, args.runs)
    finally:
        dbs.close()
    out["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    print(json.dumps(out, indent=2))


def run_load(tmp: Path, dbs: Databases, args: argparse.Namespace) -> dict:
    """1. Many consoles at once: PostgreSQL (two processes) against SQLite (one)."""
    sqlite_proc = ServeProcess(tmp, str(tmp / "load.db"), "sqlite", "--no-escalation")
    sqlite_proc.start()
    try:
        base = asyncio.run(load([sqlite_proc.url], args.consoles, args.seconds, args.period))
    finally:
        sqlite_proc.stop()
    url = dbs.fresh()
    pg = [ServeProcess(tmp, url, n, "--no-escalation").start() for n in ("pg1", "pg2")]
    try:
        two = asyncio.run(load([p.url for p in pg], args.consoles, args.seconds, args.period))
    finally:
        for p in pg:
            p.stop()
    out = {
        "consoles": args.consoles,
        "seconds": args.seconds,
        "sqlite_one_process": base,
        "postgresql_two_processes": two,
        "events_per_s_ratio": round(two["events_per_s"] / base["events_per_s"], 3),
        "p95_ratio": round(two["p95_ms"] / base["p95_ms"], 3),
    }
    print(f"load: {out}", file=sys.stderr)
    return out


def run_sync(tmp: Path, dbs: Databases, total: int, runs: int) -> dict:
    """2. Sync against a bulk insert of the same events into the same backend: `runs`
    rounds, each with fresh events, fresh databases and fresh server processes, the
    backends and the two ways taking turns; the figures are medians over the rounds."""
    times: dict[str, list[float]] = {k: [] for k in ("sqlite", "sqlite_bulk", "pg", "pg_bulk")}
    for n in range(runs):
        batches = batches_of(total)
        rows = stored_rows(batches)
        sqlite_proc = ServeProcess(tmp, str(tmp / f"sync{n}.db"), f"sqlite{n}", "--no-escalation")
        sqlite_proc.start()
        try:
            times["sqlite"].append(sync_through(sqlite_proc.url, sqlite_proc.url, batches))
        finally:
            sqlite_proc.stop()
        times["sqlite_bulk"].append(bulk_sqlite(tmp / f"bulk{n}.db", rows))
        url = dbs.fresh()
        pg = [ServeProcess(tmp, url, f"pg{n}{c}", "--no-escalation").start() for c in "ab"]
        try:
            times["pg"].append(sync_through(pg[0].url, pg[1].url, batches))
        finally:
            for p in pg:
                p.stop()
        times["pg_bulk"].append(bulk_pg(dbs.fresh(), rows))
        print(
            f"sync round {n + 1}/{runs}: { {k: round(v[-1], 3) for k, v in times.items()} }",
            file=sys.stderr,
        )

    def figures(sync: list[float], bulk: list[float]) -> dict:
        sync_s, bulk_s = statistics.median(sync), statistics.median(bulk)
        return {
            "sync_s": round(sync_s, 3),
            "bulk_insert_s": round(bulk_s, 3),
            "sync_events_per_s": round(total / sync_s),
            "bulk_events_per_s": round(total / bulk_s),
            "ratio": round(bulk_s / sync_s, 3),
            "ratio_each_round": [round(b / s, 3) for s, b in zip(sync, bulk, strict=True)],
        }

    return {
        "events": total,
        "pushes": -(-total // wire.MAX_BATCH),
        "rounds": runs,
        "sqlite": figures(times["sqlite"], times["sqlite_bulk"]),
        "postgresql_two_processes": figures(times["pg"], times["pg_bulk"]),
        "goal_ratio": 0.5,
    }


if __name__ == "__main__":
    main()
