"""Durable command latency: declare, tick and note through IncidentService on a real
file database, against a raw sqlite3 single-row insert with the same pragmas (WAL,
synchronous=FULL, BEGIN IMMEDIATE ... COMMIT) measured in the same run.

    python bench/commands_bench.py [--n 200] [--rounds 3] [--dir /tmp] [--profile]

Prints JSON: median/p95 in ms per command and the ratio to the baseline (goal <= 2x).
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


def long_incident(tmp: Path, n: int, history: int = 200) -> tuple[list[float], list[float]]:
    """A note on an incident that already has `history` events (a long night), with
    the same interleaved baseline."""
    raw = RawInsert(tmp / "raw-long.db")
    store = Store(tmp / "console-long.db")
    clock = ManualClock(T0)
    svc = IncidentService(store, load_org(), clock, actor="bench")
    inc = svc.declare("long incident", "SEV1", services=["orders-db"])
    for i in range(history - 1):
        svc.note(inc.id, f"update {i}")
    base, notes = [], []
    for i in range(n):
        base.append(raw.once())
        started = time.perf_counter()
        svc.note(inc.id, f"more {i}")
        notes.append(time.perf_counter() - started)
    store.close()
    raw.close()
    return base, notes


def run(n: int, directory: str | None, profile: bool, rounds: int = 3) -> dict:
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
        long_base, long_notes = long_incident(Path(tmp), min(n, 100))
        s = stats(long_notes)
        s["ratio_median"] = round(s["median_ms"] / stats(long_base)["median_ms"], 2)
        s["events_before"] = "200..300"
        out["note_on_long_incident"] = s
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
    a = p.parse_args(argv)
    print(json.dumps(run(a.n, a.dir, a.profile, a.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
