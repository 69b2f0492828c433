"""Joining: a new console takes the incidents open on the server first, then the whole
history; when that history is in, it holds exactly what a plain pull gives."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.config import load
from console.model.clock import ManualClock
from console.model.errors import InputError
from console.model.events import Event
from console.model.fold import fold
from console.service import IncidentService
from console.store import Store, projections
from console.store import sync_state as state
from console.sync import protocol as wire
from console.sync.client import SyncClient
from console.sync.server import ServerLog

TOKEN = "test-token-0123456789abcdef"

SHOW_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def work(console, title: str, notes: int = 2) -> str:
    inc = console.service.declare(title, "SEV2", layers=["service"])
    for i in range(notes):
        console.clock.advance(seconds=30)
        console.service.note(inc.id, f"{title} note {i}")
    return inc.id


def open_pages(server, limit: int) -> list[dict]:
    pages, after, upto = [], 0, None
    with server.http() as http:
        while True:
            params = {"after": after, "limit": limit} | ({"upto": upto} if upto else {})
            reply = http.get("/v1/open", params=params)
            assert reply.status_code == 200, reply.text
            page = reply.json()
            pages.append(page)
            if not page["has_more"]:
                return pages
            after, upto = page["next"], page["upto"]


def test_the_open_endpoint_gives_every_event_of_the_open_incidents(server, consoles):
    ana = consoles("ana", "ana")
    first, second, third = (work(ana, t) for t in ("Checkout down", "CDN 503", "Search empty"))
    ana.service.resolve(second, "fixed")
    ana.service.resolve(third, "fixed")
    ana.clock.advance(seconds=60)
    ana.service.reopen(third)
    ana.sync(server.url)

    held = {r[1]: r[0] for r in server.rows()}  # event_id -> server_seq
    wanted = {
        eid
        for (eid,) in ana.store.conn.execute(
            "SELECT event_id FROM events WHERE incident_id IN (?, ?)", [first, third]
        )
    }
    for limit in (500, 2):  # one page, or many: the same events, in server_seq order
        pages = open_pages(server, limit)
        got = [e for page in pages for e in page["events"]]
        assert {e["event_id"] for e in got} == wanted
        assert [e["server_seq"] for e in got] == sorted(held[e] for e in wanted)
        assert all(p["upto"] == max(held.values()) and p["incidents"] == 2 for p in pages)
        assert (len(pages) > 1) == (limit == 2)


def test_the_open_endpoint_is_guarded_like_pull(server):
    with server.http(token=None) as http:
        assert http.get("/v1/open").status_code == 401
    with server.http() as http:
        too_many = wire.MAX_BATCH + 1
        for bad in ({"limit": too_many}, {"after": -1}, {"upto": "x"}, {"limit": "many"}):
            reply = http.get("/v1/open", params=bad)
            assert reply.status_code == 400 and reply.json()["error"]


def lifecycle(incident_id: str, kind: str, body: dict, hlc: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "incident_id": incident_id,
        "kind": kind,
        "body": body,
        "actor": "ben",
        "origin": "ben01",
        "hlc": hlc,
        "at": "2026-03-01T09:10:00.000Z",
    }


def test_a_resolve_stamped_earlier_arriving_later_leaves_it_open(server, consoles):
    ana = consoles("ana", "ana")
    inc = work(ana, "Checkout down")
    ana.sync(server.url)
    last = max(r[0] for r in ana.store.conn.execute("SELECT hlc FROM events"))
    wall = int(last.split("-")[0])
    later = lifecycle(inc, "status_set", {"status": "mitigating"}, f"{wall + 2000:013d}-00000")
    earlier = lifecycle(inc, "resolved", {"summary": "over?"}, f"{wall + 1000:013d}-00000")
    with server.http() as http:
        for raw in (later, earlier):  # the later stamp arrives first
            body = {"protocol": 1, "client_id": "ben", "events": [raw]}
            assert http.post("/v1/push", json=body).json()["results"][0]["status"] == "accepted"
    ana.sync(server.url)
    assert ana.service.get(inc).open
    assert open_pages(server, 500)[0]["incidents"] == 1


def test_the_open_set_is_backfilled_for_a_log_written_before_it(make_server, consoles):
    srv = make_server(Path("server.db"))
    ana = consoles("ana", "ana")
    keep, gone = work(ana, "Checkout down"), work(ana, "CDN 503")
    ana.service.resolve(gone, "fixed")
    ana.sync(srv.url)
    before = open_pages(srv, 500)
    srv.stop()
    _forget_the_open_set(srv)
    srv.start()
    after = open_pages(srv, 500)
    assert after == before and {e["incident_id"] for e in after[0]["events"]} == {keep}


def _forget_the_open_set(srv) -> None:
    """As a log written by a server before the open set existed."""
    if srv.backend == "sqlite":
        with sqlite3.connect(srv.path) as conn:
            conn.execute("DROP TABLE incident_lifecycle")
            conn.execute("DROP INDEX log_incident")
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = 's002_incident_lifecycle'")
        return
    import psycopg

    with psycopg.connect(str(srv.path)) as conn:
        conn.execute("DROP TABLE incident_lifecycle")
        conn.execute("DROP INDEX log_incident")
        conn.execute("DELETE FROM schema_migrations WHERE version = 4")


def test_a_new_console_joins_open_first_then_catches_up(server, consoles):
    ana = consoles("ana", "ana")
    live = work(ana, "Checkout down", notes=5)
    for i in range(6):
        ana.service.resolve(work(ana, f"old {i}"), "fixed")
    ana.sync(server.url)

    bob = consoles("bob", "bob")
    with bob.client(server.url, page_size=3) as client:
        report = client.join()
        # the board shows the open incident, whole, before any history
        assert report.supported and report.incidents == 1 and report.touched == [live]
        assert [r["id"] for r in bob.service.board()] == [live]
        assert bob.service.view(live, SHOW_AT) == ana.service.view(live, SHOW_AT)
        assert client.cursor().after == 0 and bob.outbox() == 0
        joined = state.summary(bob.store.conn)["join"]
        assert joined["incidents"] == 1 and not joined["history_complete"]
        client.pull_all()
    assert bob.event_ids() == ana.event_ids()
    assert projections.snapshot(bob.store.conn) == projections.snapshot(ana.store.conn)
    assert state.summary(bob.store.conn)["join"]["history_complete"]


def test_an_older_server_without_the_endpoint_gets_a_plain_pull(server, consoles):
    ana = consoles("ana", "ana")
    inc = work(ana, "Checkout down")
    ana.sync(server.url)

    def older(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/open":
            return httpx.Response(404, headers={"Content-Type": "text/html"}, content=b"<h1>404")
        with httpx.Client() as real:
            return real.send(request)

    bob = consoles("bob", "bob")
    report = bob.sync(server.url, transport=httpx.MockTransport(older))
    assert report["joined"] is None and report["pulled"]["incidents"] == [inc]
    assert state.summary(bob.store.conn)["join"] is None


def test_hostile_open_pages_are_quarantined_like_pulled_ones(server, consoles):
    ana = consoles("ana", "ana")
    inc = work(ana, "Checkout down")
    ana.sync(server.url)
    broken = {
        "event_id": str(uuid.uuid4()),
        "incident_id": inc,
        "kind": "note_added",
        "body": {},
        "actor": "mallory",
        "origin": "evil01",
        "hlc": "1772355600000-00000",
        "at": "2026-03-01T09:00:00.000Z",
    }
    from console.store.server_log import Batch, Item

    payload = json.dumps(broken, sort_keys=True, separators=(",", ":"))
    item = Item(broken["event_id"], inc, "note_added", payload)
    server.log.storage.append(Batch.of([item]), "old", "x")

    bob = consoles("bob", "bob")
    with bob.client(server.url) as client:
        assert client.join().received == 4
    letters = state.dead_letters(bob.store.conn)
    assert [d["event_id"] for d in letters] == [broken["event_id"]]
    assert "body.text is required" in letters[0]["reason"]
    assert [n.text for n in bob.service.get(inc).notes] == [
        f"Checkout down note {i}" for i in (0, 1)
    ]


# ------------------------------------------------------------------ random logs

_SERVER: dict = {}


@pytest.fixture
def swap_log(shared_uvicorn):
    app, running = shared_uvicorn
    _SERVER.update(app=app, url=running.url)
    previous = app.state.log
    yield
    app.state.log = previous


OPS = st.lists(
    st.tuples(
        st.sampled_from(["declare", "resolve", "reopen", "note", "status", "sync"]),
        st.integers(0, 1),  # which writer
        st.integers(0, 30),  # which incident
        st.integers(1, 400),  # seconds on that writer's clock
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS, page=st.integers(1, 7))
def test_joining_ends_exactly_where_a_plain_pull_does(swap_log, ops, page):
    """Two writers with their own clocks edit and sync in any order (so server order and
    stamp order differ); a joining console shows what a plain one shows of the open
    incidents at once, and everything once its history is in."""
    root = Path(tempfile.mkdtemp(prefix="join-"))
    org = load(None)
    _SERVER["app"].state.log = log = ServerLog(root / "server.db")
    url = _SERVER["url"]
    made: list[tuple[IncidentService, SyncClient]] = []

    def console(name: str, skew: int = 0) -> tuple[IncidentService, SyncClient]:
        store = Store(root / f"{name}.db")
        clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=skew))
        service = IncidentService(store, org, clock, name)
        state.set_remote(store, url)
        client = SyncClient(service, url, TOKEN, page_size=page, sleep=lambda s: None)
        made.append((service, client))
        return service, client

    try:
        writers = [console("ana"), console("ben", skew=90)]
        for op, who, pick, seconds in ops:
            service, client = writers[who]
            service.clock.advance(seconds=seconds)
            ids = sorted(r["id"] for r in service.board(include_resolved=True))
            target = ids[pick % len(ids)] if ids else None
            try:
                if op == "declare":
                    service.declare(f"incident {pick}", "SEV2", layers=["service"])
                elif op == "sync":
                    client.sync_once()
                elif target is None:
                    continue
                elif op == "resolve":
                    service.resolve(target, "done")
                elif op == "reopen":
                    service.reopen(target)
                elif op == "note":
                    service.note(target, f"note {seconds}")
                else:
                    service.set_status(target, "mitigating")
            except InputError:
                pass  # e.g. resolving what is resolved: a person gets told, nothing written
        for _service, client in writers:
            client.sync_once()

        plain, plain_client = console("plain")
        plain_client.pull_all()
        joiner, join_client = console("joiner")
        report = join_client.join()
        server_open = _open_by_fold(log)
        assert report.incidents == len(server_open)
        open_now = joiner.board(include_resolved=False)
        assert sorted(r["id"] for r in open_now) == sorted(server_open)
        for incident_id in server_open:
            assert joiner.view(incident_id, SHOW_AT) == plain.view(incident_id, SHOW_AT)
        join_client.pull_all()
        for conn in (joiner.store.conn,):
            assert {r[0] for r in conn.execute("SELECT event_id FROM events")} == {
                r[1] for r in log.rows()
            }
        assert projections.snapshot(joiner.store.conn) == projections.snapshot(plain.store.conn)
        assert joiner.board(include_resolved=True) == plain.board(include_resolved=True)
        for row in plain.board(include_resolved=True):
            assert joiner.view(row["id"], SHOW_AT) == plain.view(row["id"], SHOW_AT)
        assert join_client.outbox_depth() == 0
    finally:
        for service, client in made:
            client.close()
            service.store.close()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _open_by_fold(log: ServerLog) -> list[str]:
    """The open incidents as the fold sees the whole server log."""
    by_incident: dict[str, list[Event]] = {}
    for _seq, _eid, payload in log.rows():
        ev = Event.from_dict(json.loads(payload))
        by_incident.setdefault(ev.incident_id, []).append(ev)
    return sorted(i for i, evs in by_incident.items() if (inc := fold(evs)) and inc.open)


def test_an_unusable_open_reply_falls_back_to_the_plain_pull(server, consoles):
    ana = consoles("ana", "ana")
    inc = work(ana, "Checkout down")
    ana.sync(server.url)

    def proxy(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/open":  # a proxy's page, or a reply of the wrong shape
            return httpx.Response(200, json={"events": "nope"})
        with httpx.Client() as real:
            return real.send(request)

    bob = consoles("bob", "bob")
    report = bob.sync(server.url, transport=httpx.MockTransport(proxy))
    assert report["joined"] is None and report["pulled"]["incidents"] == [inc]
    assert bob.event_ids() == ana.event_ids()
