"""The event log is the truth: `rebuild` reproduces every projection exactly."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fkit import T0
from test_fold import apply_op

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store, projections
from console.store.migrations import MIGRATIONS

EXAMPLE = Path(__file__).resolve().parents[2] / "local.db.example"
ORG = load_org()
TITLES = [
    ("Orders DB failover", ["orders-db"], []),
    ("Edge 503s", [], ["edge"]),
    ("Login failures", ["auth-service"], []),
    ("Checkout errors", ["checkout-api"], ["service"]),
    ("Metrics gap", ["metrics-pipeline"], []),
]


def everything(conn: sqlite3.Connection):
    """Every projection the store keeps, in a comparable form."""
    return projections.snapshot(conn), projections.facts_snapshot(conn)


def random_history(
    service: IncidentService, clock: ManualClock, seed: int, incidents: int, ops: int
) -> None:
    rng = random.Random(seed)
    ids = []
    for _ in range(incidents):
        title, services, layers = rng.choice(TITLES)
        clock.advance(minutes=rng.randint(0, 30))
        ids.append(
            service.declare(
                title,
                rng.choice(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]),
                layers,
                services,
                detection="alert",
            ).id
        )
    kinds = [
        "severity",
        "status",
        "note",
        "tick",
        "untick",
        "assign",
        "handoff",
        "accept",
        "add_service",
        "resolve",
        "reopen",
        "advance",
    ]
    for _ in range(ops):
        kind = rng.choice(kinds)
        op = {
            "severity": ("severity", rng.choice(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"])),
            "status": ("status", rng.choice(["identified", "mitigating", "monitoring"])),
            "note": ("note", rng.choice(["rolled back", "paged", "watching"])),
            "tick": ("tick", rng.randint(1, 5), rng.random() < 0.4),
            "untick": ("untick", rng.randint(1, 5)),
            "assign": ("assign", rng.choice(["scribe", "operations"]), rng.choice(["ann", "bob"])),
            "handoff": ("handoff", rng.choice(["commander", "scribe"]), rng.choice(["ann", "bob"])),
            "accept": ("accept", rng.choice(["commander", "scribe"]), rng.choice(["ann", "bob"])),
            "add_service": (
                "add_service",
                rng.choice(["cart", "cdn", "orders-db", "token-service"]),
            ),
            "resolve": ("resolve",),
            "reopen": ("reopen",),
            "advance": ("advance", rng.randint(1, 20)),
        }[kind]
        apply_op(service, clock, rng.choice(ids), op)


def test_rebuild_equals_projections_after_many_random_commands(tmp_path):
    store = Store(tmp_path / "random.db")
    clock = ManualClock(T0)
    service = IncidentService(store, ORG, clock, actor="ic")
    random_history(service, clock, seed=11, incidents=25, ops=400)
    before = everything(store.conn)
    assert len(before[0]) == 25
    events = store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert events > 150  # the history is not trivial
    assert service.rebuild() == 25
    assert everything(store.conn) == before
    # From nothing at all, too.
    store.conn.execute("DELETE FROM incidents")
    store.conn.execute("DELETE FROM incident_facts")
    assert service.rebuild() == 25
    assert everything(store.conn) == before
    store.close()


def test_rebuild_fixes_a_damaged_projection(tmp_path):
    store = Store(tmp_path / "damaged.db")
    service = IncidentService(store, ORG, ManualClock(T0))
    inc = service.declare("Orders DB failover", "SEV1", services=["orders-db"])
    service.tick(inc.id, "1")
    before = everything(store.conn)
    store.conn.execute("UPDATE incidents SET title = 'tampered', next_step = NULL")
    assert everything(store.conn) != before
    service.rebuild()
    assert everything(store.conn) == before
    store.close()


def test_projection_does_not_depend_on_when_it_was_written(tmp_path):
    """The stored row is clock-free: rebuilding later gives the same row."""
    store = Store(tmp_path / "clockfree.db")
    clock = ManualClock(T0)
    service = IncidentService(store, ORG, clock)
    inc = service.declare("Orders DB failover", "SEV1", services=["orders-db"])
    before = everything(store.conn)
    clock.advance(minutes=500)
    IncidentService(store, ORG, ManualClock(T0 + timedelta(days=3))).rebuild()
    assert everything(store.conn) == before
    assert projections.get(store.conn, inc.id)["next_step"] == "SEV1+0"
    store.close()


@pytest.mark.skipif(not EXAMPLE.exists(), reason="local.db.example not generated")
def test_local_db_example_opens_with_current_schema_and_rebuilds_exactly(tmp_path):
    copy = tmp_path / "local.db"
    shutil.copyfile(EXAMPLE, copy)
    store = Store(copy)
    applied = [
        r[0]
        for r in store.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY name",
            [MIGRATIONS.name],
        )
    ]
    assert applied == sorted(m.name for m in MIGRATIONS._migrations)  # noqa: SLF001
    before = everything(store.conn)
    assert len(before[0]) > 20
    service = IncidentService(store, ORG, ManualClock(T0))
    assert service.rebuild() == len(before[0])
    after = everything(store.conn)
    assert after[0] == before[0], "rebuild changed the incidents projection of local.db.example"
    assert after[1] == before[1], "rebuild changed the metrics facts of local.db.example"
    # And it is a believable demo: every severity and layer, some open, most resolved.
    rows = [dict(zip(projections.COLUMNS, r, strict=True)) for r in before[0]]
    assert {r["severity"] for r in rows} == {"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}
    assert {x for r in rows for x in r["layers"].split(",")} >= {
        "edge",
        "gateway",
        "service",
        "data",
    }
    open_rows = [r for r in rows if r["is_open"]]
    assert 0 < len(open_rows) < len(rows) / 2
    store.close()


def test_local_db_example_is_untouched_by_the_test():
    """The test above works on a copy; the file in the repository stays as committed."""
    if not EXAMPLE.exists():
        pytest.skip("local.db.example not generated")
    assert not Path(str(EXAMPLE) + "-wal").exists()


# ------------------------------------------------------------------ the service's event cache


def test_event_cache_sees_another_writer(tmp_path):
    """Two consoles on one file (two processes, or the TUI and a CLI verb): each
    command folds the whole log, not a stale cached copy."""
    path = tmp_path / "shared.db"
    one = IncidentService(Store(path), ORG, ManualClock(T0), actor="ann")
    two = IncidentService(Store(path), ORG, ManualClock(T0), actor="bob")
    inc = one.declare("Orders DB failover", "SEV1", services=["orders-db"])
    one.note(inc.id, "from one")  # one caches the incident
    two.tick(inc.id, "1")
    two.note(inc.id, "from two")
    one.note(inc.id, "one again")
    assert [t.text for t in one.get(inc.id).notes] == ["from one", "from two", "one again"]
    assert one.get(inc.id).tick_marks and two.get(inc.id) == one.get(inc.id)
    before = everything(one.store.conn)
    one.rebuild()
    assert everything(one.store.conn) == before
    one.store.close()
    two.store.close()


def test_event_cache_forgets_a_rolled_back_event(tmp_path):
    store = Store(tmp_path / "rollback.db")
    service = IncidentService(store, ORG, ManualClock(T0))
    inc = service.declare("Orders DB failover", "SEV1", services=["orders-db"])
    with pytest.raises(RuntimeError), store.transaction():
        service.note(inc.id, "never happened")
        raise RuntimeError("the caller's transaction fails after the event")
    service.note(inc.id, "kept")
    assert [t.text for t in service.get(inc.id).notes] == ["kept"]
    before = everything(store.conn)
    service.rebuild()
    assert everything(store.conn) == before
    store.close()


def test_event_cache_sees_remote_events_with_older_stamps(tmp_path):
    from console.store import events as event_log

    a = IncidentService(Store(tmp_path / "a.db"), ORG, ManualClock(T0), actor="ann")
    b = IncidentService(Store(tmp_path / "b.db"), ORG, ManualClock(T0), actor="bob")
    inc = a.declare("Orders DB failover", "SEV1", services=["orders-db"])
    b.apply_remote(event_log.for_incident(a.store.conn, inc.id))
    b.note(inc.id, "bob offline")  # stamped before ann's next note
    a.note(inc.id, "ann 1")
    a.apply_remote(event_log.for_incident(b.store.conn, inc.id))
    a.note(inc.id, "ann 2")
    from console.model.fold import fold

    cached = a.get(inc.id)
    assert sorted(t.text for t in cached.notes) == ["ann 1", "ann 2", "bob offline"]
    assert cached == fold(
        event_log.for_incident(a.store.conn, inc.id)
    )  # the cache agrees with the log
    before = everything(a.store.conn)
    a.rebuild()
    assert everything(a.store.conn) == before
    a.store.close()
    b.store.close()
