"""The sync engine against a real server, with faults injected between them:
nothing recorded is lost, nothing is stored twice."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest

from console.model.errors import InputError
from console.model.events import Event
from console.model.hlc import HLC, MAX_DRIFT_MS
from console.store import events as event_log
from console.store import sync_state as state
from console.sync import protocol as wire
from console.sync.client import (
    Backoff,
    Refused,
    SyncError,
    Unreachable,
    normalize_remote,
)


class Faults(httpx.BaseTransport):
    """Forwards to the real server unless the plan says otherwise for this request."""

    def __init__(self, plan=None):
        self.inner = httpx.HTTPTransport()
        self.plan = list(plan or [])
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request):
        self.seen.append((request.method, request.url.path))
        action = self.plan.pop(0) if self.plan else None
        if action == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused")
        if action == "timeout":
            raise httpx.ReadTimeout("timed out")
        if action in ("lose", "lose-timeout"):  # the server did the work; the reply never arrives
            resp = self.inner.handle_request(request)
            resp.read()
            resp.close()
            raise (
                httpx.ReadError("connection reset")
                if action == "lose"
                else httpx.ReadTimeout("timed out")
            )
        if isinstance(action, httpx.Response):
            return action
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def html(status=200):
    return httpx.Response(
        status,
        headers={"Content-Type": "text/html"},
        content=b"<html><body>Welcome to Hotel WiFi, please log in</body></html>",
    )


def busy(status=503, retry_after="7"):
    return httpx.Response(
        status, headers={"Retry-After": retry_after, "Content-Type": "text/plain"}, content=b"busy"
    )


def work(console, n_notes=3, title="Checkout errors"):
    inc = console.service.declare(title, "SEV2", layers=["service"])
    for i in range(n_notes):
        console.clock.advance(seconds=30)
        console.service.note(inc.id, f"{console.service.actor} note {i}")
    return inc.id


def server_ids(server):
    rows = server.rows()
    ids = [r[1] for r in rows]
    assert len(ids) == len(set(ids)), "the server log holds a duplicate"
    return set(ids)


def test_push_then_pull_between_two_consoles(server, consoles):
    a, b = consoles("a", "ana"), consoles("b", "ben")
    inc = work(a)
    report = a.sync(server.url)
    assert report["pushed"]["accepted"] == 4 and a.outbox() == 0
    assert b.sync(server.url)["pulled"]["incidents"] == [inc]
    now = a.clock.now()
    assert b.service.view(inc, now) == a.service.view(inc, now)
    # Idempotent: again changes nothing.
    assert a.sync(server.url)["pushed"]["batches"] == 0
    assert b.sync(server.url)["pulled"]["events"] == 0
    assert server_ids(server) == a.event_ids() == b.event_ids()
    seqs = {r[0]: r[1] for r in a.store.conn.execute("SELECT event_id, server_seq FROM events")}
    assert sorted(seqs.values()) == [1, 2, 3, 4]


def test_small_batches_and_pages(server, consoles):
    a, b = consoles("a"), consoles("b")
    work(a, n_notes=9)
    with a.client(server.url, batch_size=3) as c:
        assert c.push_all().batches == 4
    with b.client(server.url, page_size=4) as c:
        assert c.pull_all().pages == 3
    assert a.event_ids() == b.event_ids() == server_ids(server)


@pytest.mark.parametrize("fault", ["lose", "lose-timeout"])
def test_reply_lost_after_the_server_applied_the_batch(server, consoles, fault):
    a = consoles("a")
    work(a)
    faults = Faults([fault])
    sleeps = []
    with a.client(server.url, transport=faults, sleep=sleeps.append) as c:
        report = c.sync_once()
    assert len(sleeps) == 1  # retried once
    assert report["pushed"]["duplicate"] == 4 and report["pushed"]["accepted"] == 0
    assert a.outbox() == 0
    assert server_ids(server) == a.event_ids()


def test_lost_reply_without_retry_is_resent_next_time(server, consoles):
    a = consoles("a")
    work(a)
    with (
        a.client(server.url, transport=Faults(["lose"]), max_attempts=1) as c,
        pytest.raises(Unreachable, match="cannot reach"),
    ):
        c.sync_once()
    assert a.outbox() == 4 and len(server.rows()) == 4  # applied there, not known here
    assert state.summary(a.store.conn)["last_error"]["error"].startswith("cannot reach")
    report = a.sync(server.url)
    assert report["pushed"]["duplicate"] == 4 and a.outbox() == 0
    assert state.summary(a.store.conn)["last_error"] is None
    assert server_ids(server) == a.event_ids()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_backs_off_and_keeps_everything(consoles):
    a = consoles("a")
    work(a)
    url = f"http://127.0.0.1:{_free_port()}"
    sleeps = []
    rolls = iter([1.0, 1.0, 1.0, 1.0])
    with (
        a.client(url, sleep=sleeps.append, random=lambda: next(rolls), max_attempts=4) as c,
        pytest.raises(Unreachable, match="cannot reach"),
    ):
        c.sync_once()
    assert sleeps == [0.5, 1.0, 2.0]  # exponential (jitter at its maximum here)
    assert a.outbox() == 4


def test_a_real_timeout(consoles):
    a = consoles("a")
    work(a)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with (
            a.client(url, timeout=0.3, max_attempts=2) as c,
            pytest.raises(Unreachable, match="timed out"),
        ):
            c.sync_once()
    assert a.outbox() == 4


def test_5xx_and_429_honour_retry_after(server, consoles):
    a = consoles("a")
    work(a)
    faults = Faults([busy(503, "7"), busy(500, "2"), busy(429, "3"), "timeout"])
    sleeps = []
    with a.client(
        server.url, transport=faults, sleep=sleeps.append, random=lambda: 0.0, max_attempts=6
    ) as c:
        c.sync_once()
    assert sleeps == [
        7.0,
        2.0,
        3.0,
        0.0,
    ]  # Retry-After wins; the timeout falls back to jittered backoff
    assert a.outbox() == 0 and server_ids(server) == a.event_ids()


def test_html_instead_of_json_is_a_clear_error_and_nothing_is_lost(server, consoles):
    a = consoles("a")
    work(a)
    for reply in (
        html(),
        html(404),
        httpx.Response(
            200, content=b"\x00\x01garbage", headers={"Content-Type": "application/json"}
        ),
    ):
        faults = Faults([reply])
        with a.client(server.url, transport=faults) as c, pytest.raises(SyncError) as err:
            c.sync_once()
        assert "instead of JSON" in str(err.value)
        assert len(faults.seen) == 1  # not retried blindly
        assert a.outbox() == 4
    assert server.rows() == []
    a.sync(server.url)
    assert a.outbox() == 0


def test_json_of_the_wrong_shape_is_a_clear_error(server, consoles):
    a = consoles("a")
    work(a)
    with (
        a.client(server.url, transport=Faults([httpx.Response(200, json={"hello": 1})])) as c,
        pytest.raises(SyncError, match="no results list"),
    ):
        c.sync_once()
    assert a.outbox() == 4


def test_wrong_token_is_refused_and_nothing_is_written(server, consoles):
    a = consoles("a")
    work(a)
    with (
        a.client(server.url, token="not-the-token-at-all") as c,
        pytest.raises(Refused, match="login"),
    ):
        c.sync_once()
    assert server.rows() == [] and a.outbox() == 4


def test_413_halves_the_batch(server, consoles):
    a = consoles("a")
    work(a, n_notes=7)
    too_big = httpx.Response(413, json={"error": "too large"})
    faults = Faults([too_big, too_big])
    with a.client(server.url, transport=faults) as c:
        report = c.push_all()
        assert c.batch_size == 2  # 8 → 4 → 2 per batch
    # The two batches of 4 go out together: the one that got the second 413 goes again
    # as two of 2, the other may have been stored whole.
    assert report.accepted == 8 and report.batches in (3, 4)
    assert a.outbox() == 0 and server_ids(server) == a.event_ids()


class SecondPushFirst(httpx.BaseTransport):
    """Holds the first push until a second one is on its way (so it fails, after 10 s,
    unless the console sends two at once); may refuse the push holding `refuse`."""

    def __init__(self, refuse: str | None = None):
        self.inner = httpx.HTTPTransport()
        self.refuse = refuse
        self.second = threading.Event()
        self.pushes = 0
        self.lock = threading.Lock()

    def handle_request(self, request):
        if request.url.path == "/v1/push":
            with self.lock:
                self.pushes += 1
                first = self.pushes == 1
            if first:
                assert self.second.wait(10), "no second push while the first was on its way"
            else:
                self.second.set()
            if self.refuse and self.refuse.encode() in request.read():
                return httpx.Response(400, json={"error": "refused for the test"})
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def test_a_long_outbox_goes_out_two_pushes_at_a_time(server, consoles):
    a, b = consoles("a"), consoles("b")
    work(a, n_notes=20)  # 21 events: 7 batches of 3
    overlap = SecondPushFirst()
    with a.client(server.url, transport=overlap, batch_size=3) as c:
        report = c.push_all()
    assert report.accepted == 21 and report.batches == 7 and a.outbox() == 0
    assert server_ids(server) == a.event_ids()
    seqs = [r[0] for r in a.store.conn.execute("SELECT server_seq FROM events")]
    assert sorted(seqs) == list(range(1, 22))
    b.sync(server.url)  # the server took them in any order; the fold does not mind
    assert b.event_ids() == a.event_ids()
    inc = a.store.conn.execute("SELECT DISTINCT incident_id FROM events").fetchone()[0]
    now = a.clock.now()
    assert b.service.view(inc, now) == a.service.view(inc, now)


def test_a_push_refused_among_several_keeps_its_events_and_records_the_rest(server, consoles):
    a = consoles("a")
    work(a, n_notes=11)  # 12 events: 4 batches of 3
    fifth = a.store.conn.execute("SELECT event_id FROM events ORDER BY seq").fetchall()[4][0]
    refusing = SecondPushFirst(refuse=fifth)
    with (
        a.client(server.url, transport=refusing, batch_size=3) as c,
        pytest.raises(SyncError, match="refused for the test"),
    ):
        c.push_all()
    waiting = {
        r[0] for r in a.store.conn.execute("SELECT event_id FROM events WHERE server_seq IS NULL")
    }
    assert fifth in waiting  # its batch stays in the outbox, nothing of it dead-lettered
    assert server_ids(server) == a.event_ids() - waiting  # what the server took is recorded
    assert state.dead_letter_count(a.store.conn) == 0
    with a.client(server.url, batch_size=3) as c:
        assert c.push_all().accepted == len(waiting)
    assert a.outbox() == 0 and server_ids(server) == a.event_ids()


class OlderServer(httpx.BaseTransport):
    """A server of the first protocol-1 release in front of the real one: 500 events a
    push at most (413 beyond), pages of 500 by default, and `limit` above 500 refused."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.refused: list[str] = []

    def handle_request(self, request):
        path = request.url.path
        if path == "/v1/push" and len(json.loads(request.read())["events"]) > wire.PROTOCOL_BATCH:
            self.refused.append("push")
            return httpx.Response(413, json={"error": "the limit is 500"})
        if request.url.path == "/v1/pull":
            limit = request.url.params.get("limit")
            if limit is not None and int(limit) > wire.PROTOCOL_BATCH:
                self.refused.append("pull")
                return httpx.Response(400, json={"error": "limit must be between 1 and 500"})
            if limit is None:
                request.url = request.url.copy_merge_params({"limit": wire.PROTOCOL_BATCH})
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def test_an_older_server_with_smaller_batches_and_pages(server, consoles):
    a, b = consoles("a"), consoles("b")
    work(a, n_notes=wire.PROTOCOL_BATCH + 99)  # 600 events with the declaration
    older = OlderServer()
    with a.client(server.url, transport=older) as c:
        pushed = c.push_all()
    assert pushed.accepted == 600 and pushed.batches == 2  # 413 once, then 500 + 100
    assert older.refused == ["push"] and a.outbox() == 0
    with b.client(server.url, transport=older) as c:
        pulled = c.pull_all()
    assert pulled.received == 600 and pulled.pages == 2
    assert older.refused == ["push"]  # no page size it would refuse
    assert b.event_ids() == a.event_ids()


