"""`list` and `show` on a database of 100,000 incidents and 1,000,000 events, and
`rebuild` on it.

The database comes from bench/bigdb.py (templates played through the service, then
cloned with bulk inserts); extra note events are appended so the log holds the
asked number of events, and `rebuild` (timed) folds every projection from the log.

    python bench/list_show_bench.py [--db /tmp/incident-bench/big.db] [--fresh]
                                    [--incidents 100000] [--events 1000000] [--repeat 15]

Timings are in-process (`console.cli.main([...])` with stdout captured: opening the
store, loading the org, the query, formatting), median and p95 over --repeat runs;
one `python -m console` wall time each is reported too (interpreter start included).
Prints JSON; the goal is < 50 ms for list and show.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bigdb import make_big_db  # noqa: E402
from console import cli  # noqa: E402
from console.model.clock import iso, parse_iso  # noqa: E402
from console.store import Store, projections  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NOTE = "Error rate back under SLO for 10 minutes"


def pad_with_notes(path: Path, target_events: int) -> int:
    """Append note events (spread over the resolved incidents, inside their lifetime)
    until the log holds `target_events`. Returns how many were added."""
    conn = sqlite3.connect(path)
    have = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    need = target_events - have
    if need <= 0:
        conn.close()
        return 0
    origin = conn.execute("SELECT value FROM settings WHERE key = 'device_id'").fetchone()[0]
    declared = conn.execute(
        "SELECT incident_id, at FROM events WHERE kind = 'declared' "
        "AND incident_id IN (SELECT id FROM incidents WHERE is_open = 0) "
        "ORDER BY incident_id"
    ).fetchall()
    body = json.dumps({"text": NOTE}, sort_keys=True)
    rows = []
    for i in range(need):
        incident_id, at = declared[i % len(declared)]
        when = parse_iso(at) + timedelta(minutes=4, seconds=i // len(declared))
        ms = int(when.timestamp() * 1000)
        rows.append(
            (
                f"00000000-0000-7000-9000-{i:012x}",
                incident_id,
                "note_added",
                body,
                "bench",
                origin,
                f"{ms:013d}-9{i % 10000:04d}",
                iso(when),
            )
        )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO events (event_id, incident_id, kind, body, actor, origin, hlc, at, "
        "server_seq) VALUES (?,?,?,?,?,?,?,?,NULL)",
        rows,
    )
    conn.execute("COMMIT")
    conn.close()
    return need


def build(path: Path, incidents: int, events: int) -> dict:
    started = time.perf_counter()
    made = make_big_db(path, incidents=incidents, open_count=20, now=datetime.now(UTC))
    generated = time.perf_counter() - started
    added = pad_with_notes(path, events)
    store = Store(path)
    started = time.perf_counter()
    with store.transaction():
        rebuilt = projections.rebuild(store.conn)
    rebuild_s = time.perf_counter() - started
    store.conn.execute("ANALYZE")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {
        "generated_s": round(generated, 2),
        "bigdb": made,
        "notes_added": added,
        "rebuild_s": round(rebuild_s, 2),
        "rebuilt_incidents": rebuilt,
    }


def counts(path: Path) -> dict:
    conn = sqlite3.connect(path)
    out = {
        "incidents": conn.execute("SELECT count(*) FROM incidents").fetchone()[0],
        "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
        "open": conn.execute("SELECT count(*) FROM incidents WHERE is_open = 1").fetchone()[0],
        "bytes": path.stat().st_size,
    }
    conn.close()
    return out


def million_event_db(path: Path) -> Path:
    """The 100,000-incident / 1,000,000-event database the CLI, rebuild and latency
    benches share, built at `path` unless it is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    have = counts(path) if path.exists() else None
    if not have or have["incidents"] != 100_000 or have["events"] < 1_000_000:
        build(path, 100_000, 1_000_000)
    return path


def timed_cli(argv: list[str], repeat: int) -> dict:
    samples = []
    size = 0
    for _ in range(repeat):
        buf = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(buf):
            code = cli.main(argv)
        samples.append(time.perf_counter() - started)
        if code != 0:
            raise SystemExit(f"{argv}: exit {code}")
        size = len(buf.getvalue())
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "first_ms": round(samples[0] * 1000, 2),
        "output_bytes": size,
        "n": repeat,
    }


