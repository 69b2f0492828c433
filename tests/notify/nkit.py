"""Shared kit for the notify tests (imported by conftest.py and the tests). Fixtures for automated escalation: real HTTP receivers on 127.0.0.1 (ephemeral
ports) standing in for Slack, PagerDuty and a webhook; an in-memory keyring; an org
file whose [[channels]] point at the receivers; a ManualClock and real SQLite files."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import pytest
from memkeyring import MemoryKeyring

from console.model.clock import ManualClock
from console.model.org import load_org
from console.notify.channels import DrillSink
from console.notify.runner import EscalationRunner
from console.service import IncidentService
from console.store import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SPEC = Path(__file__).parent / "specs" / "pagerduty-events-v2.openapi.json"
PD_KEY = "R0UT1NGKEY0123456789abcdef012345"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INCIDENT_CONSOLE_DB", str(tmp_path / "data" / "local.db"))
    for name in list(__import__("os").environ):
        if name.startswith("INCIDENT_CONSOLE_SECRET_"):
            monkeypatch.delenv(name)


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


class Receiver:
    """A real HTTP server standing in for one provider. `mode`: ok | fail (503) |
    reject (400) | hang (holds each request until `release` is set)."""

    PATHS = {
        "slack": "/services/T0000/B0000/XXXXXXXX",
        "pagerduty": "/v2/enqueue",
        "webhook": "/hooks/incident",
    }

    def __init__(self, kind: str):
        self.kind = kind
        self.requests: list[dict] = []
        self.mode = "ok"
        self.delay = 0.0  # seconds a reply takes (widens races between runners)
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.PATHS[self.kind]}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                entry = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": json.loads(raw),
                }
                with receiver.lock:
                    receiver.requests.append(entry)
                receiver.arrived.set()
                mode = receiver.mode
                if receiver.delay:
                    time.sleep(receiver.delay)
                if mode == "hang":
                    receiver.release.wait(30)
                if mode == "throttle":
                    return self._reply(
                        429,
                        "application/json",
                        {"status": "throttled", "message": "slow down"},
                        {"Retry-After": "120"},
                    )
                if mode == "fail":
                    return self._reply(
                        503, "application/json", {"status": "unavailable", "message": "try later"}
                    )
                if mode == "reject":
                    return self._reply(
                        400,
                        "application/json",
                        {
                            "status": "invalid event",
                            "message": "Event object is invalid",
                            "errors": ["bad"],
                        },
                    )
                if receiver.kind == "pagerduty":
                    return self._reply(
                        202,
                        "application/json",
                        {
                            "status": "success",
                            "message": "Event processed",
                            "dedup_key": entry["body"].get("dedup_key"),
                        },
                    )
                if receiver.kind == "slack":
                    return self._reply(200, "text/plain", "ok")
                return self._reply(200, "application/json", {"received": True})

            def _reply(self, status, ctype, body, headers=None):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self) -> list[dict]:
        with self.lock:
            return [r["body"] for r in self.requests]

    def idempotency_keys(self) -> list[str]:
        with self.lock:
            return [r["headers"].get("idempotency-key") for r in self.requests]


@pytest.fixture
def receivers():
    rs = {k: Receiver(k).start() for k in ("slack", "pagerduty", "webhook")}
    yield rs
    for r in rs.values():
        r.release.set()
        r.stop()


def org_text(receivers: dict[str, Receiver], notify: str = "", hook_extra: str = "") -> str:
    return f"""
[[channels]]
id = "pd-sre"
type = "pagerduty"
url = "{receivers["pagerduty"].url}"
routing_key_secret = "pd_sre_key"
people = ["hana.kobayashi", "kenji.sato"]
roles = ["vp_engineering"]

[[channels]]
id = "slack-incidents"
type = "slack"
url_secret = "slack_incidents_url"
teams = ["payments", "platform-infra"]
nudges = true

[[channels]]
id = "hook"
type = "webhook"
url = "{receivers["webhook"].url}"
token_secret = "hook_token"
roles = ["product_leads", "cto", "business_leads"]
{hook_extra}
{notify}
"""


def store_secrets(ring: MemoryKeyring, receivers: dict[str, Receiver]) -> None:
    ring.set_password("incident-console-secrets", "pd_sre_key", PD_KEY)
    ring.set_password("incident-console-secrets", "slack_incidents_url", receivers["slack"].url)
    ring.set_password("incident-console-secrets", "hook_token", "hook-bearer-token")


class World:
    """One database, the org with channels, a manual clock, the commander's service."""

    def __init__(self, tmp_path: Path, receivers, ring, notify: str = "", hook_extra: str = ""):
        self.tmp_path = tmp_path
        self.receivers = receivers
        self.ring = ring
        self.text = org_text(receivers, notify, hook_extra)
        self.org_path = tmp_path / "org.toml"
        self.org_path.write_text(self.text)
        self.org = load_org([(self.text, str(self.org_path))])
        store_secrets(ring, receivers)
        self.db_path = tmp_path / "console.db"
        self.clock = ManualClock(T0)
        self.store = Store(self.db_path)
        self.service = IncidentService(self.store, self.org, self.clock, actor="kenji.sato")
        self.drill_sink = DrillSink()
        self._runners: list[EscalationRunner] = []

    def runner(self, **kw) -> EscalationRunner:
        store = kw.pop("store", None) or self.store
        r = EscalationRunner(
            store, self.org, kw.pop("clock", self.clock), drill_sink=self.drill_sink, **kw
        )
        self._runners.append(r)
        return r

    def at(self, minutes: float) -> None:
        self.clock.set(T0)
        self.clock.advance(minutes=minutes)

    def timeline(self, incident_id: str, kinds=None) -> list[dict]:
        inc = self.service.get(incident_id)
        return [t.to_dict() for t in inc.timeline if kinds is None or t.kind in kinds]

    def deliveries(self, incident_id: str) -> list[str]:
        return delivered_via(t["text"] for t in self.timeline(incident_id, {"page_queued"}))

    def close(self):
        self.store.close()


def delivered_via(texts) -> list[str]:
    """Every delivery the timeline shows: a page is one row, and each delivery joins it
    ("... · delivered via slack, sms"). One item per delivery, e.g. "pd-sre (attempt 2)"."""
    found = []
    for text in texts:
        _, sep, via = text.partition(" · delivered via ")
        if sep:
            found += via.split(", ")
    return found


@pytest.fixture
def world(tmp_path, receivers, memory_keyring):
    w = World(tmp_path, receivers, memory_keyring)
    yield w
    w.close()


def make_world(tmp_path, receivers, ring, notify: str = "", hook_extra: str = "") -> World:
    return World(tmp_path, receivers, ring, notify, hook_extra)
