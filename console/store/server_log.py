"""The war-room server's global log: what a storage backend offers, and the SQLite one.

The server (console/sync/server.py) validates events; a backend only stores them. Every
backend hands out `server_seq` densely, in commit order, so a reader paging
`server_seq > cursor` never skips a row that commits late.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from pathlib import Path
from typing import NamedTuple, Protocol

import msgspec
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from console.model.errors import InputError
from console.model.events import body_problem
from console.model.lifecycle import LIFECYCLE_KINDS, opens
from console.store.db import checkpoint

SERVER_MIGRATIONS = Migrations("incident_console_server")


class StorageUnavailable(Exception):
    """The database did not answer (down, restarting, out of connections): try again."""


class Item(NamedTuple):
    """One event as the log holds it: `text` is its canonical stored form."""

    event_id: str
    incident_id: str
    kind: str
    text: str


class Batch(NamedTuple):
    """Checked events to append, a column each (a push of thousands is built and
    stored without an object per event): `texts` are their canonical stored forms."""

    event_ids: list[str]
    incident_ids: list[str]
    kinds: list[str]
    texts: list[str]

    @classmethod
    def of(cls, items: Iterable[Item]) -> Batch:
        items = list(items)
        return cls(
            [i.event_id for i in items],
            [i.incident_id for i in items],
            [i.kind for i in items],
            [i.text for i in items],
        )

    @property
    def size(self) -> int:
        return len(self.event_ids)

    def rows(
        self, outcome: Outcome, written: Sequence[int], client_id: str, received_at: str
    ) -> Iterable[tuple]:
        """The log rows of the events at `written` (indexes), in the log's column order."""
        if isinstance(written, range) and len(written) == self.size:  # all of them: the usual
            return zip(
                outcome.seqs,
                self.event_ids,
                self.incident_ids,
                self.kinds,
                self.texts,
                repeat(client_id),
                repeat(received_at),
                strict=False,  # the columns are as long as each other; repeat() has no end
            )
        return [
            (
                outcome.seqs[i],
                self.event_ids[i],
                self.incident_ids[i],
                self.kinds[i],
                self.texts[i],
                client_id,
                received_at,
            )
            for i in written
        ]

    def incidents(self, written: Sequence[int]) -> list[str]:
        """The incidents of the events at `written`, each once."""
        ids = self.incident_ids
        if len(written) == self.size:
            return list(dict.fromkeys(ids))
        return list(dict.fromkeys(ids[i] for i in written))

    def lifecycle(self, written: Sequence[int]) -> list[Item]:
        """The lifecycle events among those at `written` (a few in a hundred, if any)."""
        if LIFECYCLE_KINDS.isdisjoint(self.kinds):
            return []
        return [
            Item(self.event_ids[i], self.incident_ids[i], self.kinds[i], self.texts[i])
            for i in written
            if self.kinds[i] in LIFECYCLE_KINDS
        ]


class Outcome(NamedTuple):
    """What became of each event of a Batch: its server_seq, and whether it was accepted
    (a new seq), a duplicate (same text: its seq) or a mismatch (same id, other text: its
    seq, nothing written). `statuses` None: every one accepted, the usual push."""

    seqs: Sequence[int]
    statuses: list[str] | None

    def status(self, i: int) -> str:
        return "accepted" if self.statuses is None else self.statuses[i]

    def after(self, head: int) -> Outcome:
        """This outcome, resolved against an empty log, for a log whose head is `head`:
        every seq that much further on."""
        seqs = self.seqs
        if isinstance(seqs, range):
            return Outcome(range(seqs.start + head, seqs.stop + head), self.statuses)
        return Outcome([seq + head for seq in seqs], self.statuses)


class PageText(NamedTuple):
    """A page of the log as the pull reply's events (`pulled`)."""

    events: str
    size: int  # events on the page
    last: int  # the last server_seq on the page (`after` when empty)
    has_more: bool
    head: int


class Recent(NamedTuple):
    """The texts of the last appends, committed, with the server_seq of the first (the
    others follow densely): the pages long-polls ask for, served from memory."""

    first: int
    texts: list[str]

    def then(self, first: int, texts: list[str]) -> Recent:
        """These texts and the `texts` appended next (from server_seq `first`), the oldest
        dropped past RECENT_EVENTS."""
        if self.texts and self.first + len(self.texts) == first:
            first, texts = self.first, self.texts + texts
        drop = max(0, len(texts) - RECENT_EVENTS)
        return Recent(first + drop, texts[drop:])


