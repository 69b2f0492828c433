"""The storage engine alone, the sync benches' baseline: rows as the server stores them,
in one executemany and one commit into a fresh SQLite log with the server's own schema
and pragmas."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from console.store.server_log import SqliteLog


def bulk_sqlite(path: Path, rows: list[tuple]) -> float:
    SqliteLog(path).close()  # the server's own schema
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    # No WAL checkpoint in the commit: the server's appends leave it to a thread too.
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO log VALUES (?,?,?,?,?,?,?)", rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    return took
