"""A hostile or buggy peer with a valid token, against a real server on 127.0.0.1:
bad bodies and far-future stamps are refused at the push with reasons; events an older
server already holds are quarantined by the consoles that pull them, which keep
syncing; the commander's later changes take effect."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from console.model.events import MAX_TEXT
from console.model.hlc import HLC
from console.store import sync_state as state
from console.store.server_log import Batch, Item


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def hostile(kind: str, body, *, hlc: str | None = None, actor: str = "mallory", **over) -> dict:
    raw = {
        "event_id": str(uuid.uuid4()),
        "incident_id": "INC-1",
        "kind": kind,
        "body": body,
        "actor": actor,
        "origin": "evil01",
        "hlc": hlc or f"{_now_ms():013d}-00000",
        "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    raw.update(over)
    return raw


def push(server, events: list[dict]) -> list[dict]:
    with server.http() as http:
        reply = http.post("/v1/push", json={"protocol": 1, "client_id": "evil", "events": events})
    assert reply.status_code in (200, 422), reply.text
    return reply.json()["results"]


def plant(server, raw: dict) -> None:
    """What an older server, which did not check bodies, would already hold."""
    payload = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    item = Item(raw["event_id"], raw["incident_id"], raw["kind"], payload)
    server.log.storage.append(Batch.of([item]), "old", "x")  # the storage itself checks nothing


def test_bad_bodies_and_future_stamps_are_refused_with_reasons(server, consoles):
    ana = consoles("ana", "ana")
    inc = ana.service.declare("Checkout down", "SEV1", services=["payment-api"])
    ana.sync(server.url)
    far = "9999999999999-00000"
    results = push(
        server,
        [
            hostile("note_added", {}),
            hostile("declared", {"severity": "SEV1"}),
            hostile("note_added", {"text": "x" * (MAX_TEXT + 1)}),
            hostile("severity_set", {"severity": "SEV5"}, hlc=far),
            hostile("note_added", {"text": "hi"}, actor="a" * 201),
            hostile("note_added", {"text": "fine"}),
        ],
    )
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["accepted"]
    assert "body.text is required" in results[0]["error"]
    assert "body.title is required" in results[1]["error"]
    assert "body.text" in results[2]["error"]
    assert "ahead of this clock" in results[3]["error"]
    assert "actor is longer than 200" in results[4]["error"]
    # the commander's later change takes effect everywhere
    bob = consoles("bob", "bob")
    bob.sync(server.url)
    ana.service.set_severity(inc.id, "SEV2")
    ana.sync(server.url)
    bob.sync(server.url)
    assert bob.service.get(inc.id).severity == "SEV2"
    assert [n.text for n in bob.service.get(inc.id).notes] == ["fine"]


def test_a_trailing_newline_does_not_pass_for_a_well_formed_field(server, consoles):
    """`$` in a regex also matches before a final newline: every shape check is anchored
    at the true end, so these are refused with a reason instead of reaching the parsers."""
    stamp = f"{_now_ms():013d}-00001"
    results = push(
        server,
        [
            hostile("note_added", {"text": "hi"}, hlc=stamp + "\n"),
            hostile("note_added", {"text": "hi"}, incident_id="INC-1\n"),
            hostile("note_added\n", {"text": "hi"}),
            hostile("note_added", {"text": "hi"}, at="2026-03-01T09:00:00.000Z\n"),
            hostile("note_added", {"text": "hi"}, event_id=str(uuid.uuid4()) + "\n"),
            hostile("step_waived", {"step": "SEV1+0\n", "reason": "drill"}),
        ],
    )
    assert [r["status"] for r in results] == ["rejected"] * 6, results
    assert "hlc must look like" in results[0]["error"]
    assert "incident_id must be" in results[1]["error"]
    assert "kind must be" in results[2]["error"]
    assert "at must be an ISO-8601 time" in results[3]["error"]
    assert "event_id must be" in results[4]["error"]
    assert "must look like SEV2+15" in results[5]["error"]


def test_a_stamp_at_the_top_of_the_counter_cannot_lengthen_ours(server, consoles):
    ana = consoles("ana", "ana")
    inc = ana.service.declare("Checkout down", "SEV1", services=["payment-api"])
    ana.sync(server.url)
    top = f"{_now_ms() + 60_000:013d}-99999"  # within the drift limit, counter at the top
    assert push(server, [hostile("note_added", {"text": "top"}, hlc=top)])[0]["status"] == (
        "accepted"
    )
    ana.sync(server.url)
    ana.service.note(inc.id, "after the top stamp")
    mine = ana.store.conn.execute("SELECT hlc FROM events ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert len(mine) == 19 and HLC.parse(mine) > HLC.parse(top)
    report = ana.sync(server.url)
    assert report["pushed"]["accepted"] == 1 and report["pushed"]["rejected"] == 0
    assert state.dead_letters(ana.store.conn) == []


def test_pulled_invalid_events_are_quarantined_and_sync_goes_on(server, consoles):
    ana = consoles("ana", "ana")
    inc = ana.service.declare("Checkout down", "SEV1", services=["payment-api"])
    ana.sync(server.url)
    broken = hostile("note_added", {})
    frozen = hostile("severity_set", {"severity": "SEV5"}, hlc="9999999999999-00000")
    newer = hostile("runbook_linked", {"url": "https://runbooks.example/checkout"})
    for raw in (broken, frozen, newer):
        plant(server, raw)
    ana.service.note(inc.id, "still here")
    ana.sync(server.url)

    bob = consoles("bob", "bob")
    report = bob.sync(server.url)
    assert report["pulled"]["events"] == 5  # declared, three planted, the note
    letters = {d["event_id"]: d for d in state.dead_letters(bob.store.conn)}
    assert set(letters) == {broken["event_id"], frozen["event_id"]}
    assert letters[broken["event_id"]]["direction"] == "pull"
    assert "body.text is required" in letters[broken["event_id"]]["reason"]
    assert "ahead of this clock" in letters[frozen["event_id"]]["reason"]
    assert state.summary(bob.store.conn)["dead_letters"] == 2
    # the unknown kind is kept verbatim and shown as not understood
    row = bob.store.conn.execute(
        "SELECT body FROM events WHERE event_id = ?", [newer["event_id"]]
    ).fetchone()
    assert json.loads(row[0]) == newer["body"]
    got = bob.service.get(inc.id)
    assert any("does not know" in t.text for t in got.timeline)
    assert [n.text for n in got.notes] == ["still here"]
    # nothing is stuck: later changes arrive and the commander's severity holds
    ana.service.set_severity(inc.id, "SEV2")
    ana.sync(server.url)
    bob.sync(server.url)
    assert bob.service.get(inc.id).severity == "SEV2"
    assert state.summary(bob.store.conn)["last_error"] is None
