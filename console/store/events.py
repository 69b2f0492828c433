"""The append-only event log."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterator

import msgspec

from console.model.events import Event, time_of, typed_body
from console.model.hlc import HLC, receive, tick

_COLUMNS = "event_id, incident_id, kind, body, actor, origin, hlc, at, server_seq"


def uuid7() -> str:
    """A UUIDv7: time-ordered and unique, the event's idempotency key."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def row_to_event(row) -> Event:
    """The stored row as an Event."""
    event_id, incident_id, kind, body, actor, origin, hlc, at, server_seq = row
    return Event(event_id, incident_id, kind, _body(body), actor, origin, hlc, at, server_seq)


def row_to_folded_event(row) -> Event:
    """row_to_event with the event's time and typed body read now rather than on first
    use: the fold reads both of every event, and the lazy reads' own calls are a
    tenth of a rebuild."""
    ev = row_to_event(row)
    kept = ev.__dict__  # where Event's read-once properties keep their values
    kept["when"] = time_of(row[0], row[7])
    kept["data"] = typed_body(row[2], ev.body)
    return ev


_decode = msgspec.json.Decoder().decode


def _body(text: str):
    """msgspec's decoder (several times json's speed; the same values); json's for what
    it refuses, such as a stray surrogate escape an older version stored."""
    try:
        return _decode(text)
    except msgspec.DecodeError:
        return json.loads(text)


def next_hlc(conn: sqlite3.Connection) -> str:
    """Stamp a local event and persist the clock (inside the caller's transaction)."""
    last = _load_hlc(conn)
    stamp = tick(last, time.time_ns() // 1_000_000)
    _save_hlc(conn, stamp)
    return str(stamp)


def observe_hlc(conn: sqlite3.Connection, remote: str) -> None:
    """Merge a pulled event's stamp so later local events order after it."""
    stamp = receive(_load_hlc(conn), HLC.parse(remote), time.time_ns() // 1_000_000)
    _save_hlc(conn, stamp)


def _load_hlc(conn) -> HLC:
    row = conn.execute("SELECT value FROM settings WHERE key = 'hlc'").fetchone()
    return HLC.parse(row[0]) if row else HLC(0, 0)


def _save_hlc(conn, stamp: HLC) -> None:
    conn.execute(
        "INSERT INTO settings(key, value) VALUES ('hlc', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [str(stamp)],
    )


# json.dumps(body, sort_keys=True) without building an encoder per call (the same text).
_body_text = json.JSONEncoder(sort_keys=True).encode


def insert(conn: sqlite3.Connection, ev: Event, body_text: str | None = None) -> bool:
    """Insert unless already present (idempotent). True when it was new.
    `body_text`: the body already serialised as json.dumps(body, sort_keys=True)."""
    cur = conn.execute(
        f"INSERT INTO events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(event_id) DO NOTHING",
        [
            ev.event_id,
            ev.incident_id,
            ev.kind,
            body_text or _body_text(ev.body),
            ev.actor,
            ev.origin,
            ev.hlc,
            ev.at,
            ev.server_seq,
        ],
    )
    return cur.rowcount == 1


def insert_many(conn: sqlite3.Connection, evs: list[Event]) -> list[bool]:
    """insert() for each of `evs` in order, in one statement: which ones were new. An id
    the log holds, or met earlier in `evs`, is not inserted again (the first copy wins)."""
    held = {
        row[0]
        for row in conn.execute(
            "SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))",
            [json.dumps([ev.event_id for ev in evs])],
        )
    }
    new: list[bool] = []
    for ev in evs:
        new.append(ev.event_id not in held)
        held.add(ev.event_id)
    conn.executemany(
        f"INSERT INTO events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                ev.event_id,
                ev.incident_id,
                ev.kind,
                _body_text(ev.body),
                ev.actor,
                ev.origin,
                ev.hlc,
                ev.at,
                ev.server_seq,
            )
            for ev, fresh in zip(evs, new, strict=True)
            if fresh
        ],
    )
    return new


