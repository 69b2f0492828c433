"""`rebuild` of the 100,000-incident / 1,000,000-event database: events folded per
second, against reading the same events (fold order, each body decoded) in the same
run, the floor any rebuild pays.

    python bench/rebuild_bench.py [--db /tmp/incident-bench/big-1m.db] [--rounds 2]

Each round times the baseline read, then `rebuild` (every projection dropped and
folded again from the log, in one transaction: the `rebuild` verb's work). Prints
JSON: events/s by the wall clock and per CPU second (the machine may be shared), the
baseline's, and the ratio. Goal: >= 100,000 events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli_bench import DEFAULT_DB  # noqa: E402
from bench.list_show_bench import million_event_db  # noqa: E402
from console.store import Store, projections  # noqa: E402
from console.store.events import row_to_event  # noqa: E402

GOAL = 100_000
_READ = (
    "SELECT event_id, incident_id, kind, body, actor, origin, hlc, at, server_seq "
    "FROM events ORDER BY incident_id, hlc"
)


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args(argv)
    path = million_event_db(Path(a.db))
    store = Store(path)
    conn = store.conn
    n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    base: list[tuple[float, float]] = []
    runs: list[tuple[float, float]] = []
    rebuilt = 0

    def read() -> None:
        for row in conn.execute(_READ):
            row_to_event(row)

    def rebuild() -> None:
        nonlocal rebuilt
        with store.transaction():
            rebuilt = projections.rebuild(conn)

    for _ in range(a.rounds):
        base.append(_timed(read))
        runs.append(_timed(rebuild))
    store.close()

    def rates(samples: list[tuple[float, float]]) -> dict:
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        return {
            "seconds": round(wall, 2),
            "events_per_s": round(n / wall),
            "events_per_cpu_s": round(n / cpu),
        }

    out = {
        "bench": "rebuild",
        "db": str(path),
        "events": n,
        "incidents_rebuilt": rebuilt,
        "load_average": os.getloadavg(),
        "baseline_read_and_decode": rates(base),
        "rebuild": rates(runs),
        "goal": f">= {GOAL:,} events/s",
    }
    out["ratio_to_baseline"] = round(
        out["rebuild"]["events_per_s"] / out["baseline_read_and_decode"]["events_per_s"], 2
    )
    out["goal_met"] = out["rebuild"]["events_per_s"] >= GOAL
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
