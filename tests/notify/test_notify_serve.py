"""Escalation inside `serve`: a console pushes an incident to a real reference server
and closes; the serve process's escalation (mirror + runner) pages the receivers, and
the console sees the pages on its timeline after its next sync."""

from __future__ import annotations

import time

from nkit import delivered_via

from console.model.clock import SystemClock
from console.notify.serve import mirror_path, start_in_serve
from console.service import IncidentService
from console.store import Store
from console.sync.client import SyncClient
from console.sync.server import ServerLog, create_app, start_in_thread

TOKEN = "serve-token-0123456789abcdef"


def test_serve_pages_when_no_console_is_open(world, tmp_path):
    log = ServerLog(tmp_path / "server.db")
    server = start_in_thread(create_app(log, [TOKEN]), port=0)
    escalation = None
    try:
        # a commander declares on their laptop, syncs, and closes the lid
        laptop = Store(tmp_path / "laptop.db")
        service = IncidentService(laptop, world.org, SystemClock(), actor="kenji.sato")
        inc = service.declare("Checkout down", "SEV1", services=["payment-api"])
        with SyncClient(service, server.url, TOKEN) as client:
            client.sync_once()
        # serve's own escalation: nothing else is running
        escalation = start_in_serve(
            tmp_path / "server.db", world.org, server.url, TOKEN, interval=0.1
        )
        assert (
            escalation.mirror_db
            == mirror_path(tmp_path / "server.db")
            == tmp_path / "server.escalation.db"
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = sum(len(r.requests) for r in world.receivers.values())
            if got >= 5:
                break
            time.sleep(0.05)
        assert sum(len(r.requests) for r in world.receivers.values()) == 5
        # the runner's events reach the log; the laptop sees them at its next sync
        deadline = time.monotonic() + 30
        kinds: list[str] = []
        while time.monotonic() < deadline:
            with SyncClient(service, server.url, TOKEN) as client:
                client.sync_once()
            timeline = service.get(inc.id).timeline
            kinds = [t.kind for t in timeline]
            via = delivered_via(t.text for t in timeline if t.kind == "page_queued")
            if len(via) >= 5 and "step_ticked" in kinds:
                break
            time.sleep(0.1)
        assert kinds.count("page_queued") == 3 and len(via) == 5  # one row per page
        step = service.view(inc.id)["escalation"][0]
        assert step["state"] == "notified" and step["notified_by"] == "escalation-bot"
        laptop.close()
    finally:
        if escalation:
            escalation.stop()
        server.stop()
        log.close()
