"""The war-room server's log in PostgreSQL (psycopg 3), shared by several serve processes.

Appends lock the one-row `log_head` for their whole transaction and take the next
numbers from it, so server_seq values commit in number order and a reader paging
`server_seq > cursor` can never pass over a row that commits later. Each append also
NOTIFYs (delivered at commit); every process LISTENs on a dedicated connection and wakes
its parked long-polls.

The log id is read with every page, append and rewritten-log check, in the statement
that reads the log, so after `serve --new-log-id` on one process every process answers
with the new id from its next request on; an id once replaced is never served again by
this process (a request that read the old one just before the change cannot bring it
back).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from console.model.errors import InputError
from console.model.lifecycle import LIFECYCLE_KINDS
from console.store import pg_schema
from console.store.server_log import (
    Batch,
    Item,
    OpenPage,
    Outcome,
    PageText,
    StorageUnavailable,
    lifecycle_marks,
    newer_marks,
    pulled,
    resolve,
)

CHANNEL = "incident_console_log"
LOG_ID = "(SELECT value FROM meta WHERE key = 'log_id')"


def safe_url(url: str) -> str:
    """The URL without its password, for logs and health."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    host = parts.get("host") or "localhost"
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def track_lifecycle(conn: psycopg.Connection[Any], incidents: list[str], items: list[Item]) -> None:
    """Inside the append's transaction (holding log_head's lock): new incidents (each
    once) start open; lifecycle events among `items` move them when they sort after the
    one the table holds."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO incident_lifecycle (incident_id) VALUES (%s) ON CONFLICT DO NOTHING",
            [(i,) for i in incidents],
        )
    marks = lifecycle_marks(items)
    if not marks:
        return
    held = {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            "SELECT incident_id, hlc, origin, event_id FROM incident_lifecycle "
            "WHERE incident_id = ANY(%s)",
            [list(marks)],
        )
    }
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE incident_lifecycle SET is_open = %s, hlc = %s, origin = %s, "
            "event_id = %s WHERE incident_id = %s",
            [(bool(r[0]), *r[1:]) for r in newer_marks(marks, held)],
        )


def backfill_lifecycle(conn: psycopg.Connection[Any]) -> None:
    """Migration 3: the open set of the log already held."""
    conn.execute(
        "INSERT INTO incident_lifecycle (incident_id) SELECT DISTINCT incident_id FROM log"
    )
    rows = conn.execute(
        "SELECT event_id, incident_id, kind, payload FROM log WHERE kind = ANY(%s) "
        "ORDER BY server_seq",
        [sorted(LIFECYCLE_KINDS)],
    ).fetchall()
    track_lifecycle(conn, [], [Item(r[0], r[1], r[2], r[3]) for r in rows])


class PgLog:
    backend = "postgresql"
    threaded = True
    own_writer = False

    def __init__(self, url: str, pool_size: int = 10, connect_timeout: int = 10):
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout) as conn:
                pg_schema.migrate(conn)
                row = conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        except psycopg.Error as exc:
            raise InputError(f"{safe_url(url)}: cannot open the server log ({exc})") from None
        assert row is not None  # migration 1 writes it
        self.log_id: str = row[0]
        self._retired: set[str] = set()  # ids this process saw replaced
        self._log_id_lock = threading.Lock()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            timeout=connect_timeout,
            open=True,
            name="incident-console-log",
        )
        self._wakes: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._listen_conn: psycopg.Connection | None = None

    def describe(self) -> str:
        return safe_url(self.url)

    @contextlib.contextmanager
    def _conn(self, timeout: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self.pool.connection(timeout=timeout) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def append(self, batch: Batch, client_id: str, received_at: str) -> Outcome:
        with self._conn() as conn, conn.transaction():
            # First the head's row lock: from here on this transaction is the only appender,
            # and (read committed) every following statement sees what earlier ones committed.
            head_row = conn.execute(f"SELECT seq, {LOG_ID} FROM log_head FOR UPDATE").fetchone()
            assert head_row is not None
            self._saw(head_row[1])
            # Most pushes hold only new events: COPY them straight in, and look up what the
            # log holds for these ids only when the unique index says some are in.
            outcome, written = resolve(batch, {}, head_row[0])
            try:
                with conn.transaction():  # a savepoint
                    self._copy(conn, batch.rows(outcome, written, client_id, received_at))
            except psycopg.errors.UniqueViolation:
                outcome, written = resolve(batch, self._known(conn, batch), head_row[0])
                if written:
                    self._copy(conn, batch.rows(outcome, written, client_id, received_at))
            if written:
                track_lifecycle(conn, batch.incidents(written), batch.lifecycle(written))
                last = outcome.seqs[written[-1]]
                conn.execute("UPDATE log_head SET seq = %s", [last])
                conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(last)])
        return outcome

    @staticmethod
    def _copy(conn: psycopg.Connection[Any], rows: Iterable[tuple]) -> None:
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY log (server_seq, event_id, incident_id, kind, payload, client_id, "
                "received_at) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def _known(conn: psycopg.Connection[Any], batch: Batch) -> dict[str, tuple[int, str]]:
        """(server_seq, payload) of the events of `batch` that the log already holds."""
        return {
            event_id: (seq, payload)
            for seq, event_id, payload in conn.execute(
                "SELECT server_seq, event_id, payload FROM log WHERE event_id = ANY(%s)",
                [batch.event_ids],
            )
        }

    def page(self, after: int, limit: int) -> tuple[list[tuple[int, str]], int]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT server_seq, payload FROM log WHERE server_seq > %s "
                "ORDER BY server_seq LIMIT %s",
                [after, limit + 1],
            ).fetchall()
            head = conn.execute(f"SELECT seq, {LOG_ID} FROM log_head").fetchone()
        if head:
            self._saw(head[1])
        return [(r[0], r[1]) for r in rows], head[0] if head else 0

    def page_text(self, after: int, limit: int) -> PageText:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT server_seq, payload FROM log WHERE server_seq > %s "
                "ORDER BY server_seq LIMIT %s",
                [after, limit + 1],
            ).fetchall()
            head = conn.execute(f"SELECT seq, {LOG_ID} FROM log_head").fetchone()
        if head:
            self._saw(head[1])
        more = len(rows) > limit
        rows = rows[:limit]
        return PageText(
            pulled(rows), len(rows), rows[-1][0] if rows else after, more, head[0] if head else 0
        )

    def open_page(self, after: int, upto: int | None, limit: int) -> OpenPage:
        """Every event of the incidents open now, server_seq in (after, upto]; `upto`
        None is the head now. The head is read first: every row up to it has committed."""
        with self._conn() as conn:
            head = conn.execute(f"SELECT seq, {LOG_ID} FROM log_head").fetchone()
            if head:
                self._saw(head[1])  # the log id the page belongs to, as a pull reads it
            if upto is None:
                upto = head[0] if head else 0
            rows = conn.execute(
                "SELECT l.server_seq, l.payload FROM incident_lifecycle s "
                "JOIN log l ON l.incident_id = s.incident_id "
                "WHERE s.is_open AND l.server_seq > %s AND l.server_seq <= %s "
                "ORDER BY l.server_seq LIMIT %s",
                [after, upto, limit + 1],
            ).fetchall()
            count = conn.execute("SELECT count(*) FROM incident_lifecycle WHERE is_open").fetchone()
        return OpenPage([(r[0], r[1]) for r in rows], upto, count[0] if count else 0)

    def head(self) -> int:
        with self._conn() as conn:
            row = conn.execute("SELECT seq FROM log_head").fetchone()
        return row[0] if row else 0

    def count(self) -> int:
        with self._conn() as conn:
            row = conn.execute("SELECT count(*) FROM log").fetchone()
        return row[0] if row else 0

    def event_at(self, seq: int) -> str | None:
        with self._conn() as conn:
            row = conn.execute(
                f"SELECT (SELECT event_id FROM log WHERE server_seq = %s), {LOG_ID}", [seq]
            ).fetchone()
        assert row is not None
        self._saw(row[1])
        return row[0]

    def rows(self) -> list[tuple[int, str, str]]:
        with self._conn() as conn:
            got = conn.execute(
                "SELECT server_seq, event_id, payload FROM log ORDER BY server_seq"
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in got]

    def rotate_log_id(self) -> str:
        new = uuid.uuid4().hex
        with self._conn() as conn:
            conn.execute("UPDATE meta SET value = %s WHERE key = 'log_id'", [new])
        self._saw(new)
        return new

    def _saw(self, log_id: str | None) -> None:
        """The id the database holds now (another process may have replaced it)."""
        with self._log_id_lock:
            if log_id and log_id != self.log_id and log_id not in self._retired:
                self._retired.add(self.log_id)
                self.log_id = log_id

    def reachable(self) -> bool:
        try:
            with self._conn(timeout=2.0) as conn:
                conn.execute("SELECT 1")
        except (StorageUnavailable, psycopg.Error):
            return False
        return True

    # ---------------------------------------------------------------- LISTEN
    def listen(self, wake: Callable[[], None]) -> None:
        """Call `wake` (from another thread) whenever any process appends to the log."""
        if wake not in self._wakes:
            self._wakes.append(wake)
        if self._listener is None:
            self._listener = threading.Thread(
                target=self._listen, name="incident-console-listen", daemon=True
            )
            self._listener.start()

    def _wake_all(self) -> None:
        for wake in list(self._wakes):
            wake()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    self._listen_conn = conn
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._wake_all()  # anything appended while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self._wake_all()
            except psycopg.Error:
                self._stop.wait(1.0)  # the database went away: reconnect shortly
            finally:
                self._listen_conn = None

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        self.pool.close()
