"""Escalation inside `serve` keeps paging when the log holds events it cannot read: an
event an older server stored without checking its body is quarantined by serve's own
escalation copy, which moves past it and pages the SEV1 declared afterwards."""

from __future__ import annotations

import json
import time
import uuid

import httpx
from waiting import wait_until

from console.model.clock import SystemClock
from console.notify.serve import start_in_serve
from console.service import IncidentService
from console.store import Store
from console.store import sync_state as state
from console.sync.client import SyncClient
from console.sync.server import ServerLog, create_app, start_in_thread

TOKEN = "serve-token-0123456789abcdef"


def _broken_note() -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "incident_id": "INC-1",
        "kind": "note_added",
        "body": {},
        "actor": "mallory",
        "origin": "evil01",
        "hlc": f"{time.time_ns() // 1_000_000:013d}-00000",
        "at": "2026-03-01T09:00:00.000Z",
    }


def test_serve_pages_a_sev1_declared_after_an_unreadable_event(world, tmp_path):
    log = ServerLog(tmp_path / "server.db")
    server = start_in_thread(create_app(log, [TOKEN]), port=0)
    escalation = None
    try:
        # an older server stored a note with no text; a hostile push today is refused
        old = _broken_note()
        log.conn.execute(
            "INSERT INTO log (server_seq, event_id, incident_id, kind, payload, client_id, "
            "received_at) VALUES (1, ?, 'INC-1', 'note_added', ?, 'old', 'x')",
            [old["event_id"], json.dumps(old)],
        )
        reply = httpx.post(
            f"{server.url}/v1/push",
            json={"protocol": 1, "client_id": "evil", "events": [_broken_note()]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert reply.status_code == 422
        assert "body.text is required" in reply.json()["results"][0]["error"]

        laptop = Store(tmp_path / "laptop.db")
        service = IncidentService(laptop, world.org, SystemClock(), actor="kenji.sato")
        inc = service.declare("Checkout down", "SEV1", services=["payment-api"])
        with SyncClient(service, server.url, TOKEN) as client:
            client.sync_once()
        assert inc.id == "INC-1"  # the same id the broken note names
        escalation = start_in_serve(
            tmp_path / "server.db", world.org, server.url, TOKEN, interval=0.1
        )

        def paged() -> int:
            return sum(len(r.requests) for r in world.receivers.values())

        wait_until(lambda: paged() >= 5, what="five pages")
        assert paged() == 5
        mirror = Store(escalation.mirror_db)
        try:
            letters = state.dead_letters(mirror.conn)
        finally:
            mirror.close()
        assert [d["event_id"] for d in letters] == [old["event_id"]]
        laptop.close()
    finally:
        if escalation:
            escalation.stop()
        server.stop()
        log.close()
