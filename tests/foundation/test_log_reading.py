"""The fast paths of reading the log give what the plain ones gave: an Event from its
row, its body (msgspec's decoder, json's for what msgspec refuses), its time, and iso."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from console.model.clock import iso, parse_iso
from console.model.events import Event
from console.store.events import row_to_event, row_to_folded_event

BODIES = [
    {"text": "DB failover started"},
    {"text": "über ☃ 𝄞", "n": 10**30, "x": 1.5e-300, "nested": {"a": [1, None, True]}},
    {"text": "\udc80 a stray byte an older version stored"},  # msgspec refuses it
]


@pytest.mark.parametrize("body", BODIES)
def test_an_event_from_its_row_is_the_event(body):
    text = json.dumps(body, sort_keys=True)
    row = (
        "e1",
        "INC-1",
        "note_added",
        text,
        "ana",
        "dev",
        "1767225600000-00001",
        "2026-01-01T00:00:00.000Z",
        7,
    )
    ev = row_to_event(row)
    plain = Event("e1", "INC-1", "note_added", json.loads(text), "ana", "dev", row[6], row[7], 7)
    assert ev == plain and repr(ev) == repr(plain)
    assert list(vars(ev)) == list(vars(plain))  # same fields, same order
    assert ev.when == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "at", ["2026-03-01T09:00:00.250Z", "2026-03-01T18:00:00+09:00", "2026-03-01T09:00:00"]
)
def test_event_time_reads_every_iso_form_the_log_holds(at):
    ev = Event("e1", "INC-1", "note_added", {}, "ana", "dev", "h", at)
    assert ev.when == parse_iso(at)


def test_iso_is_the_isoformat_it_replaced():
    zones = [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-3, minutes=-30))]
    for i in range(2000):
        dt = datetime(
            2000 + i % 80,
            1 + i % 12,
            1 + i % 28,
            i % 24,
            i % 60,
            (7 * i) % 60,
            997 * i % 10**6,
            tzinfo=zones[i % 3],
        )
        old = dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert iso(dt) == old


_REAL, _UNREAL = "2026-02-28T23:00:00.000Z", "2026-02-30T00:00:00.000Z"  # well-formed both


@pytest.mark.parametrize(
    ("kind", "body", "at"),
    [
        ("note_added", {"text": "DB failover started"}, "2026-03-01T09:00:00.250Z"),
        ("step_ticked", {"step": "SEV2+0", "mark": "notified"}, "2026-03-01T18:00:00+09:00"),
        ("declared", {"title": "t", "severity": "SEV2", "impact_started_at": _REAL}, "2026-03-01"),
        (
            "declared",
            {"title": "t", "severity": "SEV2", "impact_started_at": _UNREAL},
            "2026-03-01",
        ),
        ("note_added", {"text": ""}, "2026-03-01T09:00:00"),  # does not fit its kind
        ("from_a_newer_version", {"anything": 1}, "2026-03-01T09:00:00.000Z"),
    ],
)
def test_an_event_read_for_the_fold_is_the_event_read_lazily(kind, body, at):
    """row_to_folded_event reads the time and the typed body up front; the same values
    as reading them on first use, refusals included."""
    row = ("e1", "INC-1", kind, json.dumps(body, sort_keys=True), "ana", "dev", "h", at, None)
    eager, lazy = row_to_folded_event(row), row_to_event(row)
    assert eager == lazy
    assert eager.when == lazy.when
    assert type(eager.data) is type(lazy.data) and str(eager.data) == str(lazy.data)
    assert eager.data == lazy.data or isinstance(lazy.data, ValueError)