def test_rejected_events_go_to_dead_letters_and_do_not_block(server, consoles):
    a, b = consoles("a"), consoles("b")
    inc = work(a)
    a.sync(server.url)
    b.sync(server.url)
    first = a.service.events(inc)[1]
    # B's copy of an event is corrupted and marked unsent: the server must refuse it.
    b.store.conn.execute(
        "UPDATE events SET body = ?, server_seq = NULL WHERE event_id = ?",
        [json.dumps({"text": "tampered"}), first.event_id],
    )
    # And a locally invalid event is never sent at all.
    with b.store.transaction() as conn:
        event_log.insert(
            conn,
            Event(
                event_log.uuid7(),
                inc,
                "note_added",
                {"text": "x"},
                "",
                "dev",
                event_log.next_hlc(conn),
                "2026-03-01T09:00:00.000Z",
            ),
        )
    b.service.note(inc, "a good note after the bad ones")
    report = b.sync(server.url)
    assert report["pushed"]["rejected"] == 1 and report["pushed"]["accepted"] == 1
    letters = state.dead_letters(b.store.conn)
    reasons = sorted(d["reason"] for d in letters)
    assert len(letters) == 2
    assert "idempotency mismatch" in reasons[0] and reasons[1].startswith("not sent: actor")
    assert b.outbox() == 0  # dead letters are out of the way
    assert state.summary(b.store.conn)["dead_letters"] == 2
    assert len(server.rows()) == 5
    assert state.retry_dead_letters(b.store) == 2 and b.outbox() == 2


