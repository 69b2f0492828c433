"""Generate a large incident database fast, for benchmarks (reusable by any helper).

A few template incidents are played through the real IncidentService on a
ManualClock (so event bodies are exactly what the console writes); each of the N
incidents is a copy of one template, shifted in time, renumbered, and written with
direct SQL inserts of events + projection rows in one transaction. The result is a
normal console database: `incident-console rebuild` gives the same projection.

    python bench/bigdb.py /tmp/big.db --incidents 100000 --open 20
    from bench.bigdb import make_big_db; make_big_db(path, incidents=100_000, open_count=20)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console import config  # noqa: E402
from console.model.clock import ManualClock, iso, parse_iso  # noqa: E402
from console.model.events import Event  # noqa: E402
from console.model.org import Org  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store  # noqa: E402
from console.store import events as event_log  # noqa: E402

# (severity, layers, services, title) — each becomes one template.
TEMPLATES = [
    ("SEV1", ["data"], [], "Database cluster unavailable"),
    ("SEV1", [], ["payment-api"], "Card payments failing"),
    ("SEV2", [], ["api-gateway"], "API gateway p99 latency 4s"),
    ("SEV2", ["edge"], ["cdn"], "CDN edge returning 503"),
    ("SEV3", [], ["search-api"], "Search returns empty results"),
    ("SEV3", [], ["auth-service"], "Login failures: token validation errors"),
    ("SEV4", [], ["notification-dispatcher"], "Order emails delayed"),
    ("SEV5", [], ["static-assets"], "Static assets stale after deploy"),
]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


SKIP_TABLES = {"events", "settings", "_sqlite_migrations"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass
class Template:
    events: list[Event]
    rows: dict[str, list[dict]]  # projection table -> this incident's rows


def _projection_tables(conn) -> dict[str, list[str]]:
    """The per-incident projections (tables named incident*, keyed by `id` or
    `incident_id`): the board's and whatever other subsystems derive from the log.
    Queues such as notify's outbox are not projections and stay empty."""
    out = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if name in SKIP_TABLES or name.startswith("sqlite_"):
            continue
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        if name.startswith("incident") and ("incident_id" in cols or "id" in cols):
            out[name] = cols
    return out


