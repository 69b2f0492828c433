"""Payloads are hostile: unauthenticated, malformed, wrongly shaped or oversized ones
get a clear 4xx, never a traceback, and change nothing."""

from __future__ import annotations

import json

import pytest
from akit import am_alert, am_payload, grafana_payload, pd_payload, sign


def _bad_shapes():
    good = am_payload([am_alert("ffff000011112222")])
    yield "version", {**good, "version": "3"}, 'version must be "4"'
    yield "not an object", [good], "must be a JSON object"
    yield "no groupKey", {k: v for k, v in good.items() if k != "groupKey"}, "groupKey"
    yield "status", {**good, "status": "exploded"}, "status must be"
    yield "alerts missing", {**good, "alerts": None}, "alerts must be a non-empty array"
    yield "alerts empty", {**good, "alerts": []}, "alerts must be a non-empty array"
    alert = am_alert("ffff000011112222")
    yield "labels", {**good, "alerts": [{**alert, "labels": {"team": 5}}]}, "alerts[0].labels.team"
    yield "label name", {**good, "alerts": [{**alert, "labels": {"bad name": "x"}}]}, "label name"
    yield "time", {**good, "alerts": [{**alert, "startsAt": "yesterday"}]}, "startsAt"
    yield (
        "fake time",
        {**good, "alerts": [{**alert, "startsAt": "2026-02-31T00:00:00Z"}]},
        "real time",
    )
    yield "fingerprint", {**good, "alerts": [{**alert, "fingerprint": ""}]}, "fingerprint"
    yield "twice", {**good, "alerts": [alert, alert]}, "repeats"
    yield (
        "long value",
        {
            **good,
            "alerts": [{**alert, "labels": {"alertname": "x" * 1001}}],
        },
        "longer than 1000",
    )
    many = [am_alert(f"{i:016x}") for i in range(501)]
    yield "too many alerts", {**good, "alerts": many}, "more than 500"


@pytest.mark.parametrize(
    "name,payload,reason", list(_bad_shapes()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_wrong_shapes_are_422_with_a_reason_and_nothing_written(desk_world, name, payload, reason):
    w = desk_world
    reply = w.alertmanager(payload)
    assert reply.status_code == 422, reply.text
    assert reason in reply.json()["error"]
    assert w.event_count() == 0


def test_grafana_needs_its_org_id(desk_world):
    w = desk_world
    payload = grafana_payload()
    del payload["orgId"]
    reply = w.post("/v1/alerts/grafana", payload)
    assert reply.status_code == 422 and "orgId" in reply.json()["error"]
    bad_values = grafana_payload()
    bad_values["alerts"][0]["values"] = {"B": "NaN"}
    assert w.post("/v1/alerts/grafana", bad_values).status_code == 422
    assert w.event_count() == 0


@pytest.mark.parametrize(
    "raw,status",
    [
        (b"{not json", 400),
        (b'{"version": "4", "x": NaN}', 400),
        (b"\xff\xfe", 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b"", 400),
    ],
    ids=["syntax", "nan", "not utf-8", "deep", "empty"],
)
def test_malformed_json_is_400(desk_world, raw, status):
    w = desk_world
    reply = w.post("/v1/alerts/alertmanager", None, raw=raw)
    assert reply.status_code == status, reply.text
    assert reply.json()["error"].startswith("malformed JSON")
    assert w.event_count() == 0


def test_oversized_bodies_are_413(desk_world):
    w = desk_world
    big = json.dumps(am_payload([am_alert("ffff000011112222", summary="x" * (1024 * 1024))]))
    reply = w.post("/v1/alerts/alertmanager", None, raw=big.encode())
    assert reply.status_code == 413
    raw = json.dumps(pd_payload("incident.acknowledged", "k")).encode() + b" " * (1024 * 1024)
    assert w.pagerduty(None, signature=sign(raw), raw=raw).status_code == 413
    assert w.event_count() == 0


def test_credentials_are_required_and_checked(desk_world):
    w = desk_world
    payload = am_payload([am_alert("ffff000011112222")])
    for auth in (None, "Bearer wrong-token-0123456789", "Basic !!!", "Basic " + "eDp5", "Token x"):
        headers = {"authorization": auth} if auth else {}
        reply = w.post("/v1/alerts/alertmanager", payload, auth=None, headers=headers)
        assert reply.status_code == 401, auth
        assert "WWW-Authenticate" in reply.headers
    assert w.event_count() == 0
    assert w.alertmanager(payload, auth="basic").status_code == 200


def test_wrong_content_type_and_method(desk_world):
    w = desk_world
    payload = am_payload([am_alert("ffff000011112222")])
    reply = w.post("/v1/alerts/alertmanager", payload, headers={"content-type": "text/plain"})
    assert reply.status_code == 415
    assert w.http.get("/v1/alerts/alertmanager").status_code == 405
    assert w.event_count() == 0


def test_pagerduty_wrong_shapes_are_422_after_the_signature(desk_world):
    w = desk_world
    for body in (
        {"messages": []},
        {"event": {"event_type": 5, "data": {}}},
        {"event": {"event_type": "incident.acknowledged"}},
    ):
        raw = json.dumps(body).encode()
        reply = w.pagerduty(None, signature=sign(raw), raw=raw)
        assert reply.status_code == 422, reply.text
        assert "not a PagerDuty v3 webhook" in reply.json()["error"]
    assert w.event_count() == 0


def test_hostile_text_is_kept_exact_in_json_and_defused_for_people(desk_world, capsys):
    from console.alerts.views import overview
    from console.cli.alerts import _text

    w = desk_world
    nasty = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil"
    payload = am_payload([am_alert("9999000011112222", severity="warning", summary=nasty)])
    assert w.alertmanager(payload).status_code == 200
    data = overview(w.service)
    assert data["waiting"][0]["summary"] == " ".join(nasty.split())
    from console.model.text import printable

    shown = printable(_text(data), multiline=True)
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