# Two pushes are on their way from a console at a time, and a page may be asked for after
# the next append: its long-poll's page is then no longer the last append's alone.
RECENT_EVENTS = 4 * 5_000


def pulled(rows: Iterable[tuple[int, str]]) -> str:
    """The pull reply's events: each stored text (a JSON object) with its server_seq put
    first, '{"server_seq":7,' + the rest of it, joined by commas. In Python: quicker
    than the same concatenation in SQL (SQLite or PostgreSQL's string_agg), ~1 ms a
    5,000-event page."""
    return ",".join([f'{{"server_seq":{seq},{text[1:]}' for seq, text in rows])


class LogStorage(Protocol):
    backend: str  # "sqlite" | "postgresql"
    log_id: str
    # True: calls block on the network and may run on worker threads at once (the server
    # then calls them off the event loop). False: calls run on the event-loop thread
    # (SqliteLog's appends aside: the server runs them on a writer thread of their own,
    # SqliteLog.append_batches).
    threaded: bool

    def describe(self) -> str: ...
    def append(self, batch: Batch, client_id: str, received_at: str) -> Outcome: ...
    def page(self, after: int, limit: int) -> tuple[list[tuple[int, str]], int]: ...
    def page_text(self, after: int, limit: int) -> PageText: ...
    def open_page(self, after: int, upto: int | None, limit: int) -> OpenPage: ...
    def head(self) -> int: ...
    def count(self) -> int: ...
    def event_at(self, seq: int) -> str | None: ...
    def rows(self) -> list[tuple[int, str, str]]: ...
    def rotate_log_id(self) -> str: ...
    def reachable(self) -> bool: ...
    def listen(self, wake: Callable[[], None]) -> None: ...
    def close(self) -> None: ...


def resolve(
    batch: Batch, known: dict[str, tuple[int, str]], head: int
) -> tuple[Outcome, Sequence[int]]:
    """Shared by the backends: the outcome per event, and the indexes of the events to
    write (each with its outcome's seq), given what the log already holds for these ids
    and its head."""
    ids = batch.event_ids
    if not known and len(set(ids)) == len(ids):  # all new: the usual
        return Outcome(range(head + 1, head + 1 + len(ids)), None), range(len(ids))
    seqs: list[int] = []
    statuses: list[str] = []
    written: list[int] = []
    for i, (event_id, text) in enumerate(zip(ids, batch.texts, strict=True)):
        if event_id in known:
            seq, held = known[event_id]
            seqs.append(seq)
            statuses.append("duplicate" if _same(held, text) else "mismatch")
            continue
        head += 1
        known[event_id] = (head, text)
        seqs.append(head)
        statuses.append("accepted")
        written.append(i)
    return Outcome(seqs, statuses), written


def _same(stored: str, text: str) -> bool:
    """The same canonical text; or stored by an older server, whose encoder spelled some
    numbers differently (1e+16 for 1e16) but meant the same event."""
    return (
        stored == text or msgspec.json.encode(json.loads(stored), order="sorted") == text.encode()
    )


class OpenPage(NamedTuple):
    """A page of the open incidents' events: (server_seq, payload) rows after the cursor
    up to `upto` (limit + 1 of them, to tell whether more follow), and how many
    incidents are open now."""

    rows: list[tuple[int, str]]
    upto: int
    incidents: int


Mark = tuple[tuple[str, str, str], bool]  # (hlc, origin, event_id) of the latest, open?


def lifecycle_marks(items: list[Item]) -> dict[str, Mark]:
    """Shared by the backends: per incident, the latest lifecycle event among `items` in
    fold order, and whether it leaves the incident open (console/model/lifecycle.py).
    Only lifecycle kinds are parsed: a few events in a hundred."""
    marks: dict[str, Mark] = {}
    for item in items:
        if item.kind not in LIFECYCLE_KINDS:
            continue
        try:
            raw = json.loads(item.text)
            key = (raw["hlc"], raw["origin"], raw["event_id"])
        except (ValueError, TypeError, KeyError):
            continue  # the storage checks nothing; the fold would not read it either
        # A body that does not fit its kind changes nothing in the fold: nor here.
        if not all(isinstance(k, str) for k in key) or body_problem(item.kind, raw["body"]):
            continue
        effect = opens(item.kind, raw["body"])
        if effect is None:
            continue
        held = marks.get(item.incident_id)
        if held is None or key > held[0]:
            marks[item.incident_id] = (key, effect)
    return marks


