"""Alerts in, through the real receivers on 127.0.0.1: declare on a firing group, never
twice on a repeat, attach to an open incident, wait when neither, record resolution,
debounce flapping."""

from __future__ import annotations

from akit import am_alert, am_payload, grafana_payload

from console.model.folds.alerts import alerts_of


def test_a_firing_group_declares_one_incident_and_a_repeat_declares_none(desk_world):
    w = desk_world
    payload = am_payload([am_alert("a1b2c3d4e5f60718"), am_alert("0f1e2d3c4b5a6978")])
    first = w.alertmanager(payload)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "group": first.json()["group"],
        "incident": "INC-1",
        "how": "declared",
        "recorded": 2,
        "held": 0,
        "unchanged": 0,
    }
    inc = w.service.get("INC-1")
    assert inc.severity == "SEV1"
    assert inc.services == ["payment-api"]
    assert inc.title == "PaymentErrors: 5xx above 5% on payment-api"
    st = alerts_of(inc)
    assert st.declared_from == first.json()["group"]
    assert {a.status for a in st.alerts.values()} == {"firing"}
    assert st.alerts["a1b2c3d4e5f60718"].starts_at == "2026-03-01T08:58:03.157Z"
    assert st.alerts["a1b2c3d4e5f60718"].ends_at is None  # Go's zero time: unset
    assert any("declared from alert group PaymentErrors" in t.text for t in inc.timeline)
    events_before = w.event_count()

    # Alertmanager re-sends the group every group_interval / repeat_interval
    for _ in range(3):
        again = w.alertmanager(payload)
        assert again.status_code == 200
        assert again.json()["how"] == "updated"
        assert again.json()["unchanged"] == 2 and again.json()["recorded"] == 0
    assert w.incident_ids() == ["INC-1"]
    assert w.event_count() == events_before

    # a new alert joins the same group: it lands on the same incident
    payload["alerts"].append(am_alert("1111222233334444", severity="warning"))
    grown = w.alertmanager(payload)
    assert grown.json()["incident"] == "INC-1" and grown.json()["recorded"] == 1
    assert w.incident_ids() == ["INC-1"]


def test_an_alert_below_the_threshold_attaches_to_the_open_incident_on_its_service(desk_world):
    w = desk_world
    by_hand = w.service.declare("Payments slow", "SEV3", services=["payment-api"])
    reply = w.alertmanager(am_payload([am_alert("aaaa000011112222", severity="warning")]))
    assert reply.status_code == 200
    assert reply.json()["how"] == "attached" and reply.json()["incident"] == by_hand.id
    assert w.incident_ids() == [by_hand.id]
    inc = w.service.get(by_hand.id)
    assert list(alerts_of(inc).alerts) == ["aaaa000011112222"]
    assert alerts_of(inc).declared_from is None
    assert any("alert group PaymentErrors attached" in t.text for t in inc.timeline)


def test_a_minor_alert_with_no_open_incident_waits_off_the_board(desk_world):
    from console.alerts.views import overview

    w = desk_world
    payload = am_payload([am_alert("bbbb000011112222", severity="warning")])
    reply = w.alertmanager(payload)
    assert reply.json()["how"] == "waiting" and reply.json()["incident"] is None
    assert w.incident_ids() == []
    assert w.service.board(include_resolved=True) == []
    waiting = overview(w.service)["waiting"]
    assert [(g["name"], g["service"], g["severity"], g["firing"]) for g in waiting] == [
        ("PaymentErrors", "payment-api", "SEV3", 1)
    ]

    # once an incident is open on the service, the next re-send joins it
    inc = w.service.declare("Payments slow", "SEV3", services=["payment-api"])
    again = w.alertmanager(payload)
    assert again.json()["how"] == "attached" and again.json()["incident"] == inc.id
    assert overview(w.service)["waiting"] == []
    assert "bbbb000011112222" in alerts_of(w.service.get(inc.id)).alerts
    # the waiting group's own events never became an incident
    assert w.incident_ids() == [inc.id]