def test_invalid_events_from_the_server_are_dead_lettered_and_the_rest_applied(server, consoles):
    a, b = consoles("a"), consoles("b")
    work(a, n_notes=1)
    a.sync(server.url)
    with server.http() as http:
        page = http.get("/v1/pull").json()
    page["events"].append({"event_id": "nope", "server_seq": 3})
    page["next"] = 3
    with b.client(server.url, transport=Faults([httpx.Response(200, json=page)])) as c:
        got = c.pull_page()
    assert got.received == 3 and got.touched
    assert [d["direction"] for d in state.dead_letters(b.store.conn)] == ["pull"]
    assert state.cursor(b.store.conn).after == 3
    assert b.event_ids() == a.event_ids()


def test_a_page_json_that_the_fast_decoder_refuses_is_read_event_by_event(server, consoles):
    """A lone surrogate escape or NaN in one event: the page is still read (the lenient
    way), that event is dead-lettered and the rest applied."""
    a, b = consoles("a"), consoles("b")
    work(a, n_notes=1)
    a.sync(server.url)
    with server.http() as http:
        page = http.get("/v1/pull").content
    data = json.loads(page)
    lone, nan = dict(data["events"][0]), dict(data["events"][0])
    lone.update(event_id="0190f1c2-7d3e-7abc-8def-0123456789ab", server_seq=3)
    nan.update(event_id="0190f1c2-7d3e-7abc-8def-0123456789ac", server_seq=4)
    lone["body"] = dict(lone["body"], title="LONE")
    nan["body"] = dict(nan["body"], title="NAN")
    data["events"] += [lone, nan]
    data["next"] = 4
    text = json.dumps(data).replace('"LONE"', '"\\ud800"').replace('"NAN"', "NaN")
    served = httpx.Response(200, headers={"Content-Type": "application/json"}, content=text)
    with b.client(server.url, transport=Faults([served])) as c:
        got = c.pull_page()
    assert got.received == 4 and got.touched
    letters = {d["event_id"] for d in state.dead_letters(b.store.conn)}
    assert letters == {lone["event_id"], nan["event_id"]}
    assert state.cursor(b.store.conn).after == 4
    assert b.event_ids() == a.event_ids()


