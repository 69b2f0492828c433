"""Fold snapshots on disk: a new process reads back the state that was saved, exactly,
including what the compact form cannot hold (a time not in UTC, a lone surrogate an
older version stored, an integer beyond 64 bits), which is kept whole instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from console.model.events import Event
from console.model.fold import fold
from console.model.incident import TimelineEntry
from console.store import events as event_log
from console.store import folded


def _busy_incident(service, clock) -> str:
    inc = service.declare("Checkout down", "SEV1", [], ["payment-api"], "alerts")
    for i in range(6):
        clock.advance(minutes=1)
        service.note(inc.id, f"update {i}")
    service.tick(inc.id, "1", ack=True)
    service.set_status(inc.id, "identified")
    return inc.id


def test_a_new_process_starts_from_the_snapshot_with_the_same_state(service, clock, monkeypatch):
    monkeypatch.setattr(folded, "SNAPSHOT_EVERY", 4)
    incident_id = _busy_incident(service, clock)
    conn = service.store.conn
    assert conn.execute("SELECT count(*) FROM fold_snapshots").fetchone()[0] == 1
    everything = event_log.for_incident(conn, incident_id)
    state = folded.FoldCache().state(conn, incident_id)  # a new process: from the disk
    assert state is not None
    assert state.inc == fold(everything)
    assert [n.text for n in state.inc.notes] == [f"update {i}" for i in range(6)]
    assert state.facts == sorted(
        (ev for ev in everything if ev.kind in folded.FACT_KINDS), key=lambda e: e.sort_key
    )


def _odd_time(entry: folded.Folded) -> None:
    jst = timezone(timedelta(hours=9))
    entry.inc.timeline.append(
        TimelineEntry(datetime(2026, 1, 1, 18, tzinfo=jst), "ana", "note_added", "x", "e-1")
    )


def _lone_surrogate(entry: folded.Folded) -> None:
    at = datetime(2026, 1, 1, 9, tzinfo=UTC)
    entry.inc.notes.append(TimelineEntry(at, "ana", "note", "stray \udcff byte", "e-2"))


def _huge_integer(entry: folded.Folded) -> None:
    ev = entry.facts[0]
    entry.facts.append(Event(**(ev.to_dict() | {"event_id": "e-3", "body": {"n": 2**70}})))


@pytest.mark.parametrize("odd", [_odd_time, _lone_surrogate, _huge_integer])
def test_what_the_compact_form_cannot_hold_is_kept_whole(service, clock, odd):
    incident_id = _busy_incident(service, clock)
    conn = service.store.conn
    entry = folded.FoldCache().state(conn, incident_id)
    assert entry is not None
    odd(entry)
    with service.store.transaction():
        folded.save(conn, entry)
    again = folded.FoldCache().state(conn, incident_id)
    assert again is not None
    assert again.inc == entry.inc and again.facts == entry.facts
    assert [e.at.utcoffset() for e in again.inc.timeline] == [
        e.at.utcoffset() for e in entry.inc.timeline
    ]


def test_a_long_incident_is_saved_in_proportion_to_its_length():
    """Every SNAPSHOT_EVERY events at first; on a long incident every eighth of what was
    saved, so the bytes written per event do not grow with its length."""
    from console.model.incident import Incident

    entry = folded.Folded(Incident(id="INC-1"), [], ("", "", ""), 0, "")
    entry.inc.event_count = folded.SNAPSHOT_EVERY - 1
    assert not folded.snapshot_due(entry)
    entry.inc.event_count = folded.SNAPSHOT_EVERY
    assert folded.snapshot_due(entry)
    entry.saved_count = 5000
    entry.inc.event_count = 5000 + folded.SNAPSHOT_EVERY
    assert not folded.snapshot_due(entry)
    entry.inc.event_count = 5000 + 5000 // folded.SNAPSHOT_GROWTH
    assert folded.snapshot_due(entry)
