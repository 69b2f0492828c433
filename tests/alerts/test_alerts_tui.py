"""The faces: the room lists the incident's alerts (firing/resolved, labels, link), the
board marks incidents an alert declared and counts the groups still waiting; `A` lists
them."""

from __future__ import annotations

import pytest
from akit import ORG, T0, am_alert, am_payload
from screens import screen_text
from tuikit import make_app, settle

from console.alerts.intake import AlertIntake
from console.model.alert_payloads import parse_alert_group
from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store

pytestmark = pytest.mark.usefixtures("utc_local_zone")


@pytest.fixture
def service(tmp_path):
    svc = IncidentService(
        Store(tmp_path / "c.db"), load_org([(ORG, "org.toml")]), ManualClock(T0), "kenji.sato"
    )
    yield svc
    svc.store.close()


def _post(service, payload) -> dict:
    return AlertIntake(service).receive(parse_alert_group(payload, "alertmanager")).to_dict()


async def test_room_board_and_waiting_list(service):
    from console.tui.screens.alerts import WaitingAlertsScreen
    from console.tui.screens.room import RoomScreen
    from console.tui.widgets.alerts import AlertsPanel

    declared = _post(service, am_payload([am_alert("1234123412341234")]))
    nasty = "disk \x1b[31mfull\x1b[0m"
    _post(
        service,
        am_payload(
            [
                am_alert(
                    "5678567856785678", severity="info", service="payment-ledger", summary=nasty
                )
            ],
            group_key='{}:{alertname="Ledger"}',
        ),
    )
    by_hand = service.declare("Checkout slow", "SEV3", services=["checkout-bff"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = app.screen.table.visible_rows()
        marks = {r["id"]: r.get("from_alert") for r in rows}
        assert marks == {declared["incident"]: True, by_hand.id: False}
        status = str(app.screen.query_one("#status").content)
        assert "1 alert group waiting (A lists)" in status

        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, WaitingAlertsScreen)
        waiting = screen_text(app)
        assert "Alerts waiting for an incident" in waiting
        assert (
            "1/1" in waiting
            and "payment-ledger" in waiting
            and "2026-03-01 09:00:00 UTC" in waiting
        )
        assert "full" in waiting and "\x1b" not in waiting  # monitoring's words, defused
        await pilot.press("escape")
        await settle(pilot)

        app.open_incident(declared["incident"])
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        panel = app.screen.query_one(AlertsPanel)
        assert panel.has_class("shown")
        text = str(panel.content)
        assert "Alerts: 1 firing, 0 resolved · declared from an alert" in text
        assert "PaymentErrors — 5xx above 5% on payment-api" in text
        assert "service=payment-api" in text and "http://prometheus.example:9090/graph" in text

        service.clock.advance(minutes=5)
        _post(service, am_payload([am_alert("1234123412341234", "resolved")]))
        app.screen.reload()
        await settle(pilot)
        text = str(panel.content)
        assert "all resolved — resolve the incident when you are satisfied" in text
        assert panel.has_class("all-resolved")

        app.open_incident(by_hand.id)
        await settle(pilot)
        assert not app.screen.query_one(AlertsPanel).has_class("shown")