def test_a_page_and_its_cursor_commit_together(server, consoles, monkeypatch):
    a, b = consoles("a"), consoles("b")
    work(a)
    a.sync(server.url)

    def crash(conn, cur):
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(state, "set_cursor", crash)
        with b.client(server.url) as c, pytest.raises(RuntimeError):
            c.pull_page()
    assert b.event_ids() == set() and state.cursor(b.store.conn).after == 0
    assert b.service.board() == []
    b.sync(server.url)
    assert b.event_ids() == a.event_ids()


def test_a_reset_server_gets_everything_again(tmp_path, consoles, make_server):
    srv = make_server(tmp_path / "one.db")
    a, b = consoles("a"), consoles("b")
    work(a)
    a.sync(srv.url)
    work(b, title="Second")  # same number, merged: declared on B before it saw A's
    b.sync(srv.url)
    a.sync(srv.url)
    old = set(a.event_ids())
    srv.stop()
    fresh = make_server(tmp_path / "two.db", port=srv.port)  # data lost: a new log id
    a.service.note("INC-1", "after the reset")
    report = a.sync(fresh.url)
    assert report["pushed"]["accepted"] == len(old) + 1  # A re-pushed B's events too
    b.sync(fresh.url)
    assert a.event_ids() == b.event_ids() == server_ids(fresh)
    assert a.outbox() == b.outbox() == 0
    assert state.cursor(b.store.conn).log_id == fresh.log.log_id


