"""Opening the store safely: pragmas, migrations, and refusing files that are not ours."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from console.model.errors import ConsoleError, InputError
from console.store import schema


def open_store(path: str | os.PathLike) -> Store:
    return Store(path)


def peek_setting(path: str | os.PathLike, key: str) -> str | None:
    """One setting of a database file, read-only and without opening it as a Store (no
    migrations, nothing written); None when it is unset or the file is not a database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def checkpoint(path: str | os.PathLike) -> int:
    """Copy what the WAL holds back into the database, on a connection of its own (any
    thread) and without waiting for anyone (PASSIVE: what a reader still needs stays).
    The WAL frames it could not copy yet."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=0)
    try:
        _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.OperationalError:  # locked by another checkpointer: the next one does it
        return -1
    finally:
        conn.close()
    return max(frames - copied, 0)


class Store:
    """One connection, one thread. Writers use BEGIN IMMEDIATE with a busy timeout."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, not a database file")
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists() and self.path.stat().st_size > 0
        conn = None
        try:
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, timeout=10, check_same_thread=True
            )
            # Read before anything writes: a file that is not a database stays untouched.
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise InputError(f"{self.path}: not an Incident Console database ({exc})") from None
        if existed and tables and "_sqlite_migrations" not in tables:
            conn.close()
            raise InputError(
                f"{self.path}: a SQLite database, but not an Incident Console one (tables: {', '.join(sorted(tables)[:5])})"
            )
        self._conn = conn
        applied = self._check_schema(tables)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            if applied != set(schema.CURRENT):
                self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise InputError(f"{self.path}: cannot open the database ({exc})") from None

    def _migrate(self) -> None:
        from sqlite_utils import Database

        from console.store.migrations import MIGRATIONS

        conn, db = self._conn, Database(self._conn)
        if MIGRATIONS.pending(db):
            # Take the writer lock up front: two processes opening a new file at once
            # wait for each other instead of failing with "database is locked".
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS.apply(db)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _check_schema(self, tables: set[str]) -> set[str]:
        """The migrations this file has had; refuses a file from a newer console."""
        if "_sqlite_migrations" not in tables:
            return set()
        try:
            applied = {
                r[0]
                for r in self._conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [schema.SET]
                )
            }
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: unreadable schema record ({exc})") from None
        newer = sorted(applied - set(schema.CURRENT))
        if newer:
            self._conn.close()
            raise InputError(
                f"{self.path}: the database schema is newer than this console "
                f"(unknown migration {newer[0]}); upgrade incident-console"
            )
        return applied

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    def defer_checkpoints(self) -> None:
        """Commits on this connection stop copying the WAL back into the database. SQLite
        does that on the commit that takes the WAL past 1,000 pages, and in a large
        database that commit stalls for a few hundred milliseconds; someone else then
        calls `checkpoint` off the committing thread."""
        self._conn.execute("PRAGMA wal_autocheckpoint = 0")

    def close(self) -> None:
        self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: the writer lock is taken up front, so a
        concurrent writer waits (busy timeout) instead of failing mid-transaction."""
        conn = self._conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ConsoleError(f"{self.path}: database is busy ({exc})") from None
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction (BEGIN ... COMMIT) so several reads see one state of the
        database; inside a transaction already, that one."""
        conn = self._conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # ---------------------------------------------------------------- settings
    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def device_id(self) -> str:
        # Set once per database and never changed: read it once per Store (hot path of
        # every command).
        cached = self.__dict__.get("_device_id")
        if cached is not None:
            return cached
        device = self.setting("device_id")
        if device is None:
            with self.transaction():
                device = self.setting("device_id")
                if device is None:
                    device = uuid.uuid4().hex[:12]
                    self.set_setting("device_id", device)
        self._device_id = device
        return device

    def setting_json(self, key: str, default=None):
        raw = self.setting(key)
        return json.loads(raw) if raw is not None else default

    def set_setting_json(self, key: str, value) -> None:
        self.set_setting(key, json.dumps(value, sort_keys=True))
