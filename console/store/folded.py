"""Incidents kept folded, so a command costs the same on the 5,000th event as on the
first: the state of an incident plus the new event, not a fold of its whole log.

In memory, a service keeps the folded state of recently used incidents (`FoldCache`).
On disk, `fold_snapshots` keeps a folded state every SNAPSHOT_EVERY events (or every
eighth of the incident's events, when that is more), so a new process starts from it
rather than from the first event. Either is trusted only as far
as the log agrees:

- Each state records the newest event row it has folded (seq and event id). Rows after
  it are folded in if every one of them sorts after the state's last event; one that
  sorts before it (sync delivers events stamped earlier than ours) means a full fold.
- A row of ours that was rolled back changes the incident's newest row; a state whose
  newest row is gone is dropped.
- A snapshot written by other code (console.fingerprint) is not read.

A snapshot's bytes are mostly the timeline, the notes and the fact events: they are kept
as msgpack, which msgspec decodes into objects in C several times faster than unpickling
them, so a new process on a long incident starts quickly; the rest is pickled.

The fold is a left fold in (hlc, origin, event_id) order, so folding the later events
onto a state is the same as folding everything; tests compare the two on random logs.
"""

from __future__ import annotations

import copy
import sqlite3
from collections import OrderedDict
from datetime import UTC

import msgspec
from msgspec import Struct

from console.fingerprint import model_fingerprint
from console.model.events import Event
from console.model.fold import FOLD_ORDER as _FOLD_ORDER
from console.model.fold import apply, fold
from console.model.incident import Incident, TimelineEntry
from console.model.metrics import Facts, Page, facts_of
from console.store import events as event_log
from console.store.projections import FACT_KINDS

SNAPSHOT_EVERY = 64  # events folded since the last snapshot before a new one is written
# ... or this fraction of the events already saved, when more. A snapshot is the whole
# state (1 MB at 5,000 events, a write of tens of milliseconds with its commit, and the
# commit is a key press): every 64 events, a long incident stalled every 64th command
# and wrote bytes that grew with the square of its length. In proportion, the bytes per
# event stay the same and a new process folds at most an eighth of the log after it.
SNAPSHOT_GROWTH = 8
_ROW = f"SELECT {event_log._COLUMNS}, seq FROM events"  # noqa: SLF001 - the log's own columns


class Folded(Struct):
    """One incident's folded state. `inc` is private to the cache: faces get a fork."""

    inc: Incident
    facts: list[Event]  # the events facts_of reads (FACT_KINDS), in fold order
    last_key: tuple[str, str, str]  # fold-order key of the last event folded
    seq: int  # the newest event row folded in
    tail_id: str  # its event id
    saved_count: int = 0  # event_count of the snapshot on disk (0: none)
    _figures: tuple[tuple, tuple[Facts, list[Page]]] | None = None

    def figures(self) -> tuple[Facts, list[Page]]:
        """facts_of for this state, again only when what it reads has changed: the fact
        events (only ever appended to) and the incident's times, status and severity."""
        inc = self.inc
        key = (
            len(self.facts),
            inc.severity,
            inc.status,
            inc.declared_at,
            inc.impact_started_at,
            inc.acknowledged_at,
            inc.mitigated_at,
            inc.resolved_at,
        )
        if self._figures is None or self._figures[0] != key:
            self._figures = (key, facts_of(inc, self.facts))
        return self._figures[1]

    def add(self, ev: Event) -> None:
        """Fold one event that sorts after everything folded so far."""
        apply(self.inc, ev)
        if ev.kind in FACT_KINDS:
            self.facts.append(ev)
        self.last_key = ev.sort_key


