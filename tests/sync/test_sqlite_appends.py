"""SQLite appends: a batch's rows packed into one statement store exactly what the rows
one by one store, and pushes waiting together go into one transaction (group commit)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.store.server_log import INSERT_PACKED, Batch, Item, SqliteLog, packed, resolve
from console.sync.server import SqliteAppends

RECEIVED = "2026-03-01T09:00:00.000+00:00"


def item(n: int, incident: str = "INC-1", kind: str = "note_added", text: str = "") -> Item:
    event_id = str(uuid.UUID(int=n + 1, version=4))
    return Item(event_id, incident, kind, text or f'{{"event_id":"{event_id}","n":{n}}}')


def stored(log: SqliteLog) -> list[tuple]:
    return log.conn.execute("SELECT * FROM log ORDER BY server_seq").fetchall()


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
incidents = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True)
kinds = st.from_regex(r"[a-z][a-z0-9_.]{0,20}", fullmatch=True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(incidents, kinds, texts), min_size=1, max_size=30),
    st.integers(0, 3),
)
def test_packed_rows_are_the_rows_one_by_one(tmp_path_factory, events, head):
    """Texts of any script and length, incidents and kinds of any width: byte for byte."""
    batch = Batch.of(item(n, inc, kind, text) for n, (inc, kind, text) in enumerate(events))
    outcome, written = resolve(batch, {}, head)
    params = packed(batch, written, "dev-a", RECEIVED)
    assert params is not None
    log = SqliteLog(tmp_path_factory.mktemp("packed") / "log.db")
    try:
        with log._writer:
            log._writer.execute(INSERT_PACKED, [head + 1, *params])
        assert stored(log) == list(batch.rows(outcome, written, "dev-a", RECEIVED))
    finally:
        log.close()


@pytest.mark.parametrize(
    "odd",
    [
        item(1, incident="INC 1"),  # a space: rtrim could not give it back
        item(1, incident="INC-1 "),
        item(1, kind="note_addé"),  # not ASCII: not a byte a character
        Item("not-a-uuid", "INC-1", "note_added", "{}"),
    ],
)
def test_rows_that_do_not_pack_go_row_by_row(tmp_path, odd):
    """The storage checks nothing: what the packing cannot give back exactly is
    inserted one row at a time, and stored as given."""
    batch = Batch.of([item(0), odd])
    assert packed(batch, range(2), "dev-a", RECEIVED) is None
    log = SqliteLog(tmp_path / "log.db")
    try:
        log.append(batch, "dev-a", RECEIVED)
        assert [(r[0], r[1], r[2], r[3]) for r in stored(log)] == [
            (1, item(0).event_id, "INC-1", "note_added"),
            (2, odd.event_id, odd.incident_id, odd.kind),
        ]
    finally:
        log.close()


def waiting_together(log: SqliteLog, batches: list[Batch]) -> list:
    """The batches pushed at once: each queued while the writer thread is busy, before
    the next transaction begins."""
    appends = SqliteAppends()
    busy = threading.Event()
    appends.writer.submit(busy.wait, 10)

    async def run():
        prepared = [log.prepare(b, "dev-a", RECEIVED) for b in batches]
        pushes = [asyncio.ensure_future(appends.append(log, p)) for p in prepared]
        await asyncio.sleep(0)  # a turn of the loop: each push runs up to its wait
        assert len(appends.waiting) == len(batches)
        busy.set()
        return await asyncio.gather(*pushes, return_exceptions=True)

    try:
        return asyncio.run(run())
    finally:
        appends.writer.shutdown()


def test_pushes_waiting_together_share_one_commit(tmp_path):
    """Dense seqs in the order they came, a retry among them worked out (its duplicate
    gets the seq the log holds, its new event the next), one COMMIT for them all."""
    log = SqliteLog(tmp_path / "log.db")
    statements: list[str] = []
    try:
        log._writer.set_trace_callback(statements.append)
        first = Batch.of([item(0), item(1)])
        retry = Batch.of([item(1), item(2)])  # item 1 again, and a new one
        last = Batch.of([item(3)])
        outcomes = waiting_together(log, [first, retry, last])
        assert [list(o.seqs) for o in outcomes] == [[1, 2], [2, 3], [4]]
        assert [o.status(0) for o in outcomes] == ["accepted", "duplicate", "accepted"]
        assert [r[1] for r in stored(log)] == [item(n).event_id for n in range(4)]
        assert sum(s.strip() == "COMMIT" for s in statements) == 1
    finally:
        log.close()


def test_a_failing_batch_fails_its_transaction_and_frees_the_writer(tmp_path, monkeypatch):
    """Nothing of the group is stored, every push in it gets the error, and the next
    append goes through."""
    log = SqliteLog(tmp_path / "log.db")
    try:
        real = log._insert
        broken = Batch.of([item(5, incident="INC 5")])  # does not pack: row by row

        def disk_full(conn, rows):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(log, "_insert", disk_full)
        outcomes = waiting_together(log, [Batch.of([item(0)]), broken])
        assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes)
        assert stored(log) == []
        monkeypatch.setattr(log, "_insert", real)
        assert list(log.append(Batch.of([item(0)]), "dev-a", RECEIVED).seqs) == [1]
    finally:
        log.close()
