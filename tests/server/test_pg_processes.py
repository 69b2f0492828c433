"""Several `serve` processes on one PostgreSQL log: the cursor never skips while both
append at once, and a push on one process wakes a long-poll parked on the other."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from serveproc import ServeProcess


def note(n: int, writer: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "incident_id": f"INC-{writer}",
        "kind": "note_added",
        "body": {"text": f"{writer} note {n}"},
        "actor": writer,
        "origin": f"dev-{writer}",
        "hlc": f"1772355600000-{n:05d}",
        "at": "2026-03-01T09:00:00.000Z",
    }


@pytest.fixture
def two_servers(tmp_path, pg_url):
    procs = [ServeProcess(tmp_path, pg_url, name, "--no-escalation").start() for name in ("a", "b")]
    yield procs
    for p in procs:
        p.stop()


def test_two_processes_append_while_a_puller_pages_and_every_event_arrives_once(two_servers):
    a, b = two_servers
    batches, per_batch = 40, 25
    pushed: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(proc: ServeProcess, name: str) -> None:
        try:
            with proc.http() as http:
                for i in range(batches):
                    events = [note(i * per_batch + j, name) for j in range(per_batch)]
                    r = http.post(
                        "/v1/push", json={"protocol": 1, "client_id": name, "events": events}
                    )
                    assert r.status_code == 200, r.text
                    assert {x["status"] for x in r.json()["results"]} == {"accepted"}
                    pushed[name] += [e["event_id"] for e in events]
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    seen: list[str] = []
    seqs: list[int] = []

    def puller() -> None:
        """Pages from its cursor without pause, alternating between the two processes."""
        cursor, turn = 0, 0
        https = [a.http(), b.http()]
        try:
            while True:
                finished = done.is_set()  # read before the page: a last page after the end
                r = https[turn % 2].get("/v1/pull", params={"after": cursor, "limit": 37})
                turn += 1
                assert r.status_code == 200, r.text
                page = r.json()
                for e in page["events"]:
                    seen.append(e["event_id"])
                    seqs.append(e["server_seq"])
                cursor = page["next"]
                if finished and not page["has_more"]:
                    return
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            for h in https:
                h.close()

    threads = [
        threading.Thread(target=writer, args=(a, "a")),
        threading.Thread(target=writer, args=(b, "b")),
    ]
    reader = threading.Thread(target=puller)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    done.set()
    reader.join(120)
    assert not errors, errors
    total = 2 * batches * per_batch
    assert len(pushed["a"]) + len(pushed["b"]) == total
    assert len(seen) == total, f"{total - len(set(seen))} events skipped by the cursor"
    assert set(seen) == set(pushed["a"]) | set(pushed["b"])
    assert seqs == list(range(1, total + 1))  # dense, in order, nothing twice


def test_a_push_on_one_process_wakes_a_long_poll_on_the_other(two_servers):
    a, b = two_servers
    got: dict = {}

    def park() -> None:
        with a.http(timeout=40) as http:
            started = time.monotonic()
            got["reply"] = http.get("/v1/pull", params={"after": 0, "wait": 25}).json()
            got["elapsed"] = time.monotonic() - started

    t = threading.Thread(target=park)
    t.start()
    time.sleep(0.5)  # let the poll park on a (ordering, not a speed assertion)
    with b.http() as http:
        r = http.post("/v1/push", json={"protocol": 1, "client_id": "b", "events": [note(1, "b")]})
        assert r.status_code == 200
    t.join(40)
    assert [e["server_seq"] for e in got["reply"]["events"]] == [1]
    assert got["elapsed"] < 20  # woken through NOTIFY, not by the wait running out


def test_health_names_the_backend(two_servers):
    a, _ = two_servers
    with a.http() as http:
        body = http.get("/v1/health").json()
    assert body == {"ok": True, "protocol": 1, "backend": "postgresql", "reachable": True}


def test_a_new_log_id_given_to_one_process_is_served_by_the_others_at_once(
    two_servers, tmp_path, pg_url
):
    """After a restore, `serve --new-log-id` on one process: the process that was not
    restarted answers pulls, pushes and rewritten-log refusals with the new id too, so a
    console behind the load balancer never sees the two ids alternate."""
    a, b = two_servers
    with b.http() as http:
        pushed = http.post(
            "/v1/push", json={"protocol": 1, "client_id": "x", "events": [note(1, "x")]}
        )
        old = pushed.json()["log_id"]
    a.stop()
    renewed = ServeProcess(tmp_path, pg_url, "a2", "--no-escalation", "--new-log-id").start()
    try:
        with renewed.http() as http:
            new = http.get("/v1/pull", params={"after": 0}).json()["log_id"]
        assert new != old
        with b.http() as http:
            assert http.get("/v1/pull", params={"after": 0}).json()["log_id"] == new
            push = http.post(
                "/v1/push", json={"protocol": 1, "client_id": "x", "events": [note(2, "x")]}
            )
            assert push.status_code == 200 and push.json()["log_id"] == new
            gone = http.get("/v1/pull", params={"after": 1, "after_id": str(uuid.uuid4())})
            assert gone.status_code == 409 and gone.json()["log_id"] == new
    finally:
        renewed.stop()