class FoldCache:
    # Room for every open incident the board's updates line reads (up to 200) and then
    # some: a smaller cache folds each of them again on every board reload.
    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[str, Folded] = OrderedDict()

    def state(self, conn: sqlite3.Connection, incident_id: str) -> Folded | None:
        """The incident folded up to its newest row; None for an incident with no events."""
        tail = _tail(conn, incident_id)
        if tail is None:
            self._entries.pop(incident_id, None)
            return None
        entry = self._entries.get(incident_id)
        if entry is not None and (entry.seq, entry.tail_id) == tail:
            self._entries.move_to_end(incident_id)
            return entry
        if entry is None or not _still_there(conn, entry):
            entry = _from_snapshot(conn, incident_id)
        if entry is not None:
            entry = _catch_up(conn, incident_id, entry)
        if entry is None:
            entry = _full(conn, incident_id)
        self._put(incident_id, entry)
        return entry

    def appended(self, conn: sqlite3.Connection, before: Folded | None, ev: Event) -> Folded:
        """`ev` was just inserted (the connection's last row, same transaction) after
        `before`, the state() read in that transaction. Writes a snapshot when one is due."""
        seq = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        if before is None:
            before = Folded(Incident(id=ev.incident_id), [], ("", "", ""), 0, "")
        if ev.sort_key > before.last_key:
            before.add(ev)
            before.seq, before.tail_id = seq, ev.event_id
            entry = before
        else:  # stamped before what is folded (a skewed clock): fold it all again
            entry = _full(conn, ev.incident_id, saved_count=before.saved_count)
        if snapshot_due(entry):
            save(conn, entry)
        self._put(ev.incident_id, entry)
        return entry

    def held(self, conn: sqlite3.Connection, incident_id: str) -> tuple[bool, Folded | None]:
        """Before appending several events (no fold here): whether the incident has any
        event row, and its cached state when that is folded up to its newest row."""
        tail = _tail(conn, incident_id)
        entry = self._entries.get(incident_id)
        if tail is None or entry is None or (entry.seq, entry.tail_id) != tail:
            return tail is not None, None
        return True, entry

    def appended_many(
        self,
        conn: sqlite3.Connection,
        incident_id: str,
        held: bool,
        before: Folded | None,
        evs: list[Event],
    ) -> Folded | None:
        """`evs`, the incident's rows just inserted (same transaction, any order), after
        what held() said. They are folded in memory when the incident had no rows or they
        all sort after its cached state; otherwise the state is read as state() reads it."""
        ordered = sorted(evs, key=_FOLD_ORDER)
        if not held:
            entry = Folded(Incident(id=incident_id), [], ("", "", ""), 0, "")
        elif before is not None and ordered and ordered[0].sort_key > before.last_key:
            entry = before
        else:
            return self.state(conn, incident_id)
        for ev in ordered:
            entry.add(ev)
        tail = _tail(conn, incident_id)
        assert tail is not None, f"{incident_id}: the appended rows are not there"
        entry.seq, entry.tail_id = tail
        self._put(incident_id, entry)
        return entry

    def drop(self, incident_id: str) -> None:
        """Forget an incident whose state may hold a change that was not committed."""
        self._entries.pop(incident_id, None)

    def clear(self) -> None:
        self._entries.clear()

    def _put(self, incident_id: str, entry: Folded) -> None:
        self._entries[incident_id] = entry
        self._entries.move_to_end(incident_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _tail(conn: sqlite3.Connection, incident_id: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT seq, event_id FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        [incident_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def _still_there(conn: sqlite3.Connection, entry: Folded) -> bool:
    row = conn.execute("SELECT event_id FROM events WHERE seq = ?", [entry.seq]).fetchone()
    return row is not None and row[0] == entry.tail_id


def _catch_up(conn: sqlite3.Connection, incident_id: str, entry: Folded) -> Folded | None:
    """Fold the rows after the entry's newest one; None when one sorts before it."""
    rows = conn.execute(
        f"{_ROW} WHERE incident_id = ? AND seq > ? ORDER BY seq", [incident_id, entry.seq]
    ).fetchall()
    if not rows:
        return entry
    newer = [(event_log.row_to_event(r[:-1]), r[-1]) for r in rows]
    if min(ev.sort_key for ev, _ in newer) <= entry.last_key:
        return None
    for ev, _ in sorted(newer, key=lambda pair: pair[0].sort_key):
        entry.add(ev)
    entry.seq, entry.tail_id = rows[-1][-1], rows[-1][0]
    return entry


def _full(conn: sqlite3.Connection, incident_id: str, saved_count: int = 0) -> Folded:
    rows = conn.execute(f"{_ROW} WHERE incident_id = ? ORDER BY seq", [incident_id]).fetchall()
    evs = sorted((event_log.row_to_event(r[:-1]) for r in rows), key=lambda e: e.sort_key)
    inc = fold(evs)
    assert inc is not None and rows, f"{incident_id} has no events to fold"
    facts = [ev for ev in evs if ev.kind in FACT_KINDS]
    return Folded(inc, facts, evs[-1].sort_key, rows[-1][-1], rows[-1][0], saved_count)


# ---------------------------------------------------------------- snapshots on disk


class _Snapshot(Struct, array_like=True):
    """A folded state on disk: the timeline, the notes, the fact events and `rest`, the
    pickled incident without its timeline and notes. `whole`: `rest` is the pickled
    (incident, facts), all of it: what msgpack would not give back as it is (a time not
    in UTC, a lone surrogate an older version stored, an integer beyond 64 bits)."""

    timeline: list[TimelineEntry]
    notes: list[TimelineEntry]
    facts: list[Event]
    rest: bytes
    whole: bool = False


_SNAPSHOT = msgspec.msgpack.Decoder(_Snapshot)


def _state_bytes(inc: Incident, facts: list[Event]) -> bytes:
    import pickle  # only once an incident is long enough to keep: a brief verb skips it

    if all(e.at.tzinfo is UTC for entries in (inc.timeline, inc.notes) for e in entries):
        shell = copy.copy(inc)
        shell.timeline, shell.notes = [], []
        rest = pickle.dumps(shell, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            return msgspec.msgpack.encode(_Snapshot(inc.timeline, inc.notes, facts, rest))
        except (UnicodeEncodeError, OverflowError):
            pass
    whole = pickle.dumps((inc, facts), protocol=pickle.HIGHEST_PROTOCOL)
    return msgspec.msgpack.encode(_Snapshot([], [], [], whole, whole=True))


def _state_of(data: bytes) -> tuple[Incident, list[Event]]:
    import pickle

    snap = _SNAPSHOT.decode(data)
    if snap.whole:
        return pickle.loads(snap.rest)  # written by save() below, with this code
    inc = pickle.loads(snap.rest)
    inc.timeline, inc.notes = snap.timeline, snap.notes
    return inc, snap.facts


def snapshot_due(entry: Folded) -> bool:
    since = entry.inc.event_count - entry.saved_count
    return since >= max(SNAPSHOT_EVERY, entry.saved_count // SNAPSHOT_GROWTH)


def save(conn: sqlite3.Connection, entry: Folded) -> None:
    hlc, origin, event_id = entry.last_key
    state = _state_bytes(entry.inc, entry.facts)
    conn.execute(
        "INSERT INTO fold_snapshots (incident_id, seq, tail_id, hlc, origin, event_id, "
        "event_count, code, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(incident_id) DO UPDATE SET seq = excluded.seq, tail_id = excluded.tail_id, "
        "hlc = excluded.hlc, origin = excluded.origin, event_id = excluded.event_id, "
        "event_count = excluded.event_count, code = excluded.code, state = excluded.state",
        [
            entry.inc.id,
            entry.seq,
            entry.tail_id,
            hlc,
            origin,
            event_id,
            entry.inc.event_count,
            model_fingerprint(),
            state,
        ],
    )
    entry.saved_count = entry.inc.event_count


def _from_snapshot(conn: sqlite3.Connection, incident_id: str) -> Folded | None:
    row = conn.execute(
        "SELECT seq, tail_id, hlc, origin, event_id, event_count, code, state "
        "FROM fold_snapshots WHERE incident_id = ?",
        [incident_id],
    ).fetchone()
    if row is None or row[6] != model_fingerprint():
        return None
    seq, tail_id, hlc, origin, event_id, count, _, state = row
    try:
        inc, facts = _state_of(state)
    except Exception:  # noqa: BLE001 - unreadable: fold from the log instead
        return None
    entry = Folded(inc, facts, (hlc, origin, event_id), seq, tail_id, count)
    return entry if _still_there(conn, entry) else None


def clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM fold_snapshots")