def test_a_server_behind_our_cursor_is_refilled(server, consoles):
    a = consoles("a")
    work(a)
    a.sync(server.url)
    with a.store.transaction() as conn:  # pretend we had seen far more than it holds
        state.set_cursor(conn, state.Cursor(server.log.log_id, 99))
    a.sync(server.url)
    assert state.cursor(a.store.conn).after == 4 and a.outbox() == 0
    assert server_ids(server) == a.event_ids()


def test_far_future_remote_stamps_are_clamped(server, consoles):
    a = consoles("a")
    future_ms = int(time.time() * 1000) + int(timedelta(days=3).total_seconds() * 1000)
    ev = Event(
        event_log.uuid7(),
        "INC-9",
        "note_added",
        {"text": "from the future"},
        "eve",
        "bad-clock",
        str(HLC(future_ms, 0)),
        "2026-03-01T09:00:00.000Z",
    )
    a.service.apply_remote([ev])
    with a.store.transaction() as conn:
        stamp = HLC.parse(event_log.next_hlc(conn))
    assert stamp.wall_ms <= int(time.time() * 1000) + MAX_DRIFT_MS + 1000


def test_backoff_and_retry_after():
    b = Backoff(random=lambda: 1.0)
    assert [b.delay(i) for i in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert Backoff(random=lambda: 0.25).delay(3) == 1.0
    assert b.delay(0, retry_after=12) == pytest.approx(12.05)
    assert b.delay(0, retry_after=10_000) <= 301


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("https://WarRoom.example.com/api/", "https://warroom.example.com/api"),
    ],
)
def test_remote_urls(url, expected):
    assert normalize_remote(url) == expected


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://warroom.example.com", "https is required"),
        ("ftp://x", "not a remote URL"),
        ("https://user:pw@x.example.com", "no credentials"),
        ("https://x.example.com/?token=1", "query"),
        ("", "not a remote URL"),
    ],
)
def test_bad_remote_urls(url, words):
    with pytest.raises(InputError, match=words):
        normalize_remote(url)


@pytest.mark.parametrize("first", ["newcomer", "old-hand"])
def test_a_server_restored_from_a_backup_under_the_same_log_id(
    tmp_path, consoles, make_server, first
):
    """The server lost events but kept its log id, then accepted new ones: every
    console notices (cursor check at pull, server_seq collision at push) and starts over."""
    srv = make_server(tmp_path / "s.db")
    a, b, c = consoles("a"), consoles("b"), consoles("c")
    work(a)
    a.sync(srv.url)
    b.sync(srv.url)
    srv.stop()
    srv.restore_empty_backup()  # same log id, no events
    srv.start()
    if first == "newcomer":
        work(c, n_notes=5, title="After the restore")
        c.sync(srv.url)  # takes seqs 1..6, beyond the others' cursors
    else:
        b.service.note("INC-1", "b, just after the restore")
        b.sync(srv.url)  # its note gets a seq b already holds for another event
    for console in (a, b, c, a, b):
        console.sync(srv.url)
    assert a.event_ids() == b.event_ids() == c.event_ids() == server_ids(srv)
    assert a.outbox() == b.outbox() == c.outbox() == 0


def test_rotating_the_log_id_makes_consoles_start_over(server, consoles):
    a = consoles("a")
    work(a)
    a.sync(server.url)
    server.log.rotate_log_id()
    report = a.sync(server.url)
    assert report["pulled"]["events"] == 4  # pulled again from 0; they were all there
    assert state.cursor(a.store.conn).log_id == server.log.log_id
    assert state.cursor(a.store.conn).after == 4 and a.outbox() == 0
