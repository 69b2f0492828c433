"""Shared kit for the alert tests: an org file with [alerts] and [[alert_routes]], a
console database, a ManualClock, an in-memory keyring holding the PagerDuty signing
secret, and the real receivers served by uvicorn on 127.0.0.1 (an ephemeral port).
Payloads are built here in the shapes the Alertmanager, Grafana and PagerDuty
documentation gives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import keyring
import pytest
from memkeyring import MemoryKeyring

from console.alerts.listen import create_app
from console.alerts.receivers import AlertDesk
from console.model.alert_routes import alert_routing
from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store
from console.sync.server import start_in_thread

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TOKEN = "alert-token-0123456789abcdef"
PD_SECRET = "pd-signing-secret-ChangeMe-0123456789"

ORG = """
[alerts]
declare_at = "SEV2"
debounce_seconds = 120
pagerduty_secret = ["pd_webhook", "pd_webhook_next"]

[[people]]  # how PagerDuty knows them: its user id and their e-mail
id = "taro.yamamoto"
pagerduty_id = "PLH1HKV"
email = "taro.yamamoto@example.com"

[[people]]
id = "yuki.nakamura"
email = "Yuki.Nakamura@example.com"

[[alert_routes]]
match = { team = "payments" }
service_label = "service"

[[alert_routes]]
match_re = { job = "orders-db.*" }
service = "orders-db"
severity_label = "level"

[[alert_routes]]
match = { alertname = "EdgeErrors" }
service = "cdn"
severity = "SEV1"
"""


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def am_alert(
    fingerprint: str,
    status: str = "firing",
    *,
    alertname: str = "PaymentErrors",
    severity: str = "critical",
    service: str = "payment-api",
    summary: str = "5xx above 5% on payment-api",
    extra_labels: dict | None = None,
) -> dict:
    """One alert as Alertmanager's webhook (version 4) sends it."""
    labels = {"alertname": alertname, "severity": severity, "team": "payments"}
    if service:
        labels["service"] = service
    labels.update(extra_labels or {})
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary, "runbook_url": "https://runbooks.example/pay"},
        "startsAt": "2026-03-01T08:58:03.157076542Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-03-01T09:10:00Z",
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate%28errors%5B5m%5D%29",
        "fingerprint": fingerprint,
    }


def am_payload(
    alerts: list[dict], group_key: str = '{}/{team="payments"}:{alertname="PaymentErrors"}'
) -> dict:
    firing = any(a["status"] == "firing" for a in alerts)
    common = dict(alerts[0]["labels"])
    for a in alerts[1:]:
        common = {k: v for k, v in common.items() if a["labels"].get(k) == v}
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "incident-console",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
        "commonLabels": common,
        "commonAnnotations": {"summary": alerts[0]["annotations"]["summary"]},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts,
    }


def grafana_payload(status: str = "firing", *, level: str = "warning") -> dict:
    """The Grafana alerting webhook: the Alertmanager shape plus orgId, values,
    silenceURL, dashboardURL, panelURL (its version is "1")."""
    return {
        "receiver": "incident-console",
        "status": status,
        "orgId": 1,
        "alerts": [
            {
                "status": status,
                "labels": {
                    "alertname": "OrdersDBReplicationLag",
                    "job": "orders-db-primary",
                    "level": level,
                },
                "annotations": {"summary": "replication lag above 30 s"},
                "startsAt": "2026-03-01T08:59:00+01:00",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
                "fingerprint": "c6eadffa33fcdf37",
                "silenceURL": "https://grafana.example/alerting/silence/new?matchers=alertname%3DOrdersDBReplicationLag",
                "dashboardURL": "",
                "panelURL": "",
                "values": {"B": 44.23943737541908, "C": 1},
            }
        ],
        "groupLabels": {"alertname": "OrdersDBReplicationLag"},
        "commonLabels": {"alertname": "OrdersDBReplicationLag", "job": "orders-db-primary"},
        "commonAnnotations": {},
        "externalURL": "https://grafana.example/",
        "version": "1",
        "groupKey": '{}/{alertname="OrdersDBReplicationLag"}:{alertname="OrdersDBReplicationLag"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] OrdersDBReplicationLag",
        "state": "alerting",
        "message": "replication lag",
    }