def newer_marks(marks: dict[str, Mark], held: dict[str, tuple[str, str, str]]) -> list[tuple]:
    """(is_open, hlc, origin, event_id, incident_id) rows for the marks that sort after
    what the table holds (an event stamped earlier arriving late changes nothing)."""
    return [
        (int(is_open), *key, incident_id)
        for incident_id, (key, is_open) in marks.items()
        if key > held.get(incident_id, ("", "", ""))
    ]


@SERVER_MIGRATIONS()
def s001_log(db):
    db.execute(
        """CREATE TABLE log (
            server_seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            client_id TEXT NOT NULL,
            received_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta(key, value) VALUES ('log_id', ?)", [uuid.uuid4().hex])


@SERVER_MIGRATIONS()
def s002_incident_lifecycle(db):
    """Which incidents are open, kept with every append, so a joining console gets them
    first; backfilled from the log already held."""
    db.execute(
        """CREATE TABLE incident_lifecycle (
            incident_id TEXT PRIMARY KEY,
            is_open INTEGER NOT NULL DEFAULT 1,
            hlc TEXT NOT NULL DEFAULT '',
            origin TEXT NOT NULL DEFAULT '',
            event_id TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX incident_lifecycle_open ON incident_lifecycle(is_open)")
    db.execute("CREATE INDEX log_incident ON log(incident_id, server_seq)")
    db.execute("INSERT INTO incident_lifecycle(incident_id) SELECT DISTINCT incident_id FROM log")
    marks = (",".join("?" for _ in LIFECYCLE_KINDS), sorted(LIFECYCLE_KINDS))
    items = [
        Item(event_id, incident_id, kind, payload)
        for event_id, incident_id, kind, payload in db.execute(
            f"SELECT event_id, incident_id, kind, payload FROM log WHERE kind IN ({marks[0]}) "
            "ORDER BY server_seq",
            marks[1],
        ).fetchall()
    ]
    _track_lifecycle(db.conn, [], items)  # every incident is in the table already


def _track_lifecycle(conn: sqlite3.Connection, incidents: list[str], items: list[Item]) -> None:
    """Inside the append's transaction: new incidents (each once) start open; lifecycle
    events among `items` move them when they sort after the one the table holds."""
    conn.execute(  # one statement: on the writer thread, one trip for the interpreter lock
        "INSERT INTO incident_lifecycle(incident_id) SELECT value FROM json_each(?) WHERE true "
        "ON CONFLICT DO NOTHING",
        [msgspec.json.encode(incidents).decode()],
    )
    marks = lifecycle_marks(items)
    if not marks:
        return
    ids = list(marks)
    held = {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            "SELECT incident_id, hlc, origin, event_id FROM incident_lifecycle "
            f"WHERE incident_id IN ({','.join('?' for _ in ids)})",
            ids,
        )
    }
    conn.executemany(
        "UPDATE incident_lifecycle SET is_open = ?, hlc = ?, origin = ?, event_id = ? "
        "WHERE incident_id = ?",
        newer_marks(marks, held),
    )


class Checkpointer:
    """Copies the WAL back into the database on a thread of its own, so no push's commit
    does it (SQLite's auto-checkpoint runs inside the commit that takes the WAL past
    1,000 pages: 8-15 ms more on a 5,000-event push). `wrote` counts what commits added;
    past `every` bytes the thread checkpoints (PASSIVE, on its own connection), which
    keeps the WAL about as small as the auto-checkpoint would."""

    def __init__(self, path: Path, every: int = 2_000_000):
        self.path = path
        self.every = every
        self.done = 0  # checkpoints run: for tests and the curious
        self._since = 0
        self._wanted = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self, size: int) -> None:
        """After a commit: about `size` bytes went into the WAL."""
        self._since += size
        if self._since >= self.every:
            self._since = 0
            self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            checkpoint(self.path)
            self.done += 1

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join()


