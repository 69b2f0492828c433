"""Several consoles, one incident, a server that comes and goes: they converge."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from console.cli import main
from console.config import load
from console.model.clock import ManualClock
from console.model.errors import InputError
from console.service import IncidentService
from console.store import Store, projections
from console.store import sync_state as state
from console.sync.client import SyncClient, SyncError
from console.sync.server import ServerLog

TOKEN = "test-token-0123456789abcdef"
SHOW_AT = "2026-03-01T12:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_two_consoles_edit_offline_then_agree(tmp_path, make_server, capsys, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)
    srv = make_server(tmp_path / "server.db", port=free_port(), start=False)  # down for now
    ana = ["--db", str(tmp_path / "ana.db"), "--as", "ana"]
    ben = ["--db", str(tmp_path / "ben.db"), "--as", "ben"]
    for who in (ana, ben):
        assert run(capsys, *who, "remote", "add", srv.url)[0] == 0

    def at(hhmm: str) -> list[str]:
        return ["--now", f"2026-03-01T{hhmm}:00Z"]

    assert (
        run(
            capsys,
            *ana,
            *at("09:00"),
            "declare",
            "--title",
            "Checkout errors",
            "--severity",
            "SEV2",
            "--layer",
            "service",
        )[1].strip()
        == "INC-1"
    )
    code, out, err = run(capsys, *ana, "sync", "--once", "--retries", "0")
    assert code == 1 and "cannot reach" in err and err.count("\n") == 1  # one line, no traceback
    # Ben declares the same incident on his own console while the server is down.
    assert (
        run(
            capsys,
            *ben,
            *at("09:01"),
            "declare",
            "--title",
            "Payments failing",
            "--severity",
            "SEV3",
            "--layer",
            "data",
        )[1].strip()
        == "INC-1"
    )
    steps = [
        (ana, "09:02", ["note", "INC-1", "error rate 12%"]),
        (ben, "09:03", ["note", "INC-1", "db replicas lagging"]),
        (ana, "09:04", ["severity", "INC-1", "SEV1"]),
        (ben, "09:05", ["assign", "INC-1", "scribe", "ben"]),
        (ana, "09:06", ["tick", "INC-1", "1"]),
        (ben, "09:07", ["status", "INC-1", "identified"]),
        (ana, "09:08", ["status", "INC-1", "mitigating"]),
    ]
    for who, hhmm, argv in steps:
        code, out, err = run(capsys, *who, *at(hhmm), *argv)
        assert code == 0, err
    srv.start()
    for who in (ana, ben, ana):
        code, out, err = run(capsys, *who, "sync", "--once")
        assert code == 0, err
    shows = [
        run(capsys, *who, "--now", SHOW_AT, "show", "INC-1", "--json")[1] for who in (ana, ben)
    ]
    assert shows[0] == shows[1]
    view = json.loads(shows[0])
    assert view["severity"] == "SEV1" and view["status"] == "mitigating"
    assert view["roles"]["scribe"] == "ben"
    assert sum(t["kind"] == "note_added" for t in view["timeline"]) == 2
    boards = [
        run(capsys, *who, "--now", SHOW_AT, "list", "--all", "--json")[1] for who in (ana, ben)
    ]
    assert boards[0] == boards[1]
    for who in (ana, ben):
        status = json.loads(run(capsys, *who, "sync", "status", "--json")[1])
        assert (
            status["outbox"] == 0
            and status["dead_letters"] == 0
            and status["connection"] == "connected"
        )
        assert TOKEN not in json.dumps(status)
    rows = srv.rows()
    assert len(rows) == len({r[1] for r in rows}) == 9


# ------------------------------------------------------------------ stateful


_SERVER = {}


@pytest.fixture
def shared_server(shared_uvicorn):
    """The session's uvicorn; each example swaps in a fresh log."""
    app, running = shared_uvicorn
    _SERVER.update(app=app, url=running.url)
    previous = app.state.log
    yield
    app.state.log = previous


