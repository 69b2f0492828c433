"""Durable command latency: declare, tick and note through IncidentService on a real
file database, against a raw sqlite3 single-row insert with the same pragmas (WAL,
synchronous=FULL, BEGIN IMMEDIATE ... COMMIT) measured in the same run.

    python bench/commands_bench.py [--n 200] [--rounds 3] [--dir /tmp] [--profile]
    python bench/commands_bench.py --only-long [--n 100] [--history 5000]

Prints JSON: median/p95 in ms per command and the ratio to the baseline (goal <= 2x),
and a note on an incident with 5,000 events against a note on a fresh one, in a warm
service and in a new one per note (goal <= 1.2x).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.model import events as ev  # noqa: E402
from console.model.clock import ManualClock  # noqa: E402
from console.model.org import load_org  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store  # noqa: E402

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 4),
        "p95_ms": round(p95 * 1000, 4),
        "n": len(ordered),
    }


class RawInsert:
    """One row per durable transaction, as big as a note event row, same pragmas."""

    def __init__(self, path: Path, synchronous: str = "FULL"):
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(f"PRAGMA synchronous = {synchronous}")
        self.conn.execute(
            "CREATE TABLE t (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, "
            "body TEXT NOT NULL)"
        )
        self.body = json.dumps({"text": "Rolled back the last deploy; watching error rate"})
        self.i = 0

    def once(self) -> float:
        self.i += 1
        started = time.perf_counter()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(
            "INSERT INTO t (event_id, body) VALUES (?, ?)", [f"e-{self.i}", self.body]
        )
        self.conn.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


def measure(
    tmp: Path, n: int, synchronous: str = "FULL", profile: cProfile.Profile | None = None
) -> tuple[list[float], dict[str, list[float]]]:
    """Baseline inserts interleaved with the commands, so both see the same disk weather."""
    raw = RawInsert(tmp / f"raw-{synchronous}.db", synchronous)
    store = Store(tmp / f"console-{synchronous}.db")
    store.conn.execute(f"PRAGMA synchronous = {synchronous}")
    clock = ManualClock(T0)
    svc = IncidentService(store, load_org(), clock, actor="bench")
    # A database that is not empty: other incidents with some history.
    for i in range(20):
        inc = svc.declare(f"background {i}", "SEV3", services=["cart"])
        svc.note(inc.id, "warm-up")
        raw.once()
    base: list[float] = []
    timings: dict[str, list[float]] = {"declare": [], "tick": [], "note": []}
    services = ["orders-db", "payment-api", "cdn", "auth-service", "checkout-api"]
    for i in range(n):
        clock.advance(seconds=5)
        base.append(raw.once())
        if profile:
            profile.enable()
        started = time.perf_counter()
        inc = svc.declare(
            f"bench incident {i}", "SEV1" if i % 2 else "SEV2", services=[services[i % 5]]
        )
        timings["declare"].append(time.perf_counter() - started)
        if profile:
            profile.disable()
        base.append(raw.once())
        if profile:
            profile.enable()
        started = time.perf_counter()
        svc.tick(inc.id, "1")
        timings["tick"].append(time.perf_counter() - started)
        if profile:
            profile.disable()
        base.append(raw.once())
        if profile:
            profile.enable()
        started = time.perf_counter()
        svc.note(inc.id, "Rolled back the last deploy; watching error rate")
        timings["note"].append(time.perf_counter() - started)
        if profile:
            profile.disable()
    store.close()
    raw.close()
    return base, timings


def _long_history(svc: IncidentService, clock: ManualClock, incident_id: str, events: int) -> None:
    """A day-long SEV1, compressed: the steps ticked as they fall due, repeated pages
    (queued, delivered, some acknowledged), status and severity changes, many notes."""
    targets = [("aoi.matsumoto", "platform"), ("ben.okafor", "sre"), ("chen.wei", "payments")]
    statuses = ["identified", "mitigating", "monitoring", "investigating"]
    i = count = 0
    while count < events:
        clock.advance(seconds=30)
        who, team = targets[i % 3]
        key = f"page-{i}"
        svc.record(incident_id, ev.PageQueued(key=key, kind="nudge", target=who, round=i))
        svc.record(incident_id, ev.PageDelivered(key=key, target=who))
        if i % 3 == 0:
            ack = ev.PageAcknowledged(target=who, acknowledger_team=team)
            svc.record(incident_id, ack)
        if i % 7 == 0:
            svc.set_status(incident_id, statuses[(i // 7) % 4])
        if i % 11 == 0:
            svc.set_severity(incident_id, "SEV2" if (i // 11) % 2 == 0 else "SEV1")
        open_steps = [s for s in svc.plan(svc.get(incident_id)) if s.state in ("due", "overdue")]
        if open_steps:
            svc.tick(incident_id, open_steps[0].key, ack=True)
        for j in range(4):
            inc = svc.note(incident_id, f"update {i}.{j}: error rate {i % 17} %")
        count = inc.event_count
        i += 1


def long_vs_fresh(tmp: Path, n: int, history: int = 5000) -> dict:
    """A note on an incident with `history` events against a note on a just-declared
    one, interleaved in one run. `warm`: the service that wrote the incident (its cache
    holds the folded state); `new process`: a new service per note (a fresh cache, so
    the state comes from the snapshot on disk and the events after it)."""
    store = Store(tmp / "console-long.db")
    store.conn.execute("PRAGMA synchronous = OFF")  # building the history only
    clock = ManualClock(T0)
    org = load_org()
    svc = IncidentService(store, org, clock, actor="bench")
    long_id = svc.declare("long incident", "SEV1", services=["orders-db"]).id
    _long_history(svc, clock, long_id, history)
    store.conn.execute("PRAGMA synchronous = FULL")
    samples: dict[str, list[float]] = {
        k: [] for k in ("fresh", "long", "fresh, new process", "long, new process")
    }
    for i in range(n):
        for cold in (False, True):
            fresh_id = svc.declare(f"fresh {i}", "SEV1", services=["orders-db"]).id
            for name, incident_id in (("fresh", fresh_id), ("long", long_id)):
                service = IncidentService(store, org, clock, actor="bench") if cold else svc
                started = time.perf_counter()
                service.note(incident_id, f"more {i}")
                samples[name + (", new process" if cold else "")].append(
                    time.perf_counter() - started
                )
    events_before = svc.get(long_id).event_count - 2 * n
    store.close()
    out: dict = {"events_before": events_before}
    for name, values in samples.items():
        out[name] = stats(values)
    for kind in ("", ", new process"):
        ratio = out["long" + kind]["median_ms"] / out["fresh" + kind]["median_ms"]
        out["ratio_long_to_fresh" + kind.replace(", ", "_").replace(" ", "_")] = round(ratio, 2)
    out["goal"] = "a note on the long incident <= 1.2x a note on a fresh one"
    out["goal_met"] = out["ratio_long_to_fresh"] <= 1.2
    return out


def run(n: int, directory: str | None, profile: bool, rounds: int = 3, history: int = 5000) -> dict:
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        prof = cProfile.Profile() if profile else None
        base: list[float] = []
        cmds: dict[str, list[float]] = {}
        per_round = []
        for r in range(rounds):
            round_dir = Path(tmp) / f"round{r}"
            round_dir.mkdir()
            b, c = measure(round_dir, n, "FULL", prof)
            base += b
            for k, v in c.items():
                cmds.setdefault(k, []).extend(v)
            bm = statistics.median(b)
            per_round.append(
                {
                    "baseline_median_ms": round(bm * 1000, 4),
                    **{k: round(statistics.median(v) / bm, 2) for k, v in c.items()},
                }
            )
        # The same with synchronous=OFF: what the commands cost in CPU, without the fsync.
        cpu_base, cpu_cmds = measure(Path(tmp), n, "OFF")
        baseline = stats(base)
        out = {
            "bench": "commands",
            "what": "durable command commit latency through IncidentService vs raw sqlite3 "
            "single-row insert, WAL + synchronous=FULL + BEGIN IMMEDIATE, interleaved in one run",
            "filesystem_dir": str(Path(tmp).parent),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "baseline_raw_insert": baseline,
            "commands": {},
            "ratio_per_round": per_round,
            "without_fsync": {
                "baseline_raw_insert": stats(cpu_base),
                **{k: stats(v) for k, v in cpu_cmds.items()},
            },
            "goal": "median ratio <= 2.0 and median < 1 ms",
        }
        for name, samples in cmds.items():
            s = stats(samples)
            s["ratio_median"] = round(s["median_ms"] / baseline["median_ms"], 2)
            s["ratio_p95"] = round(s["p95_ms"] / baseline["p95_ms"], 2)
            out["commands"][name] = s
        out["note_on_long_incident"] = long_vs_fresh(Path(tmp), min(n, 100), history)
        out["worst_median_ratio"] = max(c["ratio_median"] for c in out["commands"].values())
        out["worst_median_ms"] = max(c["median_ms"] for c in out["commands"].values())
        out["goal_met"] = out["worst_median_ratio"] <= 2.0 and out["worst_median_ms"] < 1.0
        if prof:
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            out["profile_top"] = buf.getvalue().splitlines()[:60]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200, help="commands of each kind per round")
    p.add_argument("--rounds", type=int, default=3, help="rounds (each with fresh files)")
    p.add_argument("--dir", help="directory for the database files (default: system temp)")
    p.add_argument("--profile", action="store_true", help="add a cProfile summary of the commands")
    p.add_argument("--history", type=int, default=5000, help="events of the long incident")
    p.add_argument(
        "--only-long", action="store_true", help="only the long-incident comparison (goal 2)"
    )
    a = p.parse_args(argv)
    if a.only_long:
        with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
            out = {
                "bench": "commands",
                "note_on_long_incident": long_vs_fresh(Path(tmp), a.n, a.history),
            }
    else:
        out = run(a.n, a.dir, a.profile, a.rounds, a.history)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