class Prepared(NamedTuple):
    """An append worked out before it takes its turn (SqliteLog.prepare): `outcome` and
    `written`, as if every event were new, against an empty log (Outcome.after moves it
    on); `rows`, the written events' rows packed as INSERT_PACKED's parameters after the
    first seq (None: they go row by row)."""

    batch: Batch
    outcome: Outcome
    written: Sequence[int]
    rows: list | None
    client_id: str
    received_at: str


class Staged(NamedTuple):
    """A batch in an append transaction: what became of each of its events, and which of
    them are written (by index)."""

    prepared: Prepared
    outcome: Outcome
    written: Sequence[int]

    @property
    def batch(self) -> Batch:
        return self.prepared.batch


# A whole batch in one statement, so that on a thread it lets go of the interpreter lock
# once: executemany lets go of it for every row, and then waits for it back after every
# row while the event loop holds it. The columns come packed: the event ids (36 bytes
# each), the incidents and kinds padded with spaces to a width, the texts one after the
# other with their lengths in a JSON array, which json_each also turns into the rows.
# Every value comes back byte for byte: a blob's substr counts bytes, in constant time.
INSERT_PACKED = (
    "INSERT INTO log (server_seq, event_id, incident_id, kind, payload, client_id, "
    "received_at) SELECT ?1 + key, CAST(substr(?2, 36 * key + 1, 36) AS TEXT), "
    "rtrim(CAST(substr(?3, ?4 * key + 1, ?4) AS TEXT)), "
    "rtrim(CAST(substr(?5, ?6 * key + 1, ?6) AS TEXT)), "
    "CAST(substr(?7, ends - value + 1, value) AS TEXT), ?8, ?9 "
    "FROM (SELECT key, value, sum(value) OVER (ORDER BY key) AS ends FROM json_each(?10))"
)


def _padded(values: list[str]) -> tuple[bytes, int] | None:
    """`values` side by side, each padded with spaces to the longest: None unless they
    are ASCII without spaces (what rtrim gives back exactly)."""
    plain = "".join(values)
    if not plain.isascii() or " " in plain:
        return None
    width = max(map(len, values))
    return "".join([v.ljust(width) for v in values]).encode("ascii"), width


def packed(batch: Batch, written: Sequence[int], client_id: str, received_at: str) -> list | None:
    """INSERT_PACKED's parameters after the first seq, for the events of `batch` at
    `written` (their seqs follow densely); None when they do not pack (ids of another
    shape, or text that does not encode: the row-by-row insert then says what is wrong)."""
    if len(written) == batch.size:
        ids, incidents, kinds, texts = batch.event_ids, batch.incident_ids, batch.kinds, batch.texts
    else:
        ids, incidents, kinds, texts = (
            [column[i] for i in written]
            for column in (batch.event_ids, batch.incident_ids, batch.kinds, batch.texts)
        )
    incident_column, kind_column = _padded(incidents), _padded(kinds)
    joined_ids = "".join(ids)
    if incident_column is None or kind_column is None or set(map(len, ids)) != {36}:
        return None
    try:
        ids_blob = joined_ids.encode("ascii")
        joined = "".join(texts)
        blob = joined.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if len(blob) == len(joined):  # ASCII: a character a byte
        sizes = list(map(len, texts))
    else:
        sizes = [len(t.encode("utf-8")) for t in texts]
    return [
        ids_blob,
        *incident_column,
        *kind_column,
        blob,
        client_id,
        received_at,
        msgspec.json.encode(sizes).decode("ascii"),
    ]


