"""Alert intake on two `serve` processes sharing one PostgreSQL log: the same delivery
arriving at both (a load balancer retrying on the other, or both at once) is one alert
group on one incident, and an alert flapping across the two processes is held back as
if one process had received every notification."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from alerts.akit import am_alert, am_payload
from serveproc import ServeProcess
from waiting import wait_until

from console.sync.server import ServerLog

ALERT_TOKEN = "alert-token-0123456789abcdef"
DEBOUNCE = 3.0  # seconds an alert that fires again after resolving is held back
ORG = f"""
[alerts]
declare_at = "SEV2"
debounce_seconds = {DEBOUNCE}

[[alert_routes]]
match = {{ team = "payments" }}
service_label = "service"
"""


@pytest.fixture
def two_receivers(tmp_path, pg_url):
    (tmp_path / "org.toml").write_text(ORG)
    (tmp_path / "alert-tokens").write_text(ALERT_TOKEN + "\n")
    flags = ("--no-escalation", "--alerts-token-file", str(tmp_path / "alert-tokens"))
    procs = [
        ServeProcess(tmp_path, pg_url, name, *flags, org=tmp_path / "org.toml").start()
        for name in ("a", "b")
    ]
    yield procs
    for p in procs:
        p.stop()


def post(proc: ServeProcess, payload: dict) -> dict:
    reply = httpx.post(
        f"{proc.url}/v1/alerts/alertmanager",
        json=payload,
        headers={"authorization": f"Bearer {ALERT_TOKEN}"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def logged(url: str, kind: str) -> list[dict]:
    log = ServerLog(url)
    try:
        events = [json.loads(p) for _, _, p in log.rows()]
    finally:
        log.close()
    return [e for e in events if e["kind"] == kind]


def test_one_delivery_at_two_processes_is_one_incident(two_receivers, pg_url):
    a, b = two_receivers
    first = am_payload([am_alert("aaaaaaaaaaaaaaaa")])
    assert post(a, first)["how"] == "declared"
    retried = post(b, first)  # the balancer gave up on a's answer and tried b
    assert (retried["how"], retried["recorded"], retried["unchanged"]) == ("updated", 0, 1)

    # the same delivery at both at once
    second = am_payload(
        [am_alert("bbbbbbbbbbbbbbbb", alertname="CheckoutLatency")],
        group_key='{}/{team="payments"}:{alertname="CheckoutLatency"}',
    )
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda p=p: answers.append(post(p, second))) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(x["how"] for x in answers) == ["declared", "updated"]
    assert answers[0]["incident"] == answers[1]["incident"]

    wait_until(lambda: len(logged(pg_url, "alert_received")) >= 2, what="the alerts in the log")
    assert len(logged(pg_url, "declared")) == 2  # one per group
    received = [e["body"]["fingerprint"] for e in logged(pg_url, "alert_received")]
    assert sorted(received) == ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]


def test_an_alert_flapping_across_two_processes_is_held_back_once(two_receivers, pg_url):
    a, b = two_receivers
    fp = "cccccccccccccccc"
    assert post(a, am_payload([am_alert(fp)]))["how"] == "declared"
    assert post(b, am_payload([am_alert(fp, "resolved")]))["recorded"] == 1
    assert post(a, am_payload([am_alert(fp)]))["held"] == 1  # fired again at once: held
    held_at = time.monotonic()
    back = post(b, am_payload([am_alert(fp, "resolved")]))  # and resolved again: a flap
    assert (back["recorded"], back["held"], back["unchanged"]) == (0, 0, 1)

    # once the window has passed nothing flapped is written, whichever process looks
    wait_until(lambda: time.monotonic() > held_at + DEBOUNCE, what="the debounce window")
    after = post(a, am_payload([am_alert(fp, "resolved")]))
    assert (after["recorded"], after["unchanged"]) == (0, 1)
    statuses = [e["body"]["status"] for e in logged(pg_url, "alert_received")]
    assert statuses == ["firing", "resolved"]