def _templates(org: Org, resolved: bool) -> list[Template]:
    """Play each template through the service; keep its events and projection rows."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "t.db")
        clock = ManualClock(EPOCH)
        svc = IncidentService(store, org, clock, actor="bench")
        for sev, layers, services, title in TEMPLATES:
            clock.set(EPOCH)
            inc = svc.declare(title, sev, layers, services, "bench generator")
            clock.advance(minutes=1)
            svc.tick(inc.id, "1")
            clock.advance(minutes=2)
            svc.tick(inc.id, "1", ack=True)
            svc.note(inc.id, "Rolled back the last deploy; watching error rate")
            if resolved:
                clock.advance(minutes=5)
                svc.set_status(inc.id, "mitigating")
                clock.advance(minutes=20)
                svc.resolve(inc.id, "Rolled back")
            rows = {}
            for table, cols in _projection_tables(store.conn).items():
                key = "incident_id" if "incident_id" in cols else "id"
                cur = store.conn.execute(
                    f"SELECT {', '.join(cols)} FROM {table} WHERE {key} = ?", [inc.id]
                )
                rows[table] = [dict(zip(cols, r, strict=True)) for r in cur]
            evs = sorted(event_log.for_incident(store.conn, inc.id), key=lambda e: e.sort_key)
            out.append(Template(evs, rows))
        store.close()
    return out


def _shift(value, delta: timedelta):
    if isinstance(value, str) and ISO.match(value):
        return iso(parse_iso(value) + delta)
    return value


def _clone(
    row: dict, template_id: str, incident_id: str, number: int, delta: timedelta, last_hlc: str
) -> tuple:
    out = []
    for col, value in row.items():
        if value == template_id:
            value = incident_id
        elif col == "number":
            value = number
        elif col == "last_hlc":
            value = last_hlc
        else:
            value = _shift(value, delta)
        out.append(value)
    return tuple(out)


def make_big_db(
    path: str | Path,
    incidents: int = 100_000,
    open_count: int = 20,
    seed: int = 1,
    now: datetime | None = None,
    org: Org | None = None,
    batch: int = 20_000,
) -> dict:
    """Write a fresh database at `path` with `incidents` incidents, the newest
    `open_count` of them open (declared within the last hour before `now`)."""
    started = time.perf_counter()
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    org = org or config.load(None)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(seed)
    closed = _templates(org, resolved=True)
    live = _templates(org, resolved=False)
    store = Store(path)
    origin = store.device_id()
    conn = store.conn
    tables = {
        name: cols for name, cols in _projection_tables(conn).items() if name in closed[0].rows
    }
    inserts = {
        name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        for name, cols in tables.items()
    }
    span = timedelta(days=730).total_seconds()
    first_open = incidents - open_count + 1
    ev_rows: list[tuple] = []
    proj_rows: dict[str, list[tuple]] = {name: [] for name in tables}
    counter = 0
    events_written = 0

    def flush():
        nonlocal ev_rows
        conn.executemany(
            "INSERT INTO events (event_id, incident_id, kind, body, actor, origin, hlc, at, server_seq) "
            "VALUES (?,?,?,?,?,?,?,?,NULL)",
            ev_rows,
        )
        ev_rows = []
        for name, rows in proj_rows.items():
            conn.executemany(inserts[name], rows)
            rows.clear()

    with store.transaction():
        body_cache: dict[int, str] = {}
        for number in range(1, incidents + 1):
            is_open = number >= first_open
            t = rng.randrange(len(TEMPLATES))
            template = (live if is_open else closed)[t]
            if is_open:
                start = now - timedelta(minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            else:
                start = now - timedelta(days=730) + timedelta(seconds=span * number / incidents)
            delta = start - EPOCH
            incident_id = f"INC-{number}"
            template_id = template.events[0].incident_id
            for ev in template.events:
                counter += 1
                at = ev.when + delta
                body = body_cache.get(id(ev))
                if body is None:
                    body = body_cache[id(ev)] = json.dumps(ev.body, sort_keys=True)
                ms = int(at.timestamp() * 1000)
                ev_rows.append(
                    (
                        f"00000000-0000-7000-8000-{counter:012x}",
                        incident_id,
                        ev.kind,
                        body,
                        ev.actor,
                        origin,
                        f"{ms:013d}-{counter % 100000:05d}",
                        iso(at),
                    )
                )
            events_written += len(template.events)
            last_hlc = ev_rows[-1][6]
            for name, rows in template.rows.items():
                if name in proj_rows:
                    proj_rows[name].extend(
                        _clone(r, template_id, incident_id, number, delta, last_hlc) for r in rows
                    )
            if len(ev_rows) >= batch * 6:
                flush()
        flush()
        last_ms = int(now.timestamp() * 1000)
        conn.execute(
            "INSERT INTO settings(key, value) VALUES ('hlc', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [f"{last_ms:013d}-00000"],
        )
        store.set_setting(
            "bigdb",
            json.dumps({"incidents": incidents, "open": open_count, "seed": seed, "now": iso(now)}),
        )
    conn.execute("ANALYZE")
    store.close()
    return {
        "path": str(path),
        "incidents": incidents,
        "open": open_count,
        "events": events_written,
        "projection_tables": sorted(tables),
        "seconds": round(time.perf_counter() - started, 2),
        "now": iso(now),
        "bytes": path.stat().st_size,
    }


def cached_big_db(
    path: str | Path, incidents: int = 100_000, open_count: int = 20, seed: int = 1
) -> Path:
    """Reuse `path` if it was generated with the same parameters (open incidents are
    then older than "the last hour"; benchmarks that need live countdowns pass now)."""
    path = Path(path)
    if path.exists():
        try:
            import sqlite3

            conn = sqlite3.connect(path)
            raw = conn.execute("SELECT value FROM settings WHERE key = 'bigdb'").fetchone()
            conn.close()
            meta = json.loads(raw[0]) if raw else {}
            if (meta.get("incidents"), meta.get("open"), meta.get("seed")) == (
                incidents,
                open_count,
                seed,
            ):
                return path
        except Exception:  # noqa: BLE001 - any doubt: regenerate
            pass
    make_big_db(path, incidents, open_count, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path")
    p.add_argument("--incidents", type=int, default=100_000)
    p.add_argument("--open", type=int, default=20, dest="open_count")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    print(json.dumps(make_big_db(a.path, a.incidents, a.open_count, a.seed), indent=2))
    return 0


__all__ = ["make_big_db", "cached_big_db"]

if __name__ == "__main__":
    raise SystemExit(main())