def test_resolution_is_recorded_and_never_resolves_the_incident(desk_world):
    w = desk_world
    w.alertmanager(am_payload([am_alert("cccc000011112222")]))
    w.clock.advance(minutes=10)
    reply = w.alertmanager(am_payload([am_alert("cccc000011112222", "resolved")]))
    assert reply.json()["recorded"] == 1
    inc = w.service.get("INC-1")
    assert inc.open and inc.status == "investigating"
    texts = [t.text for t in inc.timeline if t.kind == "alert_received"]
    assert texts[-1].startswith("alert resolved: PaymentErrors")
    assert "all 1 alert of this incident have resolved" in texts[-1]
    assert "stays open until someone resolves it" in texts[-1]
    assert alerts_of(inc).alerts["cccc000011112222"].ends_at == "2026-03-01T09:10:00.000Z"


def test_a_flapping_alert_is_held_and_written_once_it_holds(desk_world):
    w = desk_world
    fp = "dddd000011112222"
    w.alertmanager(am_payload([am_alert(fp)]))
    w.clock.advance(seconds=30)
    w.alertmanager(am_payload([am_alert(fp, "resolved")]))  # recorded at once
    count = w.event_count()

    w.clock.advance(seconds=20)  # fires again 20 s after resolving: held
    held = w.alertmanager(am_payload([am_alert(fp)]))
    assert held.json()["held"] == 1 and held.json()["recorded"] == 0
    w.clock.advance(seconds=20)  # and resolves again: the flap never happened
    back = w.alertmanager(am_payload([am_alert(fp, "resolved")]))
    assert back.json()["unchanged"] == 1
    w.clock.advance(seconds=10)
    w.alertmanager(am_payload([am_alert(fp)]))  # fires again, still inside the window
    assert w.event_count() == count

    w.clock.advance(seconds=120)  # the window has passed: the timer writes it, once
    assert w.desk.call(lambda intake: intake.flush()) == 1
    assert w.desk.call(lambda intake: intake.flush()) == 0
    inc = w.service.get("INC-1")
    alert = alerts_of(inc).alerts[fp]
    assert alert.status == "firing" and alert.flaps == 1
    assert inc.timeline[-1].text.endswith("(after flapping 1 time)")
    assert w.event_count() == count + 1


def test_a_grafana_group_keeps_values_and_the_silence_link(desk_world):
    w = desk_world
    reply = w.post("/v1/alerts/grafana", grafana_payload(level="critical"), auth="basic")
    assert reply.status_code == 200, reply.text
    assert reply.json()["how"] == "declared"
    inc = w.service.get(reply.json()["incident"])
    assert inc.services == ["orders-db"] and inc.severity == "SEV1"
    alert = alerts_of(inc).alerts["c6eadffa33fcdf37"]
    assert alert.source == "grafana"
    assert alert.values == {"B": 44.23943737541908, "C": 1.0}
    assert alert.silence_url.startswith("https://grafana.example/alerting/silence/new")
    assert alert.starts_at == "2026-03-01T07:59:00.000Z"


def test_a_resolved_incident_is_not_reopened_by_a_repeat_but_a_new_firing_declares(desk_world):
    w = desk_world
    payload = am_payload([am_alert("eeee000011112222")])
    w.alertmanager(payload)
    w.service.resolve("INC-1", "rolled back")
    again = w.alertmanager(payload)  # the same still-firing group, re-sent
    assert again.json()["incident"] == "INC-1" and again.json()["recorded"] == 0
    assert w.incident_ids() == ["INC-1"]
    w.clock.advance(minutes=30)
    w.alertmanager(am_payload([am_alert("eeee000011112222", "resolved")]))
    w.clock.advance(minutes=30)
    anew = w.alertmanager(payload)  # it fires again after the incident was resolved
    assert anew.json()["how"] == "declared" and anew.json()["incident"] == "INC-2"


def test_an_incident_an_alert_declared_has_no_person_in_command_yet(desk_world):
    from console.model.channels import NotifyPolicy

    w = desk_world
    w.alertmanager(am_payload([am_alert("abab000011112222")]))
    inc = w.service.get("INC-1")
    assert inc.commander == "alertmanager" and inc.declared_by == "alertmanager"
    assert inc.commander in NotifyPolicy().placeholder_commanders  # the nudge asks for one
