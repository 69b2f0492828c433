"""What the multi-process escalation tests share: an org paging through one webhook,
a commander's console syncing through one serve process, and readings of the shared
PostgreSQL database (who leads, which pages the log says were queued and delivered)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from hooks import Hook
from serveproc import TOKEN, ServeProcess

from console.model.clock import SystemClock
from console.service import IncidentService
from console.store import Store
from console.sync.client import SyncClient
from console.sync.server import ServerLog

LEASE = 3  # seconds: how long a killed leader's work waits before it is taken over


def org_text(hook: Hook) -> str:
    return f"""
[[channels]]
id = "hook"
type = "webhook"
url = "{hook.url}"
people = ["hana.kobayashi", "kenji.sato"]
teams = ["payments", "platform-infra"]
roles = ["vp_engineering", "product_leads", "cto", "business_leads"]
"""


def leader_pid(url: str) -> int | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT holder FROM escalation_leader WHERE until > now() AND name = 'escalation'"
        ).fetchone()
    return int(row[0].rsplit(":", 2)[1]) if row else None


def page_keys_in_log(url: str) -> set[str]:
    """Every page key (intent@channel) the log says was queued."""
    log = ServerLog(url)
    try:
        keys = set()
        for _, _, payload in log.rows():
            event = json.loads(payload)
            if event["kind"] == "page_queued":
                keys |= {f"{event['body']['key']}@{c}" for c in event["body"]["channels"]}
        return keys
    finally:
        log.close()


def delivered_in_log(url: str) -> set[str]:
    log = ServerLog(url)
    try:
        return {
            json.loads(p)["body"]["key"]
            for _, _, p in log.rows()
            if json.loads(p)["kind"] == "page_delivered"
        }
    finally:
        log.close()


class Desk:
    """A commander's console syncing through one serve process, failing over to another."""

    def __init__(self, path, org, name: str, url: str):
        self.store = Store(path)
        self.service = IncidentService(self.store, org, SystemClock(), name)
        self.url = url

    def sync(self) -> None:
        with SyncClient(self.service, self.url, TOKEN, max_attempts=1, timeout=10) as client:
            client.sync_once()

    def ids(self) -> set[str]:
        return {r[0] for r in self.store.conn.execute("SELECT event_id FROM events")}


def log_events(url: str, kind: str) -> list[dict]:
    """Every event of this kind in the log (envelope and body), in log order."""
    log = ServerLog(url)
    try:
        events = [json.loads(p) for _, _, p in log.rows()]
        return [e for e in events if e["kind"] == kind]
    finally:
        log.close()


def page_events(url: str, kind: str) -> list[dict]:
    """The bodies of every event of this kind in the log, in log order."""
    return [e["body"] for e in log_events(url, kind)]


def mirror_device(workdir: Path, proc: ServeProcess) -> str:
    """The device id a serve process's mirror database writes its events under."""
    store = Store(workdir / "data" / f"serve-{proc.port}.escalation.db")
    try:
        return store.device_id()
    finally:
        store.close()