def subprocess_ms(path: Path, argv: list[str]) -> float:
    env = dict(os.environ, INCIDENT_CONSOLE_DB=str(path))
    env.setdefault("INCIDENT_CONSOLE_CONFIG_DIR", tempfile.gettempdir() + "/incident-bench-cfg")
    started = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "console", *argv], cwd=REPO, env=env, capture_output=True
    )
    elapsed = time.perf_counter() - started
    if r.returncode != 0:
        raise SystemExit(f"{argv}: {r.stderr.decode()}")
    return round(elapsed * 1000, 1)


def query_plans(path: Path) -> dict:
    conn = sqlite3.connect(path)
    where_open, params = projections._filter(False, True, "")  # noqa: SLF001 - the board's own filter
    order = "ORDER BY is_open DESC, sev_rank ASC, next_due_at IS NULL, next_due_at ASC, number DESC LIMIT 200"
    plans = {
        "list": conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM incidents {where_open} {order}", params
        ).fetchall(),
        "list --all": conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM incidents {order}"
        ).fetchall(),
        "show events": conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM events WHERE incident_id = ? ORDER BY hlc", ["INC-1"]
        ).fetchall(),
    }
    conn.close()
    return {k: [row[-1] for row in v] for k, v in plans.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--db", default=str(Path(tempfile.gettempdir()) / "incident-bench" / "big-1m.db")
    )
    p.add_argument("--fresh", action="store_true", help="regenerate even if the file exists")
    p.add_argument("--incidents", type=int, default=100_000)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=15)
    a = p.parse_args(argv)
    path = Path(a.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    out: dict = {"bench": "list_show", "db": str(path), "goal": "list and show < 50 ms each"}
    have = counts(path) if path.exists() else None
    if a.fresh or not have or have["incidents"] != a.incidents or have["events"] < a.events:
        out["build"] = build(path, a.incidents, a.events)
    else:
        out["build"] = "reused"
        store = Store(path)
        started = time.perf_counter()
        with store.transaction():
            projections.rebuild(store.conn)
        out["rebuild_s"] = round(time.perf_counter() - started, 2)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
    if "rebuild_s" not in out:
        out["rebuild_s"] = out["build"]["rebuild_s"]
    out["database"] = counts(path)
    conn = sqlite3.connect(path)
    open_id = conn.execute(
        "SELECT id FROM incidents WHERE is_open = 1 ORDER BY number DESC LIMIT 1"
    ).fetchone()[0]
    busy_id, busy_events = conn.execute(
        "SELECT id, event_count FROM incidents ORDER BY event_count DESC LIMIT 1"
    ).fetchone()
    conn.close()
    db = ["--db", str(path)]
    out["in_process"] = {
        "list": timed_cli([*db, "list"], a.repeat),
        "list --json": timed_cli([*db, "list", "--json"], a.repeat),
        "list --all": timed_cli([*db, "list", "--all"], a.repeat),
        "list --all --json": timed_cli([*db, "list", "--all", "--json"], a.repeat),
        f"show {open_id}": timed_cli([*db, "show", open_id], a.repeat),
        f"show {open_id} --json": timed_cli([*db, "show", open_id, "--json"], a.repeat),
        f"show {busy_id} ({busy_events} events)": timed_cli([*db, "show", busy_id], a.repeat),
        "show INC-1 (oldest)": timed_cli([*db, "show", "INC-1"], a.repeat),
    }
    base = timed_cli(["model", "check"], 3)  # org load + checks, no database: a floor
    out["in_process_floor_model_check"] = base
    out["subprocess_wall_ms"] = {
        "list": subprocess_ms(path, ["list"]),
        "show": subprocess_ms(path, ["show", open_id]),
        "--version (interpreter + imports only)": subprocess_ms(path, ["--version"]),
    }
    out["query_plans"] = query_plans(path)
    worst = max(v["median_ms"] for v in out["in_process"].values())
    out["worst_median_ms"] = worst
    out["goal_met"] = worst < 50
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
