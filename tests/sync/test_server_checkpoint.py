"""The SQLite server's pushes never checkpoint the WAL in their commit: a thread of the
log's does it once enough has been written, so the WAL does not grow without end and the
database file itself comes to hold what was pushed."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from waiting import wait_until

from console.store.db import checkpoint
from console.store.server_log import Batch, Item, SqliteLog

NOW = "2026-03-01T09:00:00.000Z"


def batch(start: int, size: int) -> Batch:
    items = []
    for n in range(start, start + size):
        event_id = str(uuid.UUID(int=n + 1, version=4))
        text = json.dumps({"event_id": event_id, "body": {"text": f"note {n}"}})
        items.append(Item(event_id, "INC-1", "note_added", text))
    return Batch.of(items)


def rows_in_database_file(path: Path) -> int:
    """The log rows the database file holds, leaving out what is only in the WAL."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM log").fetchone()[0]
    finally:
        conn.close()


def test_the_writer_never_checkpoints_in_its_commit(tmp_path):
    log = SqliteLog(tmp_path / "server.db")
    try:
        log.checkpointer.every = 10**12  # the thread never runs: only a commit could
        checkpoint(log.path)  # the tables, made when the log opened
        assert rows_in_database_file(log.path) == 0
        for start in range(0, 6_000, 2_000):
            log.append(batch(start, 2_000), "dev-a", NOW)
        assert log.count() == 6_000
        assert rows_in_database_file(log.path) == 0
    finally:
        log.close()


def test_the_wal_is_checkpointed_once_enough_is_written(tmp_path):
    log = SqliteLog(tmp_path / "server.db")
    try:
        log.checkpointer.every = 1  # after every append
        log.append(batch(0, 500), "dev-a", NOW)
        wait_until(lambda: log.checkpointer.done >= 1, what="the first checkpoint")
        assert rows_in_database_file(log.path) == 500
        log.append(batch(500, 500), "dev-a", NOW)
        wait_until(lambda: log.checkpointer.done >= 2, what="the second one")
        assert rows_in_database_file(log.path) == 1_000
        assert log.count() == 1_000
    finally:
        log.close()
