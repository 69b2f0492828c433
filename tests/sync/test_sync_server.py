"""The reference server over real HTTP: auth, limits, validation, idempotency, long-poll."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid

import pytest

from console.model.errors import InputError
from console.sync import protocol as wire
from console.sync.server import ServerLog, load_tokens


def ev(n: int = 0, **over) -> dict:
    base = {
        "event_id": str(uuid.UUID(int=n + 1, version=4)),
        "incident_id": "INC-1",
        "kind": "note_added",
        "body": {"text": f"note {n}"},
        "actor": "ana",
        "origin": "dev-a",
        "hlc": f"1772355600000-{n:05d}",
        "at": "2026-03-01T09:00:00.000Z",
    }
    base.update(over)
    return base


def push(http, events, **extra):
    return http.post(
        "/v1/push", json={"protocol": 1, "client_id": "dev-a", "events": events, **extra}
    )


def test_health_needs_no_token(server):
    with server.http(token=None) as http:
        r = http.get("/v1/health")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "protocol": 1, "backend": server.backend, "reachable": True}


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789", ""])
def test_no_or_wrong_token_is_401_and_writes_nothing(server, token):
    with server.http(token=token) as http:
        for r in (push(http, [ev(1)]), http.get("/v1/pull"), http.post("/v1/echo", content=b"{}")):
            assert r.status_code == 401
            assert r.headers["www-authenticate"] == "Bearer"
            assert "token" in r.json()["error"]
    with server.http(token=None) as http:
        r = http.post(
            "/v1/push",
            json={"protocol": 1, "client_id": "x", "events": [ev(1)]},
            headers={"Authorization": "Basic " + "x" * 20},
        )
        assert r.status_code == 401
    assert server.rows() == []


def test_accept_duplicate_and_idempotency_mismatch(server):
    with server.http() as http:
        r = push(http, [ev(1), ev(2)])
        assert r.status_code == 200
        body = r.json()
        assert [x["status"] for x in body["results"]] == ["accepted", "accepted"]
        assert [x["server_seq"] for x in body["results"]] == [1, 2]
        log_id = body["log_id"]

        r = push(http, [ev(2), ev(3), ev(3)])
        res = r.json()["results"]
        assert [(x["status"], x["server_seq"]) for x in res] == [
            ("duplicate", 2),
            ("accepted", 3),
            ("duplicate", 3),
        ]

        changed = ev(1, body={"text": "rewritten"})
        r = push(http, [changed])
        assert r.status_code == 422
        res = r.json()["results"][0]
        assert res["status"] == "rejected" and "idempotency mismatch" in res["error"]
        assert r.json()["log_id"] == log_id

        # The same new event twice in one push, past the head: the first copy's seq.
        res = push(http, [ev(4), ev(4)]).json()["results"]
        assert [(x["status"], x["server_seq"]) for x in res] == [("accepted", 4), ("duplicate", 4)]
    rows = server.rows()
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert json.loads(rows[0][2])["body"] == {"text": "note 1"}


def test_an_event_stored_by_an_older_server_comes_back_duplicate(server):
    """Older servers stored json.dumps text, which spells some numbers otherwise."""
    event = ev(1, kind="metric_noted", body={"ratio": 1e16, "tiny": 1e-7, "text": "é"})
    with server.http() as http:
        assert push(http, [event]).json()["results"][0]["status"] == "accepted"
    older = json.dumps(
        {k: event[k] for k in wire.EVENT_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert older != server.rows()[0][2]  # 1e+16 and 1e-07 there
    if server.backend == "sqlite":
        with sqlite3.connect(server.path) as conn:
            conn.execute("UPDATE log SET payload = ?", [older])
    else:
        import psycopg

        with psycopg.connect(str(server.path)) as conn:
            conn.execute("UPDATE log SET payload = %s", [older])
    with server.http() as http:
        res = push(http, [event]).json()["results"][0]
        assert (res["status"], res["server_seq"]) == ("duplicate", 1)
        res = push(http, [{**event, "body": {**event["body"], "ratio": 2e16}}]).json()
        assert "idempotency mismatch" in res["results"][0]["error"]


def test_invalid_events_are_rejected_with_reasons_never_500(server):
    with server.http() as http:
        bad = [
            ev(1, hlc="soon"),
            ev(2, body=[1]),
            "not an object",
            {"event_id": 5},
            ev(3, kind="BAD KIND"),
        ]
        r = push(http, bad)
        assert r.status_code == 422
        res = r.json()["results"]
        assert all(x["status"] == "rejected" and x["error"] for x in res)
        # every result has the same fields: a rejected event has no server_seq
        assert all(set(x) == {"event_id", "status", "server_seq", "error"} for x in res)
        assert all(x["server_seq"] is None for x in res)
        assert "hlc" in res[0]["error"] and "body" in res[1]["error"]
        assert res[2]["event_id"] is None and res[3]["event_id"] is None
        assert server.rows() == []
        # A mixed batch stores the good ones and says which were refused.
        r = push(http, [ev(4), ev(5, at="not a time")])
        assert r.status_code == 200
        assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected"]
    assert len(server.rows()) == 1


@pytest.mark.parametrize(
    "content, ctype, status, words",
    [
        (b"{not json", "application/json", 400, "malformed JSON"),
        (b"\xff\xfe", "application/json", 400, "malformed JSON"),
        (b"[1, 2]", "application/json", 400, "JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "malformed JSON"),
        (
            b'{"protocol": 1, "client_id": "a", "events": [], "x": NaN}',
            "application/json",
            400,
            "NaN is not JSON",
        ),
        (
            b'{"protocol": 9, "client_id": "a", "events": []}',
            "application/json",
            400,
            "unsupported protocol",
        ),
        (
            b'{"protocol": 1, "client_id": "a", "events": "x"}',
            "application/json",
            400,
            "events must be a list",
        ),
        (b'{"protocol": 1, "client_id": "a", "events": []}', "text/plain", 415, "application/json"),
        (
            b"x" * (wire.MAX_BODY_BYTES + 1),
            "application/json",
            413,
            f"over {wire.MAX_BODY_BYTES} bytes",
        ),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_the_log_is_untouched(
    server, content, ctype, status, words
):
    with server.http() as http:
        r = http.post("/v1/push", content=content, headers={"Content-Type": ctype})
    assert r.status_code == status
    assert words in r.json()["error"]
    assert server.rows() == []


def test_oversized_body_without_content_length_and_too_many_events(server):
    def chunks():
        for _ in range(wire.MAX_BODY_BYTES // 60_000 + 2):
            yield b" " * 60_000

    with server.http() as http:
        r = http.post("/v1/push", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        r = push(http, [ev(i) for i in range(wire.MAX_BATCH + 1)])
        assert r.status_code == 413 and f"limit is {wire.MAX_BATCH}" in r.json()["error"]
        r = http.get("/v1/push")
        assert r.status_code == 405 and r.json()["error"]
        r = http.get("/v1/nothing")
        assert r.status_code == 404
    assert server.rows() == []


def test_pull_pages_and_cursor(server):
    with server.http() as http:
        push(http, [ev(i) for i in range(7)])
        r = http.get("/v1/pull", params={"after": 0, "limit": 3}).json()
        assert [e["server_seq"] for e in r["events"]] == [1, 2, 3]
        assert r["next"] == 3 and r["has_more"] is True and r["head"] == 7
        assert wire.event_problem(r["events"][0], from_server=True) is None
        r = http.get("/v1/pull", params={"after": 6, "limit": 3}).json()
        assert [e["server_seq"] for e in r["events"]] == [7] and r["has_more"] is False
        r = http.get("/v1/pull", params={"after": 7}).json()
        assert r["events"] == [] and r["next"] == 7
        assert http.get("/v1/pull", params={"after": "x"}).status_code == 400
        assert http.get("/v1/pull", params={"limit": wire.MAX_BATCH + 1}).status_code == 400


def test_long_poll_wakes_when_someone_pushes(server):
    got = {}

    def wait_for_it():
        with server.http() as http:
            started = time.monotonic()
            got["reply"] = http.get("/v1/pull", params={"after": 0, "wait": 20}, timeout=30).json()
            got["elapsed"] = time.monotonic() - started

    t = threading.Thread(target=wait_for_it)
    t.start()
    time.sleep(0.2)  # let the poll start waiting (ordering, not a speed assertion)
    with server.http() as http:
        push(http, [ev(1)])
    t.join(25)
    assert [e["server_seq"] for e in got["reply"]["events"]] == [1]
    assert got["elapsed"] < 20  # woken by the push, not by the wait running out


def test_long_poll_times_out_empty(server):
    with server.http() as http:
        r = http.get("/v1/pull", params={"after": 0, "wait": 0.2}).json()
    assert r["events"] == [] and r["has_more"] is False


def test_echo_is_authenticated_and_does_nothing(server):
    with server.http() as http:
        r = http.post(
            "/v1/echo", content=b'{"protocol":1}', headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 200 and r.json() == {"ok": True, "bytes": 14}
    assert server.rows() == []


def test_log_keeps_its_id_across_restarts_and_refuses_foreign_files(tmp_path):
    a = ServerLog(tmp_path / "s.db")
    log_id = a.log_id
    a.close()
    assert ServerLog(tmp_path / "s.db").log_id == log_id
    from console.store import Store

    Store(tmp_path / "console.db").close()
    with pytest.raises(InputError, match="not a server log"):
        ServerLog(tmp_path / "console.db")
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(InputError):
        ServerLog(tmp_path / "junk.db")


def test_token_file(tmp_path):
    f = tmp_path / "tokens"
    f.write_text("# war room\n\nabcdefghijklmnopqrstuvwxyz\n")
    assert load_tokens(f) == ["abcdefghijklmnopqrstuvwxyz"]
    f.write_text("short\n")
    with pytest.raises(InputError, match=r"tokens:1: token shorter"):
        load_tokens(f)
    f.write_text("# nothing\n")
    with pytest.raises(InputError, match="no token"):
        load_tokens(f)
    with pytest.raises(InputError, match="cannot read"):
        load_tokens(tmp_path / "missing")


def test_pushes_at_once_are_each_stored_whole_once_in_seq_order(server):
    """Several consoles pushing at the same moment, some sending the same batch twice (a
    retry racing the original), while a console pages the log: each event is stored
    once, server_seq is dense, every reply names the seq the log holds for its event,
    and the pager sees every event exactly once, in seq order."""
    batches = [[ev(b * 100 + i) for i in range(100)] for b in range(12)]
    sends = batches + batches[::3]  # a third of them twice
    replies: list[tuple[list[dict], dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def console(mine: list[list[dict]]) -> None:
        try:
            with server.http() as http:
                for events in mine:
                    r = push(http, events)
                    assert r.status_code == 200, r.text
                    with lock:
                        replies.append((events, r.json()))
        except BaseException as exc:  # reported by the test's thread
            errors.append(exc)

    pulled: list[dict] = []
    total = len(batches) * 100

    def pager() -> None:
        try:
            with server.http() as http:
                after = 0
                while len(pulled) < total:
                    page = http.get("/v1/pull", params={"after": after, "wait": 5}).json()
                    pulled.extend(page["events"])
                    after = page["next"]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=console, args=(sends[i::4],)) for i in range(4)]
    threads.append(threading.Thread(target=pager))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[0]
    rows = server.log.rows()
    assert [r[0] for r in rows] == list(range(1, total + 1))
    held = {event_id: seq for seq, event_id, _ in rows}
    assert len(held) == total
    for events, reply in replies:
        results = reply["results"]
        assert [x["event_id"] for x in results] == [e["event_id"] for e in events]
        assert all(x["status"] in ("accepted", "duplicate") for x in results)
        assert all(x["server_seq"] == held[x["event_id"]] for x in results)
    accepted = [x for _, reply in replies for x in reply["results"] if x["status"] == "accepted"]
    assert len(accepted) == total  # the second copy of a batch is all duplicates
    assert [e["server_seq"] for e in pulled] == list(range(1, total + 1))
