"""The store: durable pragmas, one transaction per command, the board's order and
the index that serves it (a plan check, not a timing)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.store import Store, projections
from console.store import events as event_log


def test_pragmas_are_durable(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_command_writes_event_and_projection_together(service, store):
    inc = service.declare("Cart slow", "SEV3", services=["cart"])
    events = event_log.for_incident(store.conn, inc.id)
    row = projections.get(store.conn, inc.id)
    assert len(events) == 1 and row["event_count"] == 1 and row["last_hlc"] == events[0].hlc
    # The outbox is simply the events without server_seq.
    assert event_log.outbox_depth(store.conn) == 1
    assert [e.event_id for e in event_log.outbox(store.conn)] == [events[0].event_id]


def test_a_failed_command_leaves_nothing_behind(service, store, monkeypatch):
    inc = service.declare("Cart slow", "SEV3", services=["cart"])
    before = (
        store.conn.execute("SELECT count(*) FROM events").fetchone()[0],
        projections.snapshot(store.conn),
    )

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(projections, "upsert", boom)
    with pytest.raises(RuntimeError):
        service.note(inc.id, "lost?")
    monkeypatch.undo()
    after = (
        store.conn.execute("SELECT count(*) FROM events").fetchone()[0],
        projections.snapshot(store.conn),
    )
    assert after == before
    service.note(inc.id, "kept")  # and the next command works
    assert [n.text for n in service.get(inc.id).notes] == ["kept"]


def test_hlc_survives_a_restart(db_path, service):
    inc = service.declare("Cart slow", "SEV3", services=["cart"])
    last = service.get(inc.id).last_hlc
    service.store.close()
    again = Store(db_path)
    with again.transaction():
        assert event_log.next_hlc(again.conn) > last
    assert again.device_id() == service.store.device_id()
    again.close()


def test_board_order_open_first_most_severe_most_overdue(service, clock):
    a = service.declare("sev3 old", "SEV3", services=["cart"]).id
    clock.advance(minutes=1)
    b = service.declare("sev1", "SEV1", services=["orders-db"]).id
    clock.advance(minutes=1)
    c = service.declare("sev3 new", "SEV3", services=["cart"]).id
    d = service.declare("sev2 resolved", "SEV2", services=["cdn"]).id
    service.resolve(d)
    service.tick(b, "1")  # b's next step is SEV1+15
    ids = [r["id"] for r in service.board()]
    assert ids == [b, a, c]
    everything = [r["id"] for r in service.board(include_resolved=True)]
    assert everything == [b, a, c, d]  # resolved ones after every open one
    paged = [
        r["id"]
        for off in range(0, 4, 2)
        for r in service.board(include_resolved=True, limit=2, offset=off)
    ]
    assert paged == everything
    assert service.board_count() == 3 and service.board_count(include_resolved=True) == 4
    assert [r["id"] for r in service.board(text="sev3")] == [a, c]


def test_board_query_is_served_by_the_index(store):
    conn = store.conn
    for include_resolved in (False, True):
        where, params = projections._filter(include_resolved, True, "")  # noqa: SLF001
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM incidents {where} ORDER BY is_open DESC, sev_rank ASC, "
            "next_due_at IS NULL, next_due_at ASC, number DESC LIMIT 200",
            params,
        ).fetchall()
        text = " | ".join(row[-1] for row in plan)
        assert "incidents_board_order" in text and "TEMP B-TREE" not in text, text


def test_show_reads_one_incident_through_its_index(store):
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE incident_id = ? ORDER BY hlc", ["INC-1"]
    ).fetchall()
    assert "events_incident_hlc" in plan[0][-1]


def test_overdue_countdown_is_computed_at_read_time(service, clock, run):
    inc = service.declare("sev1", "SEV1", services=["orders-db"])
    row = projections.get(service.store.conn, inc.id)
    assert row["next_step"] == "SEV1+0"
    clock.advance(minutes=20)
    # The stored row does not change with time; the countdown is due_at - now.
    assert projections.get(service.store.conn, inc.id) == row
    due = service.plan(service.get(inc.id))[0]
    assert due.seconds_to_due(clock.now()) == -timedelta(minutes=20).total_seconds()
