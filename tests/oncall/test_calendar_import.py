"""An iCalendar feed written by the test: a daily RRULE across the spring-forward night
with Google's X-WR-TIMEZONE, an EXDATE, and an occurrence moved with RECURRENCE-ID;
imported with the CLI, kept in the database, shown stale when old."""

from __future__ import annotations

import json
from datetime import timedelta

from okit import utc

from console.cli import main
from console.config import load
from console.model.clock import ManualClock
from console.service import IncidentService
from console.store import Store

FEED = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//on-call//EN
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VEVENT
UID:day@test
DTSTART:20260326T080000Z
DTEND:20260326T200000Z
RRULE:FREQ=DAILY;COUNT=8
EXDATE:20260328T080000Z
SUMMARY:On call: Akira Mori
END:VEVENT
BEGIN:VEVENT
UID:day@test
RECURRENCE-ID:20260327T080000Z
DTSTART:20260327T100000Z
DTEND:20260327T200000Z
SUMMARY:On call: Kenji Sato (swapped)
END:VEVENT
BEGIN:VEVENT
UID:night@test
DTSTART:20260326T200000Z
DTEND:20260327T080000Z
RRULE:FREQ=DAILY;COUNT=8
SUMMARY:Nights
ATTENDEE;CN=Daichi:mailto:daichi.hayashi@example.com
END:VEVENT
BEGIN:VEVENT
UID:stranger@test
DTSTART:20260329T120000Z
DTEND:20260329T130000Z
SUMMARY:On call: Somebody Else
END:VEVENT
END:VCALENDAR
"""
NOW = "2026-03-26T07:00:00Z"


def run(capsys, db, *args, now=NOW):
    code = main(["--db", str(db), "--now", now, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def who(capsys, db, at):
    code, out, err = run(capsys, db, "oncall", "platform-gateway", "--at", at, "--json", now=at)
    assert code == 0, err
    return json.loads(out)["on_call"]


def test_a_feed_with_rrule_exdate_and_a_moved_occurrence(tmp_path, capsys):
    feed = tmp_path / "gateway.ics"
    feed.write_text(FEED)
    db = tmp_path / "c.db"
    code, out, err = run(
        capsys, db, "oncall", "import", "platform-gateway", str(feed), "--days", "7"
    )
    assert code == 0, err
    assert "1 event(s) name nobody in the org" in out and "Somebody Else" in out

    day = who(capsys, db, "2026-03-26T12:00:00Z")
    assert (day["person"], day["source"], day["until"]) == (
        "akira.mori",
        "calendar",
        "2026-03-26T20:00:00.000Z",
    )
    assert day["next"] == "daichi.hayashi"  # matched by the attendee's e-mail
    # The moved occurrence: Kenji from 11:00 Berlin; the fixed on_call covers the gap.
    assert who(capsys, db, "2026-03-27T09:00:00Z")["person"] == "kaito.yamada"
    assert who(capsys, db, "2026-03-27T09:00:00Z")["source"] == "fallback"
    assert who(capsys, db, "2026-03-27T11:00:00Z")["person"] == "kenji.sato"
    # The EXDATE: no day shift on the 28th.
    assert who(capsys, db, "2026-03-28T12:00:00Z")["source"] == "fallback"
    # After the clocks go forward the series stays at 09:00 and 21:00 Berlin time.
    assert who(capsys, db, "2026-03-30T07:30:00Z")["person"] == "akira.mori"
    assert who(capsys, db, "2026-03-30T19:30:00Z")["person"] == "daichi.hayashi"


def test_an_import_is_kept_offline_and_shown_stale_when_old(tmp_path, capsys):
    feed = tmp_path / "gateway.ics"
    feed.write_text(FEED)
    db = tmp_path / "c.db"
    assert run(capsys, db, "oncall", "import", "platform-gateway", str(feed))[0] == 0
    feed.unlink()  # paging must not need the source any more
    fresh = who(capsys, db, "2026-03-26T12:00:00Z")
    assert fresh["stale"] is False and fresh["person"] == "akira.mori"
    later = "2026-03-28T09:00:00Z"
    stale = who(capsys, db, later)
    assert stale["stale"] is True
    code, out, _ = run(capsys, db, "oncall", "platform-gateway", now=later)
    assert "(STALE)" in out and "imported calendar is stale" in out
    # A refresh that cannot read the source keeps the old shifts and says why.
    code, out, _ = run(capsys, db, "oncall", "refresh", now=later)
    assert code == 1 and "FAILED, keeping the old shifts" in out
    assert who(capsys, db, "2026-03-28T20:30:00Z")["person"] == "daichi.hayashi"


def test_the_service_reads_imported_shifts_from_the_database(tmp_path, capsys):
    feed = tmp_path / "gateway.ics"
    feed.write_text(FEED)
    db = tmp_path / "c.db"
    assert run(capsys, db, "oncall", "import", "platform-gateway", str(feed))[0] == 0
    clock = ManualClock(utc(2026, 3, 26, 12))
    store = Store(db)
    try:
        svc = IncidentService(store, load(None), clock)
        inc = svc.declare("Gateway 5xx", "SEV2", services=["api-gateway"])
        shift = next(s for s in svc.view(inc.id)["on_call"] if s["team"] == "platform-gateway")
        assert shift["person"] == "akira.mori" and shift["source"] == "calendar"
        clock.advance(minutes=int(timedelta(hours=9).total_seconds() // 60))
        shift = next(s for s in svc.view(inc.id)["on_call"] if s["team"] == "platform-gateway")
        assert shift["person"] == "daichi.hayashi"
    finally:
        store.close()