def set_server_seqs(conn: sqlite3.Connection, seqs: list[tuple[int, str]]) -> None:
    """set_server_seq for each (server_seq, event_id), in one statement."""
    conn.executemany(
        "UPDATE events SET server_seq = ? WHERE event_id = ? AND server_seq IS NULL", seqs
    )


def set_server_seq(conn: sqlite3.Connection, event_id: str, server_seq: int) -> None:
    """The server's number for an event we already hold (pushed, or pulled twice)."""
    conn.execute(
        "UPDATE events SET server_seq = ? WHERE event_id = ? AND server_seq IS NULL",
        [server_seq, event_id],
    )


def for_incident(conn: sqlite3.Connection, incident_id: str) -> list[Event]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY hlc", [incident_id]
    )
    return [row_to_event(r) for r in rows]


_RAW = "event_id, incident_id, kind, body, actor, origin, hlc, at"


def raw_in_fold_order(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Every event as stored (body as text), grouped per incident (INC-2 before INC-10),
    in fold order: (event_id, incident_id, kind, body, actor, origin, hlc, at)."""
    yield from conn.execute(
        f"SELECT {_RAW} FROM events ORDER BY length(incident_id), incident_id, hlc, origin, event_id"
    )


def raw_by_id(conn: sqlite3.Connection, event_ids: list[str]) -> dict[str, tuple]:
    """The stored rows (as in `raw_in_fold_order`) of those of `event_ids` that are here."""
    stored: dict[str, tuple] = {}
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT {_RAW} FROM events WHERE event_id IN ({marks})", chunk):
            stored[row[0]] = row
    return stored


def declared_ids(conn: sqlite3.Connection, incident_id: str) -> list[str]:
    """The ids of the incident's `declared` events."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT event_id FROM events WHERE incident_id = ? AND kind = 'declared'",
            [incident_id],
        )
    ]


def get(conn: sqlite3.Connection, event_id: str) -> Event | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE event_id = ?", [event_id]).fetchone()
    return row_to_event(row) if row else None


def outbox(conn: sqlite3.Connection, limit: int = 500) -> list[Event]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE server_seq IS NULL ORDER BY seq LIMIT ?", [limit]
    )
    return [row_to_event(r) for r in rows]


def outbox_depth(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM events WHERE server_seq IS NULL").fetchone()[0]


class EventCache:
    """The parsed events of recently used incidents, so a command does not re-read and
    re-parse a long incident's whole log from the database each time.

    An entry is checked against the log before each use: the tail (seq and event_id
    of the incident's newest row). The log is append-only and a new row always gets
    the highest seq, so another writer's event, or a rolled-back one of ours, changes
    the tail and the incident is read again.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._entries: OrderedDict[str, tuple[tuple | None, list[Event]]] = OrderedDict()

    def load(self, conn: sqlite3.Connection, incident_id: str) -> list[Event]:
        tail = _tail(conn, incident_id)  # before the events: a commit in between only looks stale
        entry = self._entries.get(incident_id)
        if entry is not None and entry[0] == tail:
            self._entries.move_to_end(incident_id)
            return list(entry[1])
        evs = for_incident(conn, incident_id) if tail is not None else []
        self._put(incident_id, tail, evs)
        return list(evs)

    def appended(self, conn: sqlite3.Connection, before: list[Event], ev: Event) -> list[Event]:
        """`ev` was just inserted (same transaction) on top of `before` from load()."""
        evs = [*before, ev]
        seq = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        self._put(ev.incident_id, (seq, ev.event_id), evs)
        return list(evs)

    def _put(self, incident_id: str, tail, evs: list[Event]) -> None:
        self._entries[incident_id] = (tail, evs)
        self._entries.move_to_end(incident_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _tail(conn: sqlite3.Connection, incident_id: str) -> tuple | None:
    row = conn.execute(
        "SELECT seq, event_id FROM events WHERE seq = "
        "(SELECT max(seq) FROM events WHERE incident_id = ?)",
        [incident_id],
    ).fetchone()
    return tuple(row) if row else None


def incident_ids(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT incident_id FROM events")]