class SqliteLog:
    """One file, two connections: appends on a writer connection, everything else on a
    reader connection (WAL: readers see each commit whole and never wait for the
    writer). The server appends on a writer thread of its own (append_batches), each
    step one statement run in C: the insert and the fsync do not stop its event loop.
    BEGIN IMMEDIATE serialises appends, so server_seq is assigned in commit order."""

    backend = "sqlite"
    threaded = False

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, not a database file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, timeout=10, check_same_thread=False
            )
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a server log database ({exc})") from None
        if tables and "log" not in tables:
            conn.close()
            raise InputError(
                f"{self.path}: a SQLite database, but not a server log "
                f"(tables: {', '.join(sorted(tables)[:5])})"
            )
        self.db = Database(conn)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        SERVER_MIGRATIONS.apply(self.db)
        self.conn = conn
        self._writer = sqlite3.connect(
            str(self.path), isolation_level=None, timeout=10, check_same_thread=False
        )
        self._writer.execute("PRAGMA busy_timeout = 10000")
        self._writer.execute("PRAGMA synchronous = FULL")
        # The writer's commits never checkpoint: the checkpointer's thread does.
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self.checkpointer = Checkpointer(self.path)
        self._writing = threading.Lock()
        self._recent = Recent(0, [])
        self.log_id: str = conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()[0]

    def describe(self) -> str:
        return str(self.path)

    def close(self) -> None:
        with self._writing:
            self._writer.close()
        self.checkpointer.close()
        self.conn.close()

    def head(self) -> int:
        return _head(self.conn)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM log").fetchone()[0]

    def append(self, batch: Batch, client_id: str, received_at: str) -> Outcome:
        return self.append_batches([self.prepare(batch, client_id, received_at)])[0]

    def prepare(self, batch: Batch, client_id: str, received_at: str) -> Prepared:
        """The append's rows, packed before it takes its turn (nothing is read or written)."""
        outcome, written = resolve(batch, {}, 0)
        rows = packed(batch, written, client_id, received_at) if written else None
        return Prepared(batch, outcome, written, rows, client_id, received_at)

    def append_batches(self, batches: list[Prepared]) -> list[Outcome]:
        """Append the batches in one transaction, one after another, with one commit (one
        fsync): what became of each one's events. On any one thread: the server's writer
        thread, where every step is one statement run in C without the interpreter lock,
        so that it needs the lock back only between steps."""
        with self._writing:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                head = _head(conn)
                staged = []
                for prepared in batches:
                    staged.append(self._append_batch(conn, prepared, head))
                    head += len(staged[-1].written)
                # Before the commit, so that a page up to any head a reader sees comes from
                # memory: readers take only seqs up to the head they read, which counts
                # none of these until the commit.
                try:
                    remembered = sum(self._remember(each) for each in staged)
                    conn.execute("COMMIT")
                except BaseException:
                    self._recent = Recent(0, [])  # those seqs may yet be other events'
                    raise
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        # A row is its text, its ids and its index entries: about twice the text.
        self.checkpointer.wrote(2 * remembered)
        return [each.outcome for each in staged]

    def _append_batch(self, conn: sqlite3.Connection, prepared: Prepared, head: int) -> Staged:
        """One batch in the open transaction, after `head`: written as if every event were
        new; when the unique index says some are in the log (a retry), again from what
        the log holds for its ids. A packed insert that fails leaves nothing behind (a
        statement is undone whole); rows inserted one by one need a savepoint."""
        batch = prepared.batch
        by_row = prepared.rows is None
        if by_row:
            conn.execute("SAVEPOINT batch")
        outcome, written = prepared.outcome.after(head), prepared.written
        try:
            self._write(conn, prepared, outcome, written, prepared.rows)
        except sqlite3.IntegrityError:
            if by_row:
                conn.execute("ROLLBACK TO batch")
            outcome, written = resolve(batch, self._known(conn, batch), head)
            if written:
                rows = packed(batch, written, prepared.client_id, prepared.received_at)
                self._write(conn, prepared, outcome, written, rows)
        if by_row:
            conn.execute("RELEASE batch")
        if written:
            _track_lifecycle(conn, batch.incidents(written), batch.lifecycle(written))
        return Staged(prepared, outcome, written)

    def _write(
        self,
        conn: sqlite3.Connection,
        prepared: Prepared,
        outcome: Outcome,
        written: Sequence[int],
        rows: list | None,
    ) -> None:
        """The rows of the events at `written`: packed into one statement, or (ids or
        texts of another shape) row by row."""
        if rows is None:
            batch = prepared.batch
            self._insert(
                conn, batch.rows(outcome, written, prepared.client_id, prepared.received_at)
            )
        else:
            conn.execute(INSERT_PACKED, [outcome.seqs[written[0]], *rows])

    def _remember(self, staged: Staged) -> int:
        """The batch's written texts, for the long-polls it wakes to be served from memory:
        how many characters."""
        batch, written = staged.batch, staged.written
        if not written:
            return 0
        texts = batch.texts if len(written) == batch.size else [batch.texts[i] for i in written]
        self._recent = self._recent.then(staged.outcome.seqs[written[0]], texts)
        return sum(map(len, texts))

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
        conn.executemany(
            "INSERT INTO log (server_seq, event_id, incident_id, kind, payload, client_id, "
            "received_at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )

    @staticmethod
    def _known(conn: sqlite3.Connection, batch: Batch) -> dict[str, tuple[int, str]]:
        """(server_seq, payload) of the events of `batch` that the log already holds: as
        one JSON value (each row fetched alone would be a trip for the interpreter lock
        on the writer thread)."""
        held = conn.execute(
            "SELECT json_group_array(json_array(server_seq, event_id, payload)) FROM log "
            "WHERE event_id IN (SELECT value FROM json_each(?))",
            [json.dumps(batch.event_ids)],
        ).fetchone()[0]
        return {event_id: (seq, payload) for seq, event_id, payload in json.loads(held)}

    def event_at(self, seq: int) -> str | None:
        row = self.conn.execute("SELECT event_id FROM log WHERE server_seq = ?", [seq]).fetchone()
        return row[0] if row else None

    def rows(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(
            "SELECT server_seq, event_id, payload FROM log ORDER BY server_seq"
        ).fetchall()

    def rotate_log_id(self) -> str:
        self.log_id = uuid.uuid4().hex
        with self.conn:
            self.conn.execute("UPDATE meta SET value = ? WHERE key = 'log_id'", [self.log_id])
        return self.log_id

    def page(self, after: int, limit: int) -> tuple[list[tuple[int, str]], int]:
        rows = self.conn.execute(
            "SELECT server_seq, payload FROM log WHERE server_seq > ? ORDER BY server_seq LIMIT ?",
            [after, limit + 1],
        ).fetchall()
        return rows, self.head()

    def page_text(self, after: int, limit: int) -> PageText:
        head = self.head()
        last = min(after + limit, head)
        recent = self._recent
        if after < last and recent.first <= after + 1 and last < recent.first + len(recent.texts):
            # The page is among the last appends' events (a long-poll woken by a push): from
            # memory. They are committed (the head counts them) and their seqs are dense.
            texts = recent.texts[after + 1 - recent.first : last + 1 - recent.first]
            text = pulled(zip(range(after + 1, last + 1), texts, strict=True))
            return PageText(text, last - after, last, head > last, head)
        rows = self.conn.execute(
            "SELECT server_seq, payload FROM log WHERE server_seq > ? ORDER BY server_seq LIMIT ?",
            [after, limit + 1],
        ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return PageText(pulled(rows), len(rows), rows[-1][0] if rows else after, more, self.head())

    def open_page(self, after: int, upto: int | None, limit: int) -> OpenPage:
        """Every event of the incidents open now, server_seq in (after, upto]; `upto`
        None is the head now (a join's first page)."""
        if upto is None:
            upto = self.head()
        # CROSS JOIN keeps SQLite on the few open incidents, then their log index.
        rows = self.conn.execute(
            "SELECT l.server_seq, l.payload FROM incident_lifecycle s CROSS JOIN log l "
            "WHERE s.is_open = 1 AND l.incident_id = s.incident_id "
            "AND l.server_seq > ? AND l.server_seq <= ? ORDER BY l.server_seq LIMIT ?",
            [after, upto, limit + 1],
        ).fetchall()
        count = self.conn.execute(
            "SELECT count(*) FROM incident_lifecycle WHERE is_open = 1"
        ).fetchone()[0]
        return OpenPage(rows, upto, count)

    def reachable(self) -> bool:
        try:
            self.conn.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def listen(self, wake: Callable[[], None]) -> None:
        """One process holds the file: the server's own push wakes its pullers."""


def _head(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(server_seq), 0) FROM log").fetchone()[0]


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_log(target: str | Path) -> LogStorage:
    """A postgresql:// URL opens PostgreSQL (psycopg, the `server` extra); anything else is
    a SQLite file path."""
    if is_postgres_url(target):
        from console.store.server_log_pg import PgLog

        return PgLog(str(target))
    return SqliteLog(target)