def pd_payload(
    event_type: str,
    incident_key: str,
    *,
    agent: str = "Taro Yamamoto",
    agent_id: str = "PLH1HKV",
    agent_email: str | None = None,
    event_id: str = "01DEN1HNJMNVUWQXT6G5IOM0BE",
) -> dict:
    """A PagerDuty v3 webhook, as its documentation shows one (its agent reference has
    no e-mail; `agent_email` adds one, as a relay that expands the reference would)."""
    reference = {
        "html_url": f"https://acme.pagerduty.com/users/{agent_id}",
        "id": agent_id,
        "self": f"https://api.pagerduty.com/users/{agent_id}",
        "summary": agent,
        "type": "user_reference",
    }
    if agent_email is not None:
        reference["email"] = agent_email
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-03-01T09:16:00.000Z",
            "agent": reference,
            "client": {"name": "PagerDuty"},
            "data": {
                "id": "PGR0VU2",
                "type": "incident",
                "self": "https://api.pagerduty.com/incidents/PGR0VU2",
                "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                "number": 2,
                "status": event_type.removeprefix("incident."),
                "incident_key": incident_key,
                "created_at": "2026-03-01T09:15:00Z",
                "title": "INC-1 SEV1 page",
                "service": {
                    "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
                    "id": "PF9KMXH",
                    "self": "https://api.pagerduty.com/services/PF9KMXH",
                    "summary": "incident-console",
                    "type": "service_reference",
                },
                "assignees": [],
                "escalation_policy": {
                    "id": "PKUFVRI",
                    "summary": "Default",
                    "type": "escalation_policy_reference",
                },
                "teams": [],
                "priority": None,
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def sign(raw: bytes, secret: str = PD_SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class DeskWorld:
    """The receivers on a real server, the console database they write, and a
    service on it for the tests to look through."""

    def __init__(self, tmp_path: Path, ring: MemoryKeyring, org_text: str = ORG):
        self.org_path = tmp_path / "org.toml"
        self.org_path.write_text(org_text)
        self.org = load_org([(org_text, str(self.org_path))])
        ring.set_password("incident-console-secrets", "pd_webhook", PD_SECRET)
        self.db_path = tmp_path / "console.db"
        self.clock = ManualClock(T0)
        self.store = Store(self.db_path)
        self.service = IncidentService(self.store, self.org, self.clock, actor="kenji.sato")
        from console.alerts.receivers import pagerduty_secrets

        self.desk = AlertDesk(
            self.db_path,
            self.org,
            self.clock,
            pagerduty_secrets=pagerduty_secrets(alert_routing(self.org)),
        )
        self.server = start_in_thread(create_app(self.desk, [TOKEN]))
        self.http = httpx.Client(base_url=self.server.url, timeout=10)

    def post(
        self,
        path: str,
        body,
        *,
        auth: str | None = "bearer",
        headers=None,
        raw: bytes | None = None,
    ):
        h = {"content-type": "application/json", **(headers or {})}
        if auth == "bearer":
            h["authorization"] = f"Bearer {TOKEN}"
        elif auth == "basic":
            h["authorization"] = (
                "Basic " + base64.b64encode(f"alertmanager:{TOKEN}".encode()).decode()
            )
        content = raw if raw is not None else json.dumps(body).encode()
        return self.http.post(path, content=content, headers=h)

    def alertmanager(self, payload, **kw):
        return self.post("/v1/alerts/alertmanager", payload, **kw)

    def pagerduty(self, payload, signature: str | None = "valid", raw: bytes | None = None):
        raw = raw if raw is not None else json.dumps(payload).encode()
        headers = {}
        if signature == "valid":
            headers["x-pagerduty-signature"] = sign(raw)
        elif signature is not None:
            headers["x-pagerduty-signature"] = signature
        return self.post("/v1/alerts/pagerduty", None, auth=None, headers=headers, raw=raw)

    def event_count(self) -> int:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def incident_ids(self) -> list[str]:
        with sqlite3.connect(self.db_path) as conn:
            return [r[0] for r in conn.execute("SELECT id FROM incidents ORDER BY number")]

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        self.desk.close()
        self.store.close()


@pytest.fixture
def desk_world(tmp_path, memory_keyring):
    w = DeskWorld(tmp_path, memory_keyring)
    yield w
    w.close()