class Lossy(httpx.BaseTransport):
    """Forwards, but can drop the reply after the server has done the work."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.lose_next = False

    def handle_request(self, request):
        resp = self.inner.handle_request(request)
        if self.lose_next:
            self.lose_next = False
            resp.read()
            resp.close()
            raise httpx.ReadError("reply lost")
        return resp

    def close(self):
        self.inner.close()


SEVS = ["SEV1", "SEV2", "SEV3", "SEV4"]
PEOPLE = ["ana", "ben", "chloe"]


class WarRoom(RuleBasedStateMachine):
    """Random edits on 3 consoles, random partial pushes and pulls, lost replies."""

    @initialize(declarers=st.sets(st.integers(0, 2), min_size=1))
    def setup(self, declarers):
        self.dir = Path(tempfile.mkdtemp(prefix="warroom-"))
        app = _SERVER["app"]
        app.state.log = self.log = ServerLog(self.dir / "server.db")
        org = load(None)
        self.replicas = []
        for i, name in enumerate(PEOPLE):
            store = Store(self.dir / f"{name}.db")
            clock = ManualClock(datetime(2026, 3, 1, 9, 0, i, tzinfo=UTC))
            service = IncidentService(store, org, clock, name)
            state.set_remote(store, _SERVER["url"])
            transport = Lossy()
            client = SyncClient(
                service,
                _SERVER["url"],
                TOKEN,
                transport=transport,
                max_attempts=1,
                sleep=lambda s: None,
                timeout=5.0,
            )
            self.replicas.append((service, client, transport))
        for who in sorted(declarers):  # offline: each of them declares its own INC-1
            self.replicas[who][0].declare(f"seen by {PEOPLE[who]}", SEVS[who], layers=["service"])

    def teardown(self):
        if not hasattr(self, "replicas"):
            return
        try:
            self._converge()
        finally:
            for service, client, _ in self.replicas:
                client.close()
                service.store.close()
            self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _converge(self):
        for _ in range(2):
            for _service, client, _ in self.replicas:
                client.sync_once()
        now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        logged = [r[0] for r in self.log.conn.execute("SELECT event_id FROM log")]
        assert len(logged) == len(set(logged)), "duplicate in the server log"
        expected = None
        for service, client, _ in self.replicas:
            conn = service.store.conn
            ids = {r[0] for r in conn.execute("SELECT event_id FROM events")}
            assert ids == set(logged)
            assert client.outbox_depth() == 0
            incidents = [row["id"] for row in service.board(include_resolved=True)]
            picture = (
                incidents,
                [service.view(i, now) for i in incidents],
                projections.snapshot(conn),
                service.board(include_resolved=True),
            )
            if expected is None:
                expected = picture
            else:
                assert picture == expected

    # -------------------------------------------------------------- edits

    def _incident(self, service, pick):
        ids = sorted(row["id"] for row in service.board(include_resolved=True))
        return ids[pick % len(ids)] if ids else None

    @rule(
        who=st.integers(0, 2),
        sev=st.sampled_from(SEVS),
        title=st.sampled_from(["db down", "5xx", "cdn"]),
    )
    def declare(self, who, sev, title):
        service = self.replicas[who][0]
        service.clock.advance(seconds=7)
        service.declare(title, sev, layers=["service"])

    @rule(
        who=st.integers(0, 2),
        pick=st.integers(0, 3),
        action=st.sampled_from(
            ["note", "severity", "tick", "ack", "untick", "assign", "status", "resolve", "reopen"]
        ),
        arg=st.integers(0, 3),
    )
    def edit(self, who, pick, action, arg):
        service = self.replicas[who][0]
        inc = self._incident(service, pick)
        if inc is None:
            return
        service.clock.advance(seconds=11 + arg)
        try:
            if action == "note":
                service.note(inc, f"{service.actor} says {arg}")
            elif action == "severity":
                service.set_severity(inc, SEVS[arg])
            elif action in ("tick", "ack"):
                service.tick(inc, str(arg + 1), ack=action == "ack")
            elif action == "untick":
                service.untick(inc, str(arg + 1))
            elif action == "assign":
                service.assign(
                    inc, ["scribe", "communications", "operations", "scribe"][arg], PEOPLE[arg % 3]
                )
            elif action == "status":
                service.set_status(
                    inc, ["identified", "mitigating", "monitoring", "investigating"][arg]
                )
            elif action == "resolve":
                service.resolve(inc, "fixed")
            else:
                service.reopen(inc)
        except InputError:
            pass  # refused by the rules (already resolved, no such step …): nothing recorded

    @rule(who=st.integers(0, 2), pick=st.integers(0, 3), text=st.text(max_size=20))
    def note(self, who, pick, text):
        service = self.replicas[who][0]
        inc = self._incident(service, pick)
        service.clock.advance(seconds=3)
        if inc and text.strip():
            service.note(inc, text)

    # -------------------------------------------------------------- partial syncs

    @rule(who=st.integers(0, 2), size=st.integers(1, 4), lose=st.booleans())
    def push_some(self, who, size, lose):
        _, client, transport = self.replicas[who]
        client.batch_size = size
        transport.lose_next = lose
        try:
            client.push_batch()
        except SyncError:
            assert lose
        transport.lose_next = False

    @rule(who=st.integers(0, 2), size=st.integers(1, 4), lose=st.booleans())
    def pull_some(self, who, size, lose):
        _, client, transport = self.replicas[who]
        client.page_size = size
        transport.lose_next = lose
        try:
            client.pull_page()
        except SyncError:
            assert lose
        transport.lose_next = False

    @invariant()
    def server_log_has_no_duplicates(self):
        if hasattr(self, "log"):
            dupes = self.log.conn.execute(
                "SELECT count(*) - count(DISTINCT event_id) FROM log"
            ).fetchone()[0]
            assert dupes == 0


WarRoom.TestCase.settings = settings(
    max_examples=12, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.usefixtures("shared_server")
class TestWarRoom(WarRoom.TestCase):
    pass
