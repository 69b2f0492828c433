"""An override made on one console reaches another through a real `serve` on 127.0.0.1
and changes whom that console's room shows."""

from __future__ import annotations

import pytest
from okit import utc

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store
from console.store import sync_state as state
from console.sync.client import SyncClient
from console.sync.server import ServerLog, create_app, start_in_thread
from console.tui.app import ConsoleApp
from console.tui.widgets.responsibility import ResponsibilityPanel

TOKEN = "oncall-test-token-0123456789abcdef"
START = utc(2026, 3, 2, 9, 50)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INCIDENT_CONSOLE_DB", raising=False)
    monkeypatch.delenv("INCIDENT_CONSOLE_TOKEN", raising=False)


@pytest.fixture
def server_url(tmp_path):
    log = ServerLog(tmp_path / "server.db")
    running = start_in_thread(create_app(log, [TOKEN]), port=0)
    yield running.url
    running.stop()
    log.close()


@pytest.fixture
def consoles(tmp_path):
    org = load_org()
    made = []

    def make(name: str, actor: str) -> IncidentService:
        store = Store(tmp_path / f"{name}.db")
        made.append(store)
        return IncidentService(store, org, ManualClock(START), actor)

    yield make
    for store in made:
        store.close()


def sync(svc: IncidentService, url: str) -> dict:
    if state.remote(svc.store.conn) != url:
        state.set_remote(svc.store, url)
    with SyncClient(svc, url, TOKEN, sleep=lambda s: None, random=lambda: 0.5, timeout=5.0) as c:
        return c.sync_once()


def _on_call_line(app) -> str:
    panel = app.screen.query_one(ResponsibilityPanel)
    return " ".join(panel._text(58).plain.split())


async def test_an_override_on_one_console_changes_the_room_on_another(server_url, consoles):
    ana, ben = consoles("ana", "kenji.sato"), consoles("ben", "hana.kobayashi")
    inc = ana.declare("Card payments failing", "SEV2", services=["payment-api"])
    sync(ana, server_url)
    sync(ben, server_url)

    app = ConsoleApp(ben, ben.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_incident(inc.id)
        await pilot.pause()
        assert "on call now Aoi Matsumoto until" in _on_call_line(app)

        ana.override("payments", "haruto.inoue", START, utc(2026, 3, 2, 18, 0))
        sync(ana, server_url)
        sync(ben, server_url)  # ben's service tells the app: the room reloads
        # Polled on the app's loop (a blocking wait would stop the reload it waits for).
        for _ in range(200):
            if "on call now Haruto Inoue until" in _on_call_line(app):
                break
            await pilot.pause(0.05)
        assert "on call now Haruto Inoue until" in _on_call_line(app)
        assert "then Aoi Matsumoto" in _on_call_line(app)
    # The note the override left on the open incident travelled too.
    assert ben.get(inc.id).notes[-1].text.startswith("On call for Payments now: Haruto Inoue")
