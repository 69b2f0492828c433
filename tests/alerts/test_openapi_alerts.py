"""The alert receivers `serve` mounts, against the published description of the `/v1`
API (console/sync/openapi.json): real notifications to the real receivers, every reply
(taken, refused) checked against the document."""

from __future__ import annotations

import json

import pytest
from akit import am_alert, am_payload, grafana_payload, pd_payload
from openapi_kit import checked
from test_pagerduty_acks import _paged

from console.model.alert_payloads import MAX_BODY_BYTES
from console.model.errors import ConsoleError
from console.model.paging.messages import dedup_key


def test_monitoring_replies_fit(desk_world):
    w = desk_world
    first = checked(w.alertmanager(am_payload([am_alert("abcdabcdabcdabcd")])))
    assert first.json()["how"] == "declared"
    again = checked(w.alertmanager(am_payload([am_alert("abcdabcdabcdabcd")]), auth="basic"))
    assert again.json()["how"] == "updated"
    waiting = am_payload([am_alert("0123012301230123", service="")], group_key="{}:{x}")
    assert checked(w.alertmanager(waiting)).json()["incident"] is None
    grafana = checked(w.post("/v1/alerts/grafana", grafana_payload()))
    assert grafana.status_code == 200


@pytest.mark.parametrize(
    "change, status, valid",
    [
        ({"auth": None}, 401, False),
        ({"headers": {"authorization": "Bearer wrong-token-0123456789"}, "auth": None}, 401, None),
        ({"raw": b"{not json"}, 400, False),
        ({"raw": b'{"version": "4", "x": NaN}'}, 400, False),
        ({"headers": {"content-type": "text/plain"}}, 415, False),
        ({"raw": b" " * (MAX_BODY_BYTES + 1)}, 413, None),
        ({"body": {**am_payload([am_alert("a1")]), "version": "3"}}, 422, False),
        ({"body": {**am_payload([am_alert("a1")]), "alerts": []}}, 422, False),
        ({"body": am_payload([am_alert("a1", status="firing?")])}, 422, False),
        # two alerts with one fingerprint: a rule the document states but cannot check
        ({"body": am_payload([am_alert("a1"), am_alert("a1")])}, 422, True),
    ],
)
def test_monitoring_refusals_fit(desk_world, change, status, valid):
    change = dict(change)
    body = change.pop("body", am_payload([am_alert("abcdabcdabcdabcd")]))
    r = desk_world.post("/v1/alerts/alertmanager", body, **change)
    assert checked(r, valid_request=valid).status_code == status, r.text
    assert desk_world.event_count() == 0


def test_pagerduty_replies_fit(desk_world):
    w = desk_world
    incident_id = _paged(w)
    key = dedup_key(incident_id, "taro.yamamoto")
    acked = checked(w.pagerduty(pd_payload("incident.acknowledged", key)))
    assert acked.json()["status"] == "acknowledged"
    again = checked(w.pagerduty(pd_payload("incident.acknowledged", key)))
    assert again.json()["status"] == "unchanged"
    noted = checked(w.pagerduty(pd_payload("incident.resolved", key, event_id="EVT-1")))
    assert noted.json()["status"] == "noted"
    ignored = checked(w.pagerduty(pd_payload("incident.acknowledged", "not-ours")))
    assert ignored.json()["status"] == "ignored"


def test_pagerduty_refusals_fit(desk_world):
    w = desk_world
    payload = pd_payload("incident.acknowledged", "incident-console/INC-1/taro.yamamoto")
    # no signature: the document refuses the request too; a wrong one it cannot tell
    assert checked(w.pagerduty(payload, signature=None), valid_request=False).status_code == 401
    wrong = w.pagerduty(payload, signature="v1=" + "0" * 64)
    assert checked(wrong, valid_request=None).status_code == 401
    not_v3 = w.pagerduty(None, raw=json.dumps({"messages": []}).encode())
    assert checked(not_v3, valid_request=False).status_code == 422
    malformed = w.pagerduty(None, raw=b"{oops")
    assert checked(malformed, valid_request=False).status_code == 400


def test_a_busy_database_fits(desk_world, monkeypatch):
    async def busy(fn):
        raise ConsoleError("database is locked")

    monkeypatch.setattr(desk_world.desk, "acall", busy)
    r = desk_world.alertmanager(am_payload([am_alert("abcdabcdabcdabcd")]))
    assert checked(r).status_code == 503
